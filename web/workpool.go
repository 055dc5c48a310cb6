package web

import (
	"context"
	"errors"
	"fmt"
	"math"
	"runtime"
	"sync"
	"time"
)

// errBusy is a request the server turned away because its bounded pools
// were full for too long; it answers 503 with Retry-After.
var errBusy = errors.New("the server is busy; try again in a moment")

// gate is a counting semaphore: at most cap(gate) holders at once.
type gate chan struct{}

// enter waits for a place until ctx ends.
func (g gate) enter(ctx context.Context) error {
	select {
	case g <- struct{}{}:
		return nil
	case <-ctx.Done():
		return errBusy
	}
}

func (g gate) leave() { <-g }

// How the server shares its cores between learners. Every command runs in
// the work pool; a session that has used more than hogShare of recent
// work queues for the one heavy lane first, so heavy sessions together
// hold at most one core; a session past hogBudget is refused until its
// use decays. Use decays by half every useHalfLife.
const (
	useHalfLife = 10 * time.Second
	hogShare    = 1.0 // seconds of recent work
	hogBudget   = 5.0 // seconds of recent work
	slotWait    = 5 * time.Second
	minPrune    = 4096 // sessions' use kept before the first pass that forgets
)

// workPool runs learners' commands, fairly.
type workPool struct {
	slots gate // commands running at once
	heavy gate // of those, from sessions over their share
	mu    sync.Mutex
	use   map[string]*usage // by learner and mode
	// pruneAt is the size of use at which sessions whose use decayed to
	// nothing are next forgotten: twice what was left after the last
	// pass, so the pass over the map costs each command O(1) however many
	// learners are busy.
	pruneAt int
	now     func() time.Time
	wait    time.Duration // for a place, then errBusy
}

type usage struct {
	busy float64 // seconds of work, decayed to at
	at   time.Time
}

func newWorkPool() *workPool {
	return &workPool{
		slots: make(gate, 4*runtime.GOMAXPROCS(0)),
		heavy: make(gate, 1),
		use:   map[string]*usage{},
		now:   time.Now,
		wait:  slotWait,
	}
}

// hogError is a command refused because its session has used more than
// its share of the server.
type hogError struct{ wait time.Duration }

func (e hogError) Error() string {
	return fmt.Sprintf("this console has used more than its share of the server's time for now (the limit is %.0f s of work in a short while); wait about %d s and try again",
		hogBudget, int(math.Ceil(e.wait.Seconds())))
}

// recent is key's decayed use now.
func (p *workPool) recent(key string, now time.Time) float64 {
	u := p.use[key]
	if u == nil {
		return 0
	}
	return u.busy * math.Exp2(-now.Sub(u.at).Seconds()/useHalfLife.Seconds())
}

// run runs fn for the session key when the pool and the session's budget
// allow, and charges the session for the time it took. fn may hand work
// that waits rather than computes (a write to storage) to aside: it runs
// without a place in the pool, so other learners' commands use the cores
// meanwhile and their writes join the same group commit, and its time is
// not charged.
func (p *workPool) run(key string, fn func(aside func(wait func()))) error {
	now := p.now()
	p.mu.Lock()
	busy := p.recent(key, now)
	p.mu.Unlock()
	if busy > hogBudget {
		wait := time.Duration(useHalfLife.Seconds() * math.Log2(busy/hogBudget) * float64(time.Second))
		return hogError{wait: max(wait, time.Second)}
	}
	ctx, cancel := context.WithTimeout(context.Background(), p.wait)
	defer cancel()
	if busy > hogShare {
		if err := p.heavy.enter(ctx); err != nil {
			return err
		}
		defer p.heavy.leave()
	}
	if err := p.slots.enter(ctx); err != nil {
		return err
	}
	held := true
	var waited time.Duration
	aside := func(wait func()) {
		if held {
			p.slots.leave()
		}
		start := p.now()
		wait()
		waited += p.now().Sub(start)
		// Back in line for the rest of the command; a command whose
		// write is stored is finished even when no place frees up.
		ctx, cancel := context.WithTimeout(context.Background(), p.wait)
		defer cancel()
		held = p.slots.enter(ctx) == nil
	}
	start := p.now()
	fn(aside)
	end := p.now()
	if held {
		p.slots.leave()
	}
	p.charge(key, end.Sub(start)-waited, end)
	return nil
}

// asideKey carries a command's aside (workPool.run) in its context.
type asideKey struct{}

// withAside is ctx carrying aside, for session.do.
func withAside(ctx context.Context, aside func(wait func())) context.Context {
	return context.WithValue(ctx, asideKey{}, aside)
}

// runAside runs wait aside from the work pool when ctx carries a place in
// it, and at once otherwise.
func runAside(ctx context.Context, wait func()) {
	if aside, ok := ctx.Value(asideKey{}).(func(wait func())); ok {
		aside(wait)
		return
	}
	wait()
}

func (p *workPool) charge(key string, took time.Duration, now time.Time) {
	p.mu.Lock()
	defer p.mu.Unlock()
	busy := p.recent(key, now) + took.Seconds()
	if busy < 0.001 {
		delete(p.use, key)
		return
	}
	if u := p.use[key]; u != nil {
		u.busy, u.at = busy, now
	} else {
		p.use[key] = &usage{busy: busy, at: now}
	}
	if len(p.use) > max(p.pruneAt, minPrune) {
		// Forget sessions whose use has decayed to nothing.
		for k := range p.use {
			if p.recent(k, now) < 0.001 {
				delete(p.use, k)
			}
		}
		p.pruneAt = 2 * len(p.use)
	}
}

// serverPools are the bounded pools a server shares between its requests.
// Heavy work of every kind (replaying a stored log, building a viz embed,
// the commands of a session over its share) queues for the one heavy
// gate, so together it holds at most half the cores and the rest stay
// free for learners typing commands.
type serverPools struct {
	heavy gate
	work  *workPool
}

func (s *Server) pools() *serverPools {
	s.poolsOnce.Do(func() {
		heavy := make(gate, max(1, runtime.GOMAXPROCS(0)/2))
		work := newWorkPool()
		work.heavy = heavy
		s.pool = &serverPools{heavy: heavy, work: work}
	})
	return s.pool
}

// commandTime is the real time one command may take, live or replayed: a
// backstop behind the simulator's own work limits, which stop a command
// the same way every time it runs.
func (s *Server) commandTime() time.Duration {
	if s.cfg.CommandTime > 0 {
		return s.cfg.CommandTime
	}
	return 10 * time.Second
}
