package main

import (
	"io"
	"log/slog"
	"strings"
	"testing"
)

// Profiles are served on loopback only: any other address is refused at
// start with a line that says why.
func TestProfilesOnlyOnLoopback(t *testing.T) {
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	for _, addr := range []string{"0.0.0.0:6060", ":6060", "192.168.1.10:6060", "example.org:6060", "nonsense"} {
		stop, err := serveProfiles(addr, log)
		if err == nil {
			stop()
			t.Errorf("--pprof %s was accepted", addr)
			continue
		}
		if !strings.HasPrefix(err.Error(), "--pprof") {
			t.Errorf("--pprof %s: %v", addr, err)
		}
	}
	stop, err := serveProfiles("127.0.0.1:0", log)
	if err != nil {
		t.Fatalf("--pprof 127.0.0.1:0: %v", err)
	}
	stop()
}
