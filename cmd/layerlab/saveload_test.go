package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/layerlab/layerlab/sim"
	"github.com/layerlab/layerlab/sim/docker"
	"github.com/layerlab/layerlab/sim/engine"
)

// TestSavedTarImportsAsBase: docker save -o in the console writes a real
// docker save tar; written to disk, layerlab play --base imports it and the
// image runs, with the ID it had.
func TestSavedTarImportsAsBase(t *testing.T) {
	lib, err := loadLibrary()
	if err != nil {
		t.Fatal(err)
	}
	console := docker.NewConsole(engine.New(engine.Config{Seed: 1, Library: lib}), sim.DefaultLimits())
	ctx := context.Background()
	for _, line := range []string{"docker pull -q alpine:3.20", "docker run --name w alpine:3.20 sh -c 'echo saved > /note'",
		"docker commit w learner/note:1", "docker save -o note.tar learner/note:1"} {
		if r := console.Run(ctx, line); r.Exit != 0 {
			t.Fatalf("%s: %s", line, r.Output)
		}
	}
	id := strings.TrimSpace(console.Run(ctx, "docker images -q --no-trunc learner/note:1").Output)
	data, err := console.LocalFile("note.tar")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "note.tar")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	if dst := os.Getenv("LAYERLAB_SAVE_TAR"); dst != "" {
		os.WriteFile(dst, data, 0o644) // for checking by hand with a real docker load
	}
	script := strings.NewReader("docker run --rm learner/note:1 cat /note\ndocker images -q --no-trunc learner/note:1\n")
	var out, errb bytes.Buffer
	err = run(ctx, []string{"play", "--base", "learner/note:1=" + path}, env{stdin: script, stdout: &out, stderr: &errb, getenv: func(string) string { return "" }})
	if err != nil {
		t.Fatalf("play --base: %v\n%s", err, errb.String())
	}
	if !strings.Contains(out.String(), "saved\n") || !strings.Contains(out.String(), id) {
		t.Errorf("the imported image did not run as saved (ID %s):\n%s", id, out.String())
	}
}
