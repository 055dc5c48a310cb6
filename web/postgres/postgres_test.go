package postgres_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/layerlab/layerlab/web"
	"github.com/layerlab/layerlab/web/postgres"
	"github.com/layerlab/layerlab/web/postgres/pgtest"
)

// A bad URL or a database that does not answer fails Open with one line
// that says which, without the password.
func TestOpenFailsClearly(t *testing.T) {
	for _, c := range []struct{ dsn, want string }{
		{"postgres://ada:secret@127.0.0.1:1/x?sslmode=disable", "cannot connect"},
		{"postgres://ada:secret@[::1/x", "not a PostgreSQL URL"},
		{"postgres://ada:secret@127.0.0.1:1/x?sslmode=sideways", "not a PostgreSQL URL"},
	} {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		_, err := postgres.Open(ctx, c.dsn)
		cancel()
		if err == nil {
			t.Errorf("%s: opened", c.dsn)
			continue
		}
		msg := err.Error()
		if !strings.Contains(msg, c.want) || strings.Contains(msg, "secret") || strings.Contains(msg, "\n") {
			t.Errorf("%s: %q, want one line with %q and no password", c.dsn, msg, c.want)
		}
	}
}

// Nodes started together migrate one at a time: every Open succeeds and
// the schema is applied once.
func TestConcurrentMigrations(t *testing.T) {
	dsn := pgtest.Database(t, server)
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			db, err := postgres.Open(context.Background(), dsn)
			if err != nil {
				errs <- err
				return
			}
			db.Close()
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// One answer PostgreSQL refuses (text cannot hold a NUL byte) fails alone;
// the answers committed beside it in the same group are stored.
func TestBadAnswerFailsAlone(t *testing.T) {
	db := open(t)
	var wg sync.WaitGroup
	results := make([]error, 50)
	for i := range results {
		wg.Add(1)
		go func() {
			defer wg.Done()
			a := web.Answer{ClientID: fmt.Sprint("c", i), Learner: "l", Quiz: "q", Question: "x", Answer: `"a"`, Source: "lesson", Time: time.Now()}
			if i == 25 {
				a.Answer = "\x00"
			}
			_, results[i] = db.SaveAnswer(context.Background(), a)
		}()
	}
	wg.Wait()
	for i, err := range results {
		if (err != nil) != (i == 25) {
			t.Errorf("answer %d: %v", i, err)
		}
	}
	n, err := db.CountAnswers(context.Background())
	if err != nil || n != 49 {
		t.Errorf("%d answers stored (%v), want 49", n, err)
	}
}

// A claim made through one node's store reaches the others' listeners,
// and never the node's own.
func TestClaimsReachOtherNodes(t *testing.T) {
	dsn := pgtest.Database(t, server)
	var nodes [4]*postgres.DB // the fourth only probes
	for i := range nodes {
		db, err := postgres.Open(context.Background(), dsn)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		nodes[i] = db
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	heard := make(chan string, 1000)
	for i, db := range nodes[:3] {
		go db.Listen(ctx, func(key string) { heard <- fmt.Sprint(i, " ", key) })
	}
	// LISTEN starts in its own goroutine: claim a probe from the fourth
	// node until the three heard one, so all three listen.
	seen := map[string]bool{}
	deadline := time.After(20 * time.Second)
	for !seen["0 probe"] || !seen["1 probe"] || !seen["2 probe"] {
		nodes[3].Claim(ctx, "probe")
		select {
		case h := <-heard:
			seen[h] = true
		case <-time.After(100 * time.Millisecond):
		case <-deadline:
			t.Fatalf("listeners that heard the probe: %v", seen)
		}
	}
	if err := nodes[1].Claim(ctx, "k1"); err != nil {
		t.Fatal(err)
	}
	got := map[string]bool{}
	for len(got) < 2 {
		select {
		case h := <-heard:
			if !strings.HasSuffix(h, "probe") {
				got[h] = true
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("heard %v", got)
		}
	}
	if !got["0 k1"] || !got["2 k1"] || got["1 k1"] {
		t.Errorf("heard %v, want nodes 0 and 2 only", got)
	}
}

// While PostgreSQL is away, the store's errors say so (web answers them
// with 503 and Retry-After), and once it is back the same store works
// again without being reopened.
func TestUnavailableWhileDatabaseRestarts(t *testing.T) {
	if os.Getenv("LAYERLAB_TEST_POSTGRES") != "" {
		t.Skip("stops its own PostgreSQL; LAYERLAB_TEST_POSTGRES names an outside one")
	}
	pgtest.Database(t, server) // skips where PostgreSQL cannot run
	ctx := context.Background()
	// Durable: the server is killed, and without synchronous commit the
	// last migrations, committed a moment before, could be lost with it.
	srv, err := pgtest.Start(ctx, pgtest.Options{Durable: true})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Stop()
	dsn, err := srv.NewDatabase(ctx)
	if err != nil {
		t.Fatal(err)
	}
	db, err := postgres.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	a := web.Answer{ClientID: "before", Learner: "l", Quiz: "q", Question: "x", Answer: `"a"`, Source: "lesson", Time: time.Now()}
	if _, err := db.SaveAnswer(ctx, a); err != nil {
		t.Fatal(err)
	}
	if err := srv.Kill(); err != nil {
		t.Fatal(err)
	}
	a.ClientID = "during"
	if _, err := db.SaveAnswer(ctx, a); !errors.Is(err, web.ErrUnavailable) {
		t.Errorf("saving an answer while the database is down: %v, want ErrUnavailable", err)
	}
	if err := db.AppendLog(ctx, "l", "play", 0, web.LogEntry{Kind: "cmd", Line: "docker ps"}); !errors.Is(err, web.ErrUnavailable) {
		t.Errorf("appending to a session while the database is down: %v, want ErrUnavailable", err)
	}
	if _, _, _, err := db.LoadSession(ctx, "l", "play"); !errors.Is(err, web.ErrUnavailable) {
		t.Errorf("loading a session while the database is down: %v, want ErrUnavailable", err)
	}
	if err := srv.Restart(ctx); err != nil {
		t.Fatal(err)
	}
	a.ClientID = "after"
	if stored, err := db.SaveAnswer(ctx, a); err != nil || !stored {
		t.Fatalf("after the restart: stored=%v err=%v", stored, err)
	}
}
