package web

import (
	"context"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"
)

// countingLTI is an LTI store that counts how often it is asked for its
// platforms.
type countingLTI struct {
	LTIStore  // not called
	mu        sync.Mutex
	platforms []LTIPlatform
	asked     int
}

func (c *countingLTI) Platforms(context.Context) ([]LTIPlatform, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.asked++
	return c.platforms, nil
}

// On a server where no LTI platform is registered, answers ask whether one
// exists at most once a second (and look up no launches); once one is
// registered it stays known, and every answer looks its learner's launches
// up again.
func TestLTIScorerSkipsLookupsWithoutPlatforms(t *testing.T) {
	store := &countingLTI{}
	s := &Server{Deps: Deps{LTI: store}, log: slog.New(slog.NewTextHandler(io.Discard, nil)), now: time.Now}
	sc := &ltiScorer{s: s}
	for range 200 {
		if sc.platformsRegistered(context.Background()) {
			t.Fatal("a platform is registered in an empty store")
		}
	}
	if store.asked != 1 {
		t.Errorf("200 answers asked for platforms %d times, want 1", store.asked)
	}
	store.platforms = []LTIPlatform{{ID: 1}}
	sc.askedAt = time.Now().Add(-platformsRecheck) // a second later
	if !sc.platformsRegistered(context.Background()) {
		t.Fatal("a registered platform was not seen a second later")
	}
	for range 3 {
		sc.platformsRegistered(context.Background())
	}
	if store.asked != 2 {
		t.Errorf("asked for platforms %d times, want 2: once one is known it stays known", store.asked)
	}
}
