package engine

import (
	"bytes"
	"context"
	"io/fs"
	"testing"

	dockerspec "github.com/moby/docker-image-spec/specs-go/v1"

	"github.com/layerlab/layerlab/sim/image"
	"github.com/layerlab/layerlab/sim/layer"
)

// TestImportedBasesCostNoRoom: a real image an operator imports with --base
// is the library's, like the teaching copies: a session that pulls it, even
// one larger than the session's whole room, can still write.
func TestImportedBasesCostNoRoom(t *testing.T) {
	e := newTestEngine(t)
	room := e.limits.SessionBytes
	big, err := layer.New([]layer.Entry{
		{Path: "bin", Type: layer.TypeDir, Mode: 0o755},
		{Path: "bin/cat", Type: layer.TypeSymlink, Mode: 0o777, Linkname: "busybox"},
		{Path: "bin/sh", Type: layer.TypeSymlink, Mode: 0o777, Linkname: "busybox"},
		{Path: "bin/busybox", Type: layer.TypeReg, Mode: 0o755, Size: room + 1, Data: bytes.Repeat([]byte{1}, int(room+1))},
		{Path: "tmp", Type: layer.TypeDir, Mode: 0o777 | fs.ModeSticky},
	})
	if err != nil {
		t.Fatal(err)
	}
	var cfg dockerspec.DockerOCIImage
	cfg.OS, cfg.Architecture = "linux", "amd64"
	cfg.Config.Cmd = []string{"sh"}
	img, err := image.New([]*layer.Layer{big}, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.lib.Import("big:1", img); err != nil {
		t.Fatal(err)
	}
	if err := e.Preload("big:1"); err != nil {
		t.Fatal(err)
	}
	e.refreshBudget()
	if n := e.StoredBytes(); n != 0 {
		t.Fatalf("the imported base costs the session %d bytes, want 0", n)
	}
	c := run(t, e, ContainerOptions{Image: "big:1", Cmd: []string{"sleep", "infinity"}})
	out, _, status, err := e.Exec(context.Background(), c, []string{"sh", "-c", "echo written > /tmp/note && cat /tmp/note"}, "", nil, "")
	if err != nil || status != 0 || out != "written\n" {
		t.Fatalf("writing beside a large imported base: %q, status %d, %v", out, status, err)
	}
}
