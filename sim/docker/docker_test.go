package docker_test

import (
	"bytes"
	"context"
	"flag"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"layerlab/sim"
	"layerlab/sim/base"
	"layerlab/sim/docker"
	"layerlab/sim/engine"
	"layerlab/sim/pkg"
)

var update = flag.Bool("update", false, "rewrite the expected transcripts in cmd/layerlab/testdata/play")

// transcripts is where `layerlab play` scripts and their expected output
// live; the binary's own test runs them too.
const transcripts = "../../cmd/layerlab/testdata/play"

var library = sync.OnceValues(func() (*engine.Library, error) {
	bases, err := base.Load()
	if err != nil {
		return nil, err
	}
	pkgs, err := pkg.Load()
	if err != nil {
		return nil, err
	}
	return engine.NewLibrary(bases, pkgs)
})

// newConsole starts a session as `layerlab play` does.
func newConsole(t testing.TB, seed uint64, contextDir string, emit sim.Emit) *docker.Console {
	t.Helper()
	lib, err := library()
	if err != nil {
		t.Fatal(err)
	}
	cfg := engine.Config{Seed: seed, Library: lib, Limits: sim.DefaultLimits(), Emit: emit, Hosts: []string{"laptop", "server"}}
	if contextDir != "" {
		cfg.Context = os.DirFS(contextDir)
	}
	return docker.NewConsole(engine.New(cfg), cfg.Limits)
}

// TestTranscripts plays every script in cmd/layerlab/testdata/play and
// compares the output with its .out file (-update rewrites them).
func TestTranscripts(t *testing.T) {
	scripts, err := filepath.Glob(filepath.Join(transcripts, "*.play"))
	if err != nil || len(scripts) == 0 {
		t.Fatalf("no transcripts in %s: %v", transcripts, err)
	}
	for _, script := range scripts {
		name := strings.TrimSuffix(filepath.Base(script), ".play")
		t.Run(name, func(t *testing.T) {
			// NAME.context, when present, is the build context, as for
			// `layerlab play --context`.
			dir := strings.TrimSuffix(script, ".play") + ".context"
			if info, err := os.Stat(dir); err != nil || !info.IsDir() {
				dir = ""
			}
			in, err := os.ReadFile(script)
			if err != nil {
				t.Fatal(err)
			}
			c := newConsole(t, 1, dir, nil)
			var out bytes.Buffer
			if err := docker.Play(context.Background(), c, bytes.NewReader(in), &out); err != nil {
				t.Fatal(err)
			}
			golden := strings.TrimSuffix(script, ".play") + ".out"
			if *update {
				if err := os.WriteFile(golden, out.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			if got := out.String(); got != string(want) {
				t.Errorf("%s differs from %s:\n%s", script, golden, lineDiff(string(want), got))
			}
		})
	}
}

// lineDiff shows the first differing lines.
func lineDiff(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	var b strings.Builder
	shown := 0
	for i := 0; i < len(w) || i < len(g); i++ {
		var wl, gl string
		if i < len(w) {
			wl = w[i]
		}
		if i < len(g) {
			gl = g[i]
		}
		if wl != gl {
			b.WriteString("line " + strconv.Itoa(i+1) + ":\n  want: " + wl + "\n  got:  " + gl + "\n")
			if shown++; shown == 8 {
				break
			}
		}
	}
	return b.String()
}
