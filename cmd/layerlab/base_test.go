package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestImportRealBase writes an image as an OCI layout with layerlab build,
// turns it into a docker save tarball with skopeo (a real tool), and runs
// both as base images through --base: FROM and docker run find them, and the
// image is what was built.
func TestImportRealBase(t *testing.T) {
	skopeo, err := exec.LookPath("skopeo")
	if err != nil {
		t.Fatal("skopeo not found: run make test, which installs it")
	}
	dir := t.TempDir()
	ctxDir := filepath.Join(dir, "ctx")
	os.MkdirAll(ctxDir, 0o755)
	os.WriteFile(filepath.Join(ctxDir, "Dockerfile"), []byte("FROM alpine:3.20\nRUN echo hello > /greeting\nCMD [\"cat\", \"/greeting\"]\n"), 0o644)
	layoutDir := filepath.Join(dir, "layout")
	var out, errb bytes.Buffer
	e := env{stdin: strings.NewReader(""), stdout: &out, stderr: &errb, getenv: func(string) string { return "" }}
	if err := run(context.Background(), []string{"build", "-t", "greeter:1", "--oci-layout", layoutDir, ctxDir}, e); err != nil {
		t.Fatalf("build: %v\n%s%s", err, out.String(), errb.String())
	}
	tarball := filepath.Join(dir, "greeter.tar")
	if b, err := exec.Command(skopeo, "copy", "oci:"+layoutDir+":1", "docker-archive:"+tarball+":greeter:1").CombinedOutput(); err != nil {
		t.Fatalf("skopeo copy: %v\n%s", err, b)
	}
	script := filepath.Join(dir, "script")
	os.WriteFile(script, []byte("docker run --rm from-layout:1 cat /greeting\ndocker run --rm from-tar:1\ndocker images\n"), 0o644)
	out.Reset()
	errb.Reset()
	if err := run(context.Background(), []string{"play", "--base", "from-layout:1=" + layoutDir, "--base", "from-tar:1=" + tarball, script}, e); err != nil {
		t.Fatalf("play: %v\n%s", err, errb.String())
	}
	got := out.String()
	if strings.Count(got, "hello\n") != 2 {
		t.Fatalf("imported images did not run as built:\n%s", got)
	}
	if strings.Contains(got, "teaching copy") || !strings.Contains(got, "from-layout") {
		t.Fatalf("docker images after the runs:\n%s", got)
	}
	// A bad --base is a clear error.
	if err := run(context.Background(), []string{"play", "--base", "nope", script}, e); err == nil || !strings.Contains(err.Error(), "want NAME:TAG=PATH") {
		t.Fatalf("a malformed --base gave %v", err)
	}
}
