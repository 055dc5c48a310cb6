package web

import (
	"errors"
	"fmt"
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
