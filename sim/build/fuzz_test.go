package build_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"testing/fstest"

	"github.com/layerlab/layerlab/sim/build"
)

// FuzzBuild feeds random Dockerfiles and a one-file context to the builder:
// it must never panic, and must return either an image that passes the
// invariant checker or a *build.Error with a display. It is seeded with
// every golden case. That a build ends is the shell's step and work budget's
// promise, tested in sim/shell by counting work, never by the clock.
func FuzzBuild(f *testing.F) {
	lib := testLibrary(f)
	warmCatalogs(f, lib)
	dirs, _ := filepath.Glob("testdata/build/*/Dockerfile*")
	for _, d := range dirs {
		src, err := os.ReadFile(d)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(string(src), "hello\n")
	}
	f.Add("FROM scratch\nCOPY a.txt /\n", "x")
	f.Fuzz(func(t *testing.T, src, file string) {
		h := newHost(lib)
		ctx := fstest.MapFS{"a.txt": {Mode: 0o644, Data: []byte(file)}, "dir/b.txt": {Mode: 0o644, Data: []byte(file)}}
		res, err := h.build(context.Background(), build.Options{Source: []byte(src), Context: ctx})
		if err != nil {
			var be *build.Error
			if !errors.As(err, &be) || res == nil || res.Output == "" || res.Image != nil {
				t.Fatalf("err %v (%T): want a *build.Error with a display and no image", err, err)
			}
			return
		}
		if err := h.check.Image(res.Image); err != nil {
			t.Fatalf("invalid image: %v\n%s", err, src)
		}
	})
}
