package sqlite

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"testing"

	"github.com/layerlab/layerlab/web"
)

func openTestDB(t *testing.T) *DB {
	t.Helper()
	db, err := Open(context.Background(), filepath.Join(t.TempDir(), "layerlab.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// One append that fails in a batch (its session was never stored, so the
// foreign key refuses it) fails alone: the others of its batch are
// committed and told so.
func TestLogBatchFailsOnlyTheBadAppend(t *testing.T) {
	ctx := context.Background()
	db := openTestDB(t)
	var batch []logReq
	for i := range 5 {
		learner := fmt.Sprintf("l%d", i)
		if i != 2 {
			if err := db.SaveSession(ctx, learner, "play", 1, nil); err != nil {
				t.Fatal(err)
			}
		}
		batch = append(batch, logReq{ctx: ctx, learner: learner, mode: "play", e: web.LogEntry{Kind: "cmd", Line: "docker ps"}, reply: make(chan error, 1)})
	}
	db.logs.commit(batch)
	for i, r := range batch {
		err := <-r.reply
		if (err != nil) != (i == 2) {
			t.Errorf("append %d: err = %v", i, err)
		}
		_, log, found, lerr := db.LoadSession(ctx, r.learner, "play")
		if lerr != nil {
			t.Fatal(lerr)
		}
		if want := i != 2; found != want || (want && len(log) != 1) {
			t.Errorf("session %d: found %v, log %v", i, found, log)
		}
	}
}

// Many sessions appending at once: every append returns after its entry
// is stored, in order, whatever batch it was committed in.
func TestLogAppendsConcurrently(t *testing.T) {
	ctx := context.Background()
	db := openTestDB(t)
	const sessions, entries = 40, 25
	for i := range sessions {
		if err := db.SaveSession(ctx, fmt.Sprintf("l%d", i), "play", 1, nil); err != nil {
			t.Fatal(err)
		}
	}
	var wg sync.WaitGroup
	for i := range sessions {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := range entries {
				if err := db.AppendLog(ctx, fmt.Sprintf("l%d", i), "play", k, web.LogEntry{Kind: "cmd", Line: fmt.Sprintf("echo %d", k)}); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	for i := range sessions {
		_, log, _, err := db.LoadSession(ctx, fmt.Sprintf("l%d", i), "play")
		if err != nil {
			t.Fatal(err)
		}
		if len(log) != entries {
			t.Fatalf("session %d holds %d entries, want %d", i, len(log), entries)
		}
		for k, e := range log {
			if e.Line != fmt.Sprintf("echo %d", k) {
				t.Fatalf("session %d entry %d is %q", i, k, e.Line)
			}
		}
	}
}

// A closed database refuses appends with a clear error instead of
// blocking.
func TestLogAppendAfterClose(t *testing.T) {
	db, err := Open(context.Background(), filepath.Join(t.TempDir(), "layerlab.db"))
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	if err := db.AppendLog(context.Background(), "l", "play", 0, web.LogEntry{Kind: "cmd", Line: "x"}); err == nil {
		t.Fatal("append on a closed database succeeded")
	}
}
