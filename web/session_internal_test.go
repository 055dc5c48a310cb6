package web

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"strings"
	"testing"

	"github.com/layerlab/layerlab/sim"
	"github.com/layerlab/layerlab/sim/base"
	"github.com/layerlab/layerlab/sim/engine"
	"github.com/layerlab/layerlab/sim/pkg"
)

func testServer(t testing.TB) *Server {
	t.Helper()
	bases, err := base.Load()
	if err != nil {
		t.Fatal(err)
	}
	pkgs, err := pkg.Load()
	if err != nil {
		t.Fatal(err)
	}
	lib, err := engine.NewLibrary(bases, pkgs)
	if err != nil {
		t.Fatal(err)
	}
	return &Server{Deps: Deps{Library: lib}, log: slog.New(slog.NewTextHandler(io.Discard, nil))}
}

// A session's log is capped in bytes as well as in entries, so no learner
// can grow the database without bound through file edits.
func TestSessionLogByteCap(t *testing.T) {
	sess := testServer(t).newSession(playground{})
	big := LogEntry{Kind: "file", Path: "big.txt", Data: []byte(strings.Repeat("x", maxFileBytes))}
	var err error
	n := 0
	for ; n < maxLogBytes/maxFileBytes+2; n++ {
		if _, err = sess.do(context.Background(), big); err != nil {
			break
		}
	}
	if !errors.Is(err, sim.ErrLimit) {
		t.Fatalf("after %d edits of 64 KB: %v, want the byte limit", n, err)
	}
	if sess.logBytes > maxLogBytes {
		t.Fatalf("the log holds %d bytes, over the %d cap", sess.logBytes, maxLogBytes)
	}
	// Undo gives the room back.
	if _, err := sess.undo(context.Background()); err != nil {
		t.Fatal(err)
	}
	if _, err := sess.do(context.Background(), big); err != nil {
		t.Fatalf("after an undo: %v", err)
	}
}

// Sharing the same state twice gives the same link: one stored row.
func TestShareIDIsTheStatesHash(t *testing.T) {
	log := []LogEntry{{Kind: "cmd", Line: "docker build -t pageturn ."}}
	a, b := shareID(7, log), shareID(7, append([]LogEntry(nil), log...))
	if a != b || len(a) != 16 || !validShareID(a) {
		t.Fatalf("share ids %q and %q for one state", a, b)
	}
	if shareID(8, log) == a || shareID(7, append(log, LogEntry{Kind: "cmd", Line: "docker ps"})) == a {
		t.Fatal("different states got the same share id")
	}
}
