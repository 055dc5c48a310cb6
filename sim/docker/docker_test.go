package docker_test

import (
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/layerlab/layerlab/sim"
	"github.com/layerlab/layerlab/sim/base"
	"github.com/layerlab/layerlab/sim/docker"
	"github.com/layerlab/layerlab/sim/engine"
	"github.com/layerlab/layerlab/sim/pkg"
)

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
