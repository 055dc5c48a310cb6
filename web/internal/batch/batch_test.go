package batch

import (
	"slices"
	"testing"
)

// Every queued request is committed once, in order, in batches of at most
// max, and Run ends when done closes.
func TestRunBatchesWhatIsQueued(t *testing.T) {
	reqs := make(chan int, 10)
	for i := range 10 {
		reqs <- i
	}
	done := make(chan struct{})
	var got []int
	var sizes []int
	Run(done, reqs, 4, func(b []int) {
		got = append(got, b...)
		sizes = append(sizes, len(b))
		if len(got) == 10 {
			close(done)
		}
	})
	if !slices.Equal(got, []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}) || !slices.Equal(sizes, []int{4, 4, 2}) {
		t.Fatalf("committed %v in batches %v", got, sizes)
	}
}
