package docker_test

import (
	"context"
	"math/rand/v2"
	"path/filepath"
	"runtime"
	"slices"
	"testing"
	"time"

	"github.com/layerlab/layerlab/sim/docker"
	"github.com/layerlab/layerlab/sim/engine"
)

// pageturnConsole is a session that has built the Pageturn image.
func pageturnConsole(b *testing.B, seed uint64) *docker.Console {
	b.Helper()
	c := newConsole(b, seed, filepath.Join(transcripts, "pageturn.context"), nil)
	if r := c.Run(context.Background(), "docker build -q -t pageturn ."); r.Exit != 0 {
		b.Fatalf("build: %s", r.Output)
	}
	return c
}

// reportMedian adds the median of the timed runs, which the budgets in
// docs/performance.md are stated in.
func reportMedian(b *testing.B, ds []time.Duration) {
	if len(ds) == 0 {
		return
	}
	slices.Sort(ds)
	b.ReportMetric(float64(ds[len(ds)/2].Nanoseconds()), "median-ns")
}

// BenchmarkStartContainer: docker create + start of the Pageturn app (a
// server that keeps running). Budget: median under 100 µs.
func BenchmarkStartContainer(b *testing.B) {
	c := pageturnConsole(b, 1)
	eng := c.Engine()
	ctx := context.Background()
	ds := make([]time.Duration, 0, b.N)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		t0 := time.Now()
		ct, err := eng.Create(engine.ContainerOptions{Image: "pageturn"})
		if err != nil {
			b.Fatal(err)
		}
		if err := eng.Start(ctx, ct); err != nil {
			b.Fatal(err)
		}
		ds = append(ds, time.Since(t0))
		b.StopTimer()
		if err := eng.Remove(ct, true, true); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
	}
	reportMedian(b, ds)
}

// BenchmarkExecWrite: docker exec of a shell that writes a file into the
// writable layer.
func BenchmarkExecWrite(b *testing.B) {
	c := pageturnConsole(b, 1)
	eng := c.Engine()
	ctx := context.Background()
	ct, err := eng.Create(engine.ContainerOptions{Image: "pageturn"})
	if err != nil {
		b.Fatal(err)
	}
	if err := eng.Start(ctx, ct); err != nil {
		b.Fatal(err)
	}
	argv := []string{"sh", "-c", "echo note >> /app/notes.txt"}
	ds := make([]time.Duration, 0, b.N)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		t0 := time.Now()
		if _, stderr, st, err := eng.Exec(ctx, ct, argv, "", nil, ""); err != nil || st != 0 {
			b.Fatalf("exec: %d %v %s", st, err, stderr)
		}
		ds = append(ds, time.Since(t0))
		if i%1000 == 999 {
			b.StopTimer()
			eng.Exec(ctx, ct, []string{"rm", "/app/notes.txt"}, "", nil, "")
			b.StartTimer()
		}
	}
	reportMedian(b, ds)
}

// BenchmarkCommit: docker commit of a container with one changed file.
func BenchmarkCommit(b *testing.B) {
	c := pageturnConsole(b, 1)
	eng := c.Engine()
	ctx := context.Background()
	ct, err := eng.Create(engine.ContainerOptions{Image: "pageturn"})
	if err != nil {
		b.Fatal(err)
	}
	eng.Start(ctx, ct)
	eng.Exec(ctx, ct, []string{"sh", "-c", "echo note > /app/notes.txt"}, "", nil, "")
	ds := make([]time.Duration, 0, b.N)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		t0 := time.Now()
		if _, err := eng.Commit(ct, "snap", "", "", nil); err != nil {
			b.Fatal(err)
		}
		ds = append(ds, time.Since(t0))
	}
	reportMedian(b, ds)
}

// BenchmarkReplay200: replaying a 200-command session into a fresh console,
// as undo and resuming do. Budget: under 100 ms.
func BenchmarkReplay200(b *testing.B) {
	lines := append([]string{"docker build -q -t pageturn ."}, randomSession(rand.New(rand.NewPCG(42, 7)), 199)...)
	ctx := context.Background()
	ds := make([]time.Duration, 0, b.N)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		t0 := time.Now()
		c := newConsole(b, 42, filepath.Join(transcripts, "pageturn.context"), nil)
		docker.Replay(ctx, c, lines)
		ds = append(ds, time.Since(t0))
	}
	reportMedian(b, ds)
}

// BenchmarkSessionMemory: heap kept by 1,000 sessions, each of which built
// the Pageturn image and runs it. Base layers and union views are shared
// through the Library. Budget: under 512 KB a session.
func BenchmarkSessionMemory(b *testing.B) {
	const sessions = 1000
	ctx := context.Background()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		runtime.GC()
		var before runtime.MemStats
		runtime.ReadMemStats(&before)
		b.StartTimer()
		all := make([]*docker.Console, 0, sessions)
		for s := 0; s < sessions; s++ {
			c := pageturnConsole(b, uint64(s))
			if r := c.Run(ctx, "docker run -d --name web pageturn"); r.Exit != 0 {
				b.Fatalf("run: %s", r.Output)
			}
			all = append(all, c)
		}
		b.StopTimer()
		runtime.GC()
		var after runtime.MemStats
		runtime.ReadMemStats(&after)
		b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/sessions, "heap-B/session")
		runtime.KeepAlive(all)
		b.StartTimer()
	}
}
