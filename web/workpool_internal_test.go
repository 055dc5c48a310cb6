package web

import (
	"errors"
	"strings"
	"testing"
	"time"
)

// A session that keeps the server busy is first moved to the one heavy
// lane, then refused with a message saying how long to wait; its use
// decays, and other sessions are never charged for it.
func TestWorkPoolFairness(t *testing.T) {
	p := newWorkPool()
	now := time.Unix(1000, 0)
	p.now = func() time.Time { return now }
	busy := func(d time.Duration) func() { return func() { now = now.Add(d) } }

	// 2 s of work: over the share, still under the budget.
	for range 2 {
		if err := p.run("hog", busy(time.Second)); err != nil {
			t.Fatal(err)
		}
	}
	// Over its share, the hog needs the heavy lane: with the lane taken,
	// it waits and is turned away busy, while another learner runs.
	p.heavy <- struct{}{}
	p.wait = 10 * time.Millisecond
	if err := p.run("hog", busy(time.Millisecond)); !errors.Is(err, errBusy) {
		t.Errorf("a hog with the heavy lane taken: %v, want busy", err)
	}
	if err := p.run("learner", busy(5*time.Millisecond)); err != nil {
		t.Errorf("a light learner while the heavy lane is taken: %v", err)
	}
	<-p.heavy
	// Past the budget the hog is refused, with a wait to tell.
	for range 4 {
		p.run("hog", busy(time.Second))
	}
	err := p.run("hog", busy(time.Second))
	var hog hogError
	if !errors.As(err, &hog) || !strings.Contains(err.Error(), "more than its share") || hog.wait < time.Second {
		t.Fatalf("a hog past its budget: %v", err)
	}
	// Waiting as long as it says lets it work again.
	now = now.Add(hog.wait + time.Second)
	if err := p.run("hog", busy(time.Millisecond)); errors.As(err, &hog) {
		t.Errorf("after waiting %v the hog is still refused: %v", hog.wait, err)
	}
	if use := p.recent("learner", now); use > 0.01 {
		t.Errorf("the light learner was charged %.3f s", use)
	}
}
