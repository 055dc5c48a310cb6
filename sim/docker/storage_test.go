package docker_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/layerlab/layerlab/sim"
	"github.com/layerlab/layerlab/sim/docker"
	"github.com/layerlab/layerlab/sim/engine"
)

// consoleWith is a console whose engine has limits of its own.
func consoleWith(t testing.TB, lim sim.Limits, contextDir string) *docker.Console {
	t.Helper()
	lib, err := library()
	if err != nil {
		t.Fatal(err)
	}
	cfg := engine.Config{Seed: 1, Library: lib, Limits: lim, Hosts: []string{"laptop", "server"}}
	if contextDir != "" {
		cfg.Context = os.DirFS(contextDir)
	}
	return docker.NewConsole(engine.New(cfg), lim)
}

// TestSessionBytesExecLoop is the attack that took a server from 33 MB to
// 2.58 GB: thirty execs each writing 50 MB into a container. Each stops at
// the per-file limit, with its message, and the session stays under its
// bound; files just under the per-file limit stop at the session's bound.
func TestSessionBytesExecLoop(t *testing.T) {
	lim := sim.DefaultLimits()
	c := consoleWith(t, lim, "")
	ctx := context.Background()
	c.Run(ctx, "docker run -d --name b alpine sleep infinity")
	for i := range 30 {
		r := c.Run(ctx, fmt.Sprintf("docker exec b sh -c 'head -c 50000000 /dev/urandom > /f%d'", i))
		perFile := strings.Contains(r.Output, "more than one file may (the limit is 1MiB")
		session := strings.Contains(r.Output, "more room than it has (the limit is 16MiB of stored files per session")
		if r.Exit == 0 || !perFile && !session {
			t.Fatalf("exec %d: exit %d, %q; want the message of the per-file or the session limit", i, r.Exit, r.Output)
		}
		if got := c.Engine().StoredBytes(); got > lim.SessionBytes {
			t.Fatalf("after exec %d the session stores %d bytes, past its %d", i, got, lim.SessionBytes)
		}
	}
	// Files under the per-file limit stop at the session's bound.
	c.Run(ctx, "docker rm -f b")
	c.Run(ctx, "docker run -d --name b alpine sleep infinity")
	refused := 0
	for i := range 30 {
		r := c.Run(ctx, fmt.Sprintf("docker exec b sh -c 'head -c 1000000 /dev/urandom > /g%d'", i))
		if r.Exit != 0 {
			refused++
			if !strings.Contains(r.Output, "this session's files would take more room than it has") || !strings.Contains(r.Output, "16MiB of stored files per session") {
				t.Fatalf("exec %d: %q; want the session limit's message", i, r.Output)
			}
		}
		if got := c.Engine().StoredBytes(); got > lim.SessionBytes {
			t.Fatalf("after exec %d the session stores %d bytes, past its %d", i, got, lim.SessionBytes)
		}
	}
	if refused < 10 {
		t.Errorf("%d of 30 one-megabyte files refused; 16 MiB holds at most 16", refused)
	}
	// Removing the container gives the room back.
	c.Run(ctx, "docker rm -f b")
	if r := c.Run(ctx, "docker run --rm alpine sh -c 'head -c 1000000 /dev/zero > /x && echo ok'"); r.Output != "ok\n" {
		t.Errorf("after docker rm: %q, want room again", r.Output)
	}
}

// TestStorageLimits tries each storage limit in turn, with small limits:
// every one fails with a message that names it, and the session never
// stores more than its bound.
func TestStorageLimits(t *testing.T) {
	lim := sim.DefaultLimits()
	lim.FileBytes = 64 << 10
	lim.LayerEntries = 100
	lim.SessionBytes = 512 << 10
	ctxDir := t.TempDir()
	write := func(name, text string) {
		if err := os.WriteFile(filepath.Join(ctxDir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("Dockerfile.file", "FROM alpine\nRUN head -c 100000 /dev/zero > /big\n")
	write("Dockerfile.entries", "FROM alpine\nRUN mkdir /d && cd /d && i=0; while [ $i -lt 200 ]; do touch f$i; i=$((i+1)); done\n")
	var steps strings.Builder
	steps.WriteString("FROM alpine\n")
	for i := range 12 {
		fmt.Fprintf(&steps, "RUN head -c 60000 /dev/urandom > /f%d\n", i)
	}
	write("Dockerfile.session", steps.String())
	c := consoleWith(t, lim, ctxDir)
	ctx := context.Background()
	c.Run(ctx, "docker run -d --name a -v data:/data alpine sleep infinity")
	for _, tc := range []struct{ line, want string }{
		// a container's writable layer
		{"docker exec a sh -c 'head -c 100000 /dev/zero > /f'", "more than one file may (the limit is 64KiB"},
		{"docker exec a sh -c 'printf x > /s; cp /bin/busybox /s2; cat /s2 >> /s2'", "more than one file may"},
		{"docker exec a sh -c 'mkdir /d; cd /d; i=0; while [ $i -lt 200 ]; do touch f$i; i=$((i+1)); done'", "more paths than it may (the limit is 100 paths"},
		// build layers
		{"docker build -f Dockerfile.file .", "more than one file may"},
		{"docker build -f Dockerfile.entries .", "more paths than it may"},
		{"docker build -f Dockerfile.session .", "more room than it has"},
		// a volume
		{"docker exec a sh -c 'head -c 100000 /dev/zero > /data/f'", "more than one file may"},
		{"docker exec a sh -c 'for i in 1 2 3 4 5 6 7 8 9 10; do head -c 60000 /dev/zero > /data/f$i; done'", "more room than it has (the limit is 512KiB of stored files per session"},
	} {
		r := c.Run(ctx, tc.line)
		if r.Exit == 0 || !strings.Contains(r.Output, tc.want) {
			t.Errorf("%.70s: exit %d, %q; want it to fail naming %q", tc.line, r.Exit, r.Output, tc.want)
		}
		if got := c.Engine().StoredBytes(); got > lim.SessionBytes {
			t.Errorf("%.70s: the session stores %d bytes, past its %d", tc.line, got, lim.SessionBytes)
		}
	}
}

// TestSessionMemoryBound runs the hostile scripts of one session and
// checks that the process's heap grows by a bounded amount: the session's
// own bound plus what the simulator needs to run.
func TestSessionMemoryBound(t *testing.T) {
	c := consoleWith(t, sim.DefaultLimits(), "")
	ctx := context.Background()
	c.Run(ctx, "docker run -d --name b -v v:/v alpine sleep infinity")
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	for i := range 30 {
		c.Run(ctx, fmt.Sprintf("docker exec b sh -c 'head -c 50000000 /dev/urandom > /f%d'", i))
		c.Run(ctx, fmt.Sprintf("docker exec b sh -c 'head -c 900000 /dev/urandom > /v/g%d'", i))
	}
	for _, line := range []string{
		"docker exec b sh -c 'yes > /y'",
		"docker exec b sh -c 'cat /dev/zero > /z'",
		"docker exec b sh -c 'x=a; while :; do x=$x$x; done'",
		"docker exec b sh -c 'cp /bin/busybox /s; cat /s /s /s /s > /t'",
	} {
		c.Run(ctx, line)
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	const bound = 64 << 20
	grew := int64(after.HeapAlloc) - int64(before.HeapAlloc)
	t.Logf("the heap grew by %.1f MiB; the session stores %.1f MiB", float64(grew)/(1<<20), float64(c.Engine().StoredBytes())/(1<<20))
	if grew > bound {
		t.Errorf("the heap grew by %d MiB; one session may take at most %d MiB", grew>>20, bound>>20)
	}
	if got := c.Engine().StoredBytes(); got > sim.DefaultLimits().SessionBytes {
		t.Errorf("the session stores %d bytes, past its bound", got)
	}
}
