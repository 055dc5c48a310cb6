package web

import (
	"errors"
	"fmt"
	"strings"
	"sync"
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
	busy := func(d time.Duration) func(func(func())) { return func(func(func())) { now = now.Add(d) } }

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

// The pool forgets sessions whose use decayed to nothing, and with many
// learners busy at once it passes over its table rarely: each command
// costs O(1), not a pass over every learner (5,000 learners made that
// pass a quarter of the server's time).
func TestWorkPoolForgetsIdleSessionsCheaply(t *testing.T) {
	p := newWorkPool()
	now := time.Unix(1000, 0)
	passes := 0
	charge := func(key string) {
		before := p.pruneAt
		p.charge(key, 10*time.Millisecond, now)
		if p.pruneAt != before {
			passes++
		}
	}
	const busy = 10000
	for i := range busy {
		charge(fmt.Sprintf("old%d", i))
	}
	// The same learners again, each a command later: no pass at all.
	passesBefore := passes
	for i := range busy {
		charge(fmt.Sprintf("old%d", i))
	}
	if passes != passesBefore {
		t.Errorf("%d passes over the table while no learner was new", passes-passesBefore)
	}
	if passes > 3 {
		t.Errorf("%d passes over the table for %d learners, want O(log n)", passes, busy)
	}
	// Five minutes later the old learners' use has decayed to nothing:
	// new learners make the pool forget them.
	now = now.Add(5 * time.Minute)
	for i := range busy {
		charge(fmt.Sprintf("new%d", i))
	}
	if n := len(p.use); n > busy+minPrune {
		t.Errorf("the pool remembers %d sessions, %d of them busy", n, busy)
	}
	for k := range p.use {
		if strings.HasPrefix(k, "old") {
			t.Fatalf("the pool still remembers %s, idle for 5 minutes", k)
		}
	}
}

// A command's wait for storage runs aside: its place in the pool is free
// for another learner's command meanwhile, and the wait is not charged to
// its session as work.
func TestWorkPoolAside(t *testing.T) {
	p := newWorkPool()
	p.slots = make(gate, 1) // one place, so the second command needs it
	now := time.Unix(1000, 0)
	var mu sync.Mutex
	p.now = func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	advance := func(d time.Duration) { mu.Lock(); now = now.Add(d); mu.Unlock() }
	other := make(chan error, 1)
	err := p.run("writer", func(aside func(func())) {
		advance(10 * time.Millisecond) // the command's own work
		aside(func() {
			// While this one waits for its commit, another runs.
			other <- p.run("other", func(func(func())) { advance(time.Millisecond) })
			advance(10 * time.Second) // a long wait for storage
		})
		advance(10 * time.Millisecond) // the reply
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := <-other; err != nil {
		t.Errorf("a command while another waited aside: %v", err)
	}
	if got := p.recent("writer", now); got > 0.05 {
		t.Errorf("the writer was charged %.3f s, want its 0.02 s of work, not its wait", got)
	}
	if len(p.slots) != 0 {
		t.Errorf("%d places still held after both commands", len(p.slots))
	}
}
