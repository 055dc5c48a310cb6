package build_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/layerlab/layerlab/sim"
	"github.com/layerlab/layerlab/sim/build"
)

// A context the size of Docker's getting-started app (about 4.6 MB in a
// few hundred files) builds; one past either limit fails with a message
// that names the limit, and builds nothing.
func TestContextLimits(t *testing.T) {
	lim := sim.DefaultLimits()
	app := func(files int, each int) fstest.MapFS {
		m := fstest.MapFS{"Dockerfile": {Data: []byte("FROM node:18-alpine\nWORKDIR /app\nCOPY . .\nCMD [\"node\", \"src/index.js\"]\n"), Mode: 0o644}}
		for i := 0; len(m) < files; i++ {
			m[fmt.Sprintf("src/static/part%03d/file%03d.js", i/50, i)] = &fstest.MapFile{Data: []byte(strings.Repeat("x", each)), Mode: 0o644}
		}
		return m
	}
	for _, tc := range []struct {
		name string
		ctx  fstest.MapFS
		want string // "" builds
	}{
		{"getting-started sized", app(300, 15_500), ""},
		{"too many files", app(lim.ContextFiles+1, 10), "too many files in the build context (the limit is 1000 in this simulator)"},
		{"too many bytes", app(600, 15_000), "the build context is too large (the limit is 8 MiB in this simulator)"},
	} {
		h := newHost(testLibrary(t))
		src, _ := tc.ctx["Dockerfile"]
		res, err := h.build(context.Background(), build.Options{Context: tc.ctx, Source: src.Data, Tags: []string{"app"}})
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%s: %v", tc.name, err)
		case tc.want == "" && len(res.Image.Layers()) != 6: // node:18-alpine's 4, WORKDIR, COPY
			t.Errorf("%s: %d layers", tc.name, len(res.Image.Layers()))
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
			t.Errorf("%s: error %v, want %q", tc.name, err, tc.want)
		case tc.want != "" && res != nil && res.Image != nil:
			t.Errorf("%s: a failed build made an image", tc.name)
		}
	}
}
