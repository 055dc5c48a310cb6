package web

import (
	"context"
	"errors"
	"testing"
	"time"
)

// A replay step's work is bounded in time: a rebuild that runs out says
// so instead of holding the heavy lane, and the same step replays when it
// has the time.
func TestReplayStepIsBoundedInTime(t *testing.T) {
	s := testServer(t)
	log := []LogEntry{
		{Kind: "cmd", Line: "docker build -t pageturn ."},
		{Kind: "cmd", Line: "docker run -d --name web pageturn"},
		{Kind: "cmd", Line: "docker ps"},
	}
	s.replayLimit = time.Nanosecond
	if _, err := s.replayStep(context.Background(), playground{}, 7, log, 3); !errors.Is(err, errReplayTooLong) {
		t.Fatalf("a replay with no time left: %v, want errReplayTooLong", err)
	}
	s.replayLimit = 0
	f, err := s.replayStep(context.Background(), playground{}, 7, log, 2)
	if err != nil {
		t.Fatal(err)
	}
	if len(f.viz.Hosts) == 0 || len(f.viz.Hosts[0].Families) == 0 {
		t.Fatalf("no picture after two steps: %+v", f.viz)
	}
	found := false
	for _, fam := range f.viz.Hosts[0].Families {
		for _, img := range fam.Images {
			for _, c := range img.Containers {
				found = found || c.Name == "web"
			}
		}
	}
	if !found {
		t.Errorf("step 2 does not show the container web it started")
	}
	// The heavy lane is free again after both.
	select {
	case s.pools().heavy <- struct{}{}:
		<-s.pools().heavy
	default:
		t.Error("a replay step kept its place in the heavy lane")
	}
}

// BenchmarkReplayStep is one step of an instructor's replay of a long
// playground session: 200 entries of builds, runs, edits and listings,
// rebuilt up to the last one.
func BenchmarkReplayStep(b *testing.B) {
	s := testServer(b)
	var log []LogEntry
	for i := 0; len(log) < 200; i++ {
		log = append(log,
			LogEntry{Kind: "file", Path: "app.py", Data: []byte("print(" + string(rune('a'+i%26)) + ")\n")},
			LogEntry{Kind: "cmd", Line: "docker build -t pageturn ."},
			LogEntry{Kind: "cmd", Line: "docker run -d pageturn"},
			LogEntry{Kind: "cmd", Line: "docker ps -a"},
		)
	}
	b.ResetTimer()
	for range b.N {
		if _, err := s.replayStep(context.Background(), playground{}, 11, log, len(log)); err != nil {
			b.Fatal(err)
		}
	}
}
