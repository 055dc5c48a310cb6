package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/layerlab/layerlab/sim"
	"github.com/layerlab/layerlab/sim/engine"
	"github.com/layerlab/layerlab/sim/image"
	"github.com/layerlab/layerlab/sim/image/validate"
	"github.com/layerlab/layerlab/sim/layer"
	"github.com/layerlab/layerlab/sim/union"
)

// TestBuildExportsRealImage builds with `layerlab build --oci-layout`, then
// lets real tools read the layout: skopeo must report the manifest digest
// and layers the simulator computed, and umoci must unpack a root
// filesystem equal to the simulator's merged view of the image, whiteouts
// and opaque directories applied. Both tools are required (make test-tools
// installs them); a missing one fails the test.
func TestBuildExportsRealImage(t *testing.T) {
	for _, tool := range []string{"skopeo", "umoci"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s is required for this test (make test-tools installs it): %v", tool, err)
		}
	}
	for _, c := range []struct {
		name       string
		dockerfile string
		files      map[string]string
		gone, kept []string // paths the unpacked tree must not hold, and must
	}{
		// the Pageturn steps on a small base
		{"pageturn", `FROM alpine:3.20
WORKDIR /app
COPY requirements.txt .
RUN apk add --no-cache curl
COPY . .
RUN adduser -D -u 1000 app && chown -R app /app
USER app
EXPOSE 8000
CMD ["python3", "app.py"]
`, map[string]string{"requirements.txt": "flask==3.0.3\n", "app.py": "print('pageturn')\n", "static/style.css": "body{}\n"},
			nil, []string{"app/app.py", "app/static/style.css", "usr/bin/curl"}},
		// deletions in later layers: whiteouts, and an opaque directory
		{"whiteouts", `FROM busybox:1.36
RUN mkdir -p /data/old /data/keep && echo a > /data/old/a && echo k > /data/keep/k && ln -s /data/keep/k /data/link
RUN rm -rf /data/old /etc/hostname /data/link
RUN rm -rf /data/keep && mkdir /data/keep && echo new > /data/keep/n
`, nil, []string{"data/old", "etc/hostname", "data/link", "data/keep/k"}, []string{"data/keep/n", "etc/passwd"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			ctxDir := filepath.Join(dir, "context")
			files := map[string]string{"Dockerfile": c.dockerfile}
			for k, v := range c.files {
				files[k] = v
			}
			for name, data := range files {
				p := filepath.Join(ctxDir, filepath.FromSlash(name))
				if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			layoutDir := filepath.Join(dir, "layout")
			var out, errb bytes.Buffer
			e := env{stdin: strings.NewReader(""), stdout: &out, stderr: &errb, getenv: func(string) string { return "" }}
			if err := run(context.Background(), []string{"build", "-t", c.name + ":v1", "--oci-layout", layoutDir, ctxDir}, e); err != nil {
				t.Fatalf("build: %v\n%s%s", err, out.String(), errb.String())
			}
			img := simulatedImage(t, ctxDir, c.name+":v1")
			if err := validate.Image(img); err != nil {
				t.Fatal(err)
			}

			// skopeo reads the layout the way a registry client would.
			raw, err := exec.Command("skopeo", "inspect", "oci:"+layoutDir+":v1").CombinedOutput()
			if err != nil {
				t.Fatalf("skopeo inspect: %v\n%s", err, raw)
			}
			var info struct {
				Digest string
				Layers []string
				Env    []string
			}
			if err := json.Unmarshal(raw, &info); err != nil {
				t.Fatalf("skopeo output: %v\n%s", err, raw)
			}
			if info.Digest != img.ManifestDigest().String() {
				t.Errorf("skopeo digest %s, simulator %s", info.Digest, img.ManifestDigest())
			}
			if len(info.Layers) != len(img.Layers()) {
				t.Fatalf("skopeo sees %d layers, simulator %d", len(info.Layers), len(img.Layers()))
			}
			for i, l := range img.Layers() {
				if info.Layers[i] != l.DiffID().String() {
					t.Errorf("layer %d: skopeo %s, simulator %s", i, info.Layers[i], l.DiffID())
				}
			}

			// umoci applies the layers, whiteouts included, onto a directory.
			bundle := filepath.Join(dir, "bundle")
			if raw, err := exec.Command("umoci", "unpack", "--rootless", "--image", layoutDir+":v1", bundle).CombinedOutput(); err != nil {
				t.Fatalf("umoci unpack: %v\n%s", err, raw)
			}
			rootfs := filepath.Join(bundle, "rootfs")
			compareRootfs(t, union.New(img.Layers()...), rootfs)
			for _, p := range c.gone {
				if _, err := os.Lstat(filepath.Join(rootfs, p)); err == nil {
					t.Errorf("%s survived its deletion", p)
				}
			}
			for _, p := range c.kept {
				if _, err := os.Lstat(filepath.Join(rootfs, p)); err != nil {
					t.Errorf("%s: %v", p, err)
				}
			}
		})
	}
}

// simulatedImage builds the same context in-process, as the CLI does.
func simulatedImage(t *testing.T, ctxDir, tag string) *image.Image {
	t.Helper()
	lib, err := loadLibrary()
	if err != nil {
		t.Fatal(err)
	}
	eng := engine.New(engine.Config{Seed: 1, Library: lib, Context: os.DirFS(ctxDir), Limits: sim.DefaultLimits()})
	res, err := eng.Build(context.Background(), engine.BuildOptions{Dockerfile: "Dockerfile", Tags: []string{tag}})
	if err != nil {
		t.Fatal(err)
	}
	return res.Image
}

// compareRootfs checks that the unpacked tree holds exactly the merged
// view's paths, with the same types, permissions, sizes, link targets and
// contents. Owners are not compared: a rootless unpack owns everything
// itself.
func compareRootfs(t *testing.T, view *union.FS, rootfs string) {
	t.Helper()
	want := map[string]union.Node{}
	if err := view.Walk(func(n union.Node) error {
		if n.Path != "" {
			want[n.Path] = n
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	got := map[string]bool{}
	err := filepath.WalkDir(rootfs, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(rootfs, p)
		rel = filepath.ToSlash(rel)
		if rel == "." {
			return nil
		}
		got[rel] = true
		n, ok := want[rel]
		if !ok {
			t.Errorf("%s: unpacked but not in the merged view", rel)
			return nil
		}
		info, err := os.Lstat(p)
		if err != nil {
			return err
		}
		switch {
		case n.Type == layer.TypeDir:
			if !info.IsDir() {
				t.Errorf("%s: want a directory, got %v", rel, info.Mode())
			}
		case n.Type == layer.TypeSymlink:
			target, err := os.Readlink(p)
			if err != nil || target != n.Linkname {
				t.Errorf("%s: link to %q (%v), want %q", rel, target, err, n.Linkname)
			}
		default:
			if !info.Mode().IsRegular() || info.Size() != n.Size {
				t.Errorf("%s: %v %d bytes, want a file of %d", rel, info.Mode(), info.Size(), n.Size)
				return nil
			}
			data, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			stored := append(bytes.Clone(n.Data), make([]byte, n.Size-int64(len(n.Data)))...)
			if !bytes.Equal(data, stored) {
				t.Errorf("%s: content differs", rel)
			}
		}
		// A rootless unpack gives the owner write access to what it
		// extracts; the group and other bits must be the image's.
		if n.Type != layer.TypeSymlink && info.Mode().Perm()&0o077 != n.Mode.Perm()&0o077 {
			t.Errorf("%s: mode %v, want %v", rel, info.Mode().Perm(), n.Mode.Perm())
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for p := range want {
		if !got[p] {
			t.Errorf("%s: in the merged view but not unpacked", p)
		}
	}
	if len(want) < 20 {
		t.Fatalf("only %d paths compared", len(want))
	}
	t.Logf("%d paths equal in the unpacked tree and the merged view", len(want))
}

// TestBuildCopiesSymlinks builds from a directory holding symlinks, one
// relative and sorted before its target, one absolute: COPY copies each
// link itself, as BuildKit does, owned as COPY says, and follows none.
func TestBuildCopiesSymlinks(t *testing.T) {
	ctxDir := t.TempDir()
	for name, data := range map[string]string{
		"Dockerfile": "FROM alpine:3.20\nCOPY . /app/\nCOPY --chown=1000:1000 . /owned/\nRUN cat /app/a-link\n",
		"z-real.txt": "real\n",
	} {
		if err := os.WriteFile(filepath.Join(ctxDir, name), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for link, target := range map[string]string{"a-link": "z-real.txt", "abs": "/etc/passwd"} {
		if err := os.Symlink(target, filepath.Join(ctxDir, link)); err != nil {
			t.Fatal(err)
		}
	}
	var out, errb bytes.Buffer
	e := env{stdin: strings.NewReader(""), stdout: &out, stderr: &errb, getenv: func(string) string { return "" }}
	if err := run(context.Background(), []string{"build", "-t", "links:v1", ctxDir}, e); err != nil {
		t.Fatalf("build: %v\n%s%s", err, out.String(), errb.String())
	}
	view := union.New(simulatedImage(t, ctxDir, "links:v1").Layers()...)
	for _, tc := range []struct {
		path, link string
		uid        int
	}{
		{"app/a-link", "z-real.txt", 0},
		{"app/abs", "/etc/passwd", 0},
		{"owned/a-link", "z-real.txt", 1000},
		{"owned/abs", "/etc/passwd", 1000},
		{"etc/passwd", "", 0},
	} {
		n, ok := view.Lookup(tc.path)
		switch {
		case !ok:
			t.Errorf("%s: missing", tc.path)
		case tc.link != "" && (n.Type != layer.TypeSymlink || n.Linkname != tc.link):
			t.Errorf("%s: %v -> %q, want a link to %q", tc.path, n.Type, n.Linkname, tc.link)
		case n.UID != tc.uid:
			t.Errorf("%s: owned by %d, want %d", tc.path, n.UID, tc.uid)
		}
	}
}
