package base

import (
	"io/fs"
	"slices"
	"strings"
	"testing"

	"github.com/layerlab/layerlab/sim/layer"
	"github.com/layerlab/layerlab/sim/union"
)

func load(t testing.TB) *Catalog {
	t.Helper()
	c, err := Load()
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	return c
}

func mustLookup(t testing.TB, c *Catalog, ref string) *Image {
	t.Helper()
	img, ok := c.Lookup(ref)
	if !ok {
		t.Fatalf("Lookup(%q): not found", ref)
	}
	return img
}

// A change to the data or to the layer serialization changes these; update
// them deliberately, never to make a failing test pass unread.
func TestPinnedImageIDs(t *testing.T) {
	c := load(t)
	for _, tc := range []struct{ ref, id string }{
		{"python:3.12", "sha256:86571f549076dba6b8dcee686259148373ac91257ee20a3707eb0b2d34cfefe8"},
		{"alpine:3.20", "sha256:be7cb5b892bfb9b7f2b17d2260c4ce83ac69899adebbd2c42d021ee0548baa20"},
	} {
		if got := mustLookup(t, c, tc.ref).ID().String(); got != tc.id {
			t.Errorf("%s: image ID %s, pinned %s", tc.ref, got, tc.id)
		}
	}
}

func TestDeterministic(t *testing.T) {
	a, b := load(t), load(t)
	if len(a.Images()) != len(b.Images()) {
		t.Fatalf("image counts differ: %d vs %d", len(a.Images()), len(b.Images()))
	}
	for i, img := range a.Images() {
		other := b.Images()[i]
		if img.Ref != other.Ref || img.ID() != other.ID() {
			t.Errorf("%s: %s vs %s %s", img.Ref, img.ID(), other.Ref, other.ID())
		}
	}
}

func TestImages(t *testing.T) {
	c := load(t)
	for _, tc := range []struct {
		ref        string
		layers     int
		size, tol  float64 // docker images SIZE in bytes and the tolerance
		entrypoint []string
		cmd        []string
		env        []string // must be present
		workdir    string
		ports      []string
		stop       string
	}{
		// distributions
		{ref: "scratch"},
		{ref: "busybox:1.36", layers: 1, size: 4.26e6, tol: 0.01e6, cmd: []string{"sh"}},
		{ref: "alpine:3.20", layers: 1, size: 7.8e6, tol: 0.05e6, cmd: []string{"/bin/sh"}},
		{ref: "alpine:3.19", layers: 1, size: 7.38e6, tol: 0.05e6, cmd: []string{"/bin/sh"}},
		{ref: "debian:bookworm", layers: 1, size: 117e6, tol: 1e6, cmd: []string{"bash"}},
		{ref: "debian:bookworm-slim", layers: 1, size: 74.8e6, tol: 0.5e6, cmd: []string{"bash"}},
		{ref: "ubuntu:24.04", layers: 1, size: 78.1e6, tol: 0.5e6, cmd: []string{"/bin/bash"}},
		{ref: "ubuntu:22.04", layers: 1, size: 77.9e6, tol: 0.5e6, cmd: []string{"/bin/bash"}},
		// language runtimes
		{ref: "python:3.12", layers: 7, size: 1.02e9, tol: 0.005e9, cmd: []string{"python3"},
			env: []string{"PATH=/usr/local/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "LANG=C.UTF-8", "GPG_KEY=7169605F62C751356D054A26A821E680E5FA6305", "PYTHON_VERSION=3.12.6"}},
		{ref: "python:3.11", layers: 7, size: 1.01e9, tol: 0.005e9, cmd: []string{"python3"}, env: []string{"PYTHON_VERSION=3.11.10"}},
		{ref: "python:3.12-slim", layers: 4, size: 130e6, tol: 1e6, cmd: []string{"python3"}, env: []string{"PYTHON_VERSION=3.12.6"}},
		{ref: "python:3.12-alpine", layers: 4, size: 57e6, tol: 1e6, cmd: []string{"python3"}, env: []string{"LANG=C.UTF-8"}},
		{ref: "node:20", layers: 8, size: 1.1e9, tol: 0.005e9, entrypoint: []string{"docker-entrypoint.sh"}, cmd: []string{"node"}, env: []string{"NODE_VERSION=20.17.0", "YARN_VERSION=1.22.22"}},
		{ref: "node:22", layers: 8, size: 1.12e9, tol: 0.005e9, entrypoint: []string{"docker-entrypoint.sh"}, cmd: []string{"node"}},
		{ref: "node:20-alpine", layers: 4, size: 133e6, tol: 1e6, entrypoint: []string{"docker-entrypoint.sh"}, cmd: []string{"node"}},
		{ref: "golang:1.23", layers: 7, size: 814e6, tol: 5e6, cmd: []string{"bash"}, workdir: "/go",
			env: []string{"GOLANG_VERSION=1.23.1", "GOTOOLCHAIN=local", "GOPATH=/go", "PATH=/go/bin:/usr/local/go/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"}},
		{ref: "golang:1.22", layers: 7, size: 788e6, tol: 5e6, cmd: []string{"bash"}, workdir: "/go", env: []string{"GOLANG_VERSION=1.22.7"}},
		// servers
		{ref: "nginx:1.27", layers: 7, size: 188e6, tol: 1e6, entrypoint: []string{"/docker-entrypoint.sh"}, cmd: []string{"nginx", "-g", "daemon off;"},
			env: []string{"NGINX_VERSION=1.27.1"}, ports: []string{"80/tcp"}, stop: "SIGQUIT"},
		{ref: "nginx:alpine", layers: 8, size: 47e6, tol: 0.5e6, entrypoint: []string{"/docker-entrypoint.sh"}, cmd: []string{"nginx", "-g", "daemon off;"}, ports: []string{"80/tcp"}, stop: "SIGQUIT"},
	} {
		t.Run(tc.ref, func(t *testing.T) {
			img := mustLookup(t, c, tc.ref)
			cfg := img.Config
			if len(img.Layers) != tc.layers {
				t.Errorf("%d layers, want %d", len(img.Layers), tc.layers)
			}
			if d := float64(img.RealSize) - tc.size; d > tc.tol || d < -tc.tol {
				t.Errorf("RealSize %d, want %.0f ± %.0f", img.RealSize, tc.size, tc.tol)
			}
			var sum int64
			for i, l := range img.Layers {
				sum += l.Size()
				if cfg.RootFS.DiffIDs[i] != l.DiffID() {
					t.Errorf("rootfs diff_ids[%d] = %s, layer has %s", i, cfg.RootFS.DiffIDs[i], l.DiffID())
				}
			}
			if sum != img.RealSize {
				t.Errorf("layers add up to %d, RealSize %d", sum, img.RealSize)
			}
			if tc.ref == "scratch" {
				if cfg.OS != "" || len(cfg.History) != 0 || len(cfg.Config.Env) != 0 {
					t.Errorf("scratch config is not empty: %+v", cfg)
				}
				return
			}
			if cfg.Architecture != "amd64" || cfg.OS != "linux" || cfg.RootFS.Type != "layers" || cfg.Created == nil {
				t.Errorf("platform/rootfs/created wrong: %s/%s %q %v", cfg.OS, cfg.Architecture, cfg.RootFS.Type, cfg.Created)
			}
			withLayer := 0
			for _, h := range cfg.History {
				if !h.EmptyLayer {
					withLayer++
				}
				if h.Created == nil || h.CreatedBy == "" {
					t.Errorf("history entry without time or created_by: %+v", h)
				}
			}
			if withLayer != len(img.Layers) {
				t.Errorf("%d history entries with a layer, %d layers", withLayer, len(img.Layers))
			}
			if !slices.Equal(cfg.Config.Entrypoint, tc.entrypoint) {
				t.Errorf("Entrypoint %q, want %q", cfg.Config.Entrypoint, tc.entrypoint)
			}
			if !slices.Equal(cfg.Config.Cmd, tc.cmd) {
				t.Errorf("Cmd %q, want %q", cfg.Config.Cmd, tc.cmd)
			}
			for _, e := range tc.env {
				if !slices.Contains(cfg.Config.Env, e) {
					t.Errorf("Env %q lacks %q", cfg.Config.Env, e)
				}
			}
			if cfg.Config.WorkingDir != tc.workdir {
				t.Errorf("WorkingDir %q, want %q", cfg.Config.WorkingDir, tc.workdir)
			}
			for _, p := range tc.ports {
				if _, ok := cfg.Config.ExposedPorts[p]; !ok {
					t.Errorf("ExposedPorts %v lacks %s", cfg.Config.ExposedPorts, p)
				}
			}
			if cfg.Config.StopSignal != tc.stop {
				t.Errorf("StopSignal %q, want %q", cfg.Config.StopSignal, tc.stop)
			}
		})
	}
}

func TestHistoryStyles(t *testing.T) {
	c := load(t)
	for _, tc := range []struct {
		ref     string
		index   int
		prefix  string
		comment string
	}{
		// debuerreotype's single entry, BuildKit's RUN, classic builder's ADD
		{"debian:bookworm", 0, "# debian.sh --arch 'amd64' out/ 'bookworm'", "debuerreotype 0.15"},
		{"python:3.12", 1, "RUN /bin/sh -c set -eux; \tapt-get update;", "buildkit.dockerfile.v0"},
		{"python:3.12", -1, `CMD ["python3"]`, "buildkit.dockerfile.v0"},
		{"nginx:1.27", -1, `CMD ["nginx" "-g" "daemon off;"]`, "buildkit.dockerfile.v0"},
		{"nginx:1.27", -3, "EXPOSE map[80/tcp:{}]", "buildkit.dockerfile.v0"},
		{"ubuntu:24.04", 0, "/bin/sh -c #(nop)  ARG RELEASE", ""},
		{"ubuntu:24.04", 4, "/bin/sh -c #(nop) ADD file:", ""},
		{"busybox:1.36", 0, "BusyBox 1.36.1 (glibc), Debian 12", ""},
		{"golang:1.23", -1, "WORKDIR /go", "buildkit.dockerfile.v0"},
	} {
		img := mustLookup(t, c, tc.ref)
		h := img.Config.History
		i := tc.index
		if i < 0 {
			i += len(h)
		}
		if i < 0 || i >= len(h) {
			t.Errorf("%s: no history entry %d", tc.ref, tc.index)
			continue
		}
		if !strings.HasPrefix(h[i].CreatedBy, tc.prefix) || h[i].Comment != tc.comment {
			t.Errorf("%s history[%d] = %q (%q), want prefix %q (%q)", tc.ref, i, h[i].CreatedBy, h[i].Comment, tc.prefix, tc.comment)
		}
	}
	// the classic ADD names the tarball by the layer's own digest
	ub := mustLookup(t, c, "ubuntu:24.04")
	if want := "ADD file:" + ub.Layers[0].DiffID().Encoded() + " in / "; !strings.HasSuffix(ub.Config.History[4].CreatedBy, want) {
		t.Errorf("ubuntu ADD entry %q does not end with %q", ub.Config.History[4].CreatedBy, want)
	}
}

func TestLookup(t *testing.T) {
	c := load(t)
	py := mustLookup(t, c, "python:3.12")
	for _, tc := range []struct {
		ref  string
		want string // "" means not found
	}{
		// tags and defaults
		{"python", "python:3.12"},
		{"python:latest", "python:3.12"},
		{"library/python:3.12", "python:3.12"},
		{"python:3.12-bookworm", "python:3.12"},
		{"python:3.12.6", "python:3.12"},
		{"  alpine ", "alpine:3.20"},
		{"node:lts", "node:20"},
		{"nginx", "nginx:1.27"},
		{"scratch", "scratch"},
		// digests name an image by its ID; the tag is ignored
		{"python@" + py.ID().String(), "python:3.12"},
		{"python:whatever@" + py.ID().String(), "python:3.12"},
		{"alpine@" + py.ID().String(), ""},
		{"python@sha256:1234", ""},
		{"python@md5:1234", ""},
		// what Docker would not accept or cannot find
		{"Python:3.12", ""},
		{"", ""},
		{"python:9.9", ""},
		{"nosuchimage", ""},
		{"python:", ""},
	} {
		img, ok := c.Lookup(tc.ref)
		switch {
		case tc.want == "" && ok:
			t.Errorf("Lookup(%q) = %s, want not found", tc.ref, img.Ref)
		case tc.want != "" && !ok:
			t.Errorf("Lookup(%q): not found, want %s", tc.ref, tc.want)
		case ok && img.Ref != tc.want:
			t.Errorf("Lookup(%q) = %s, want %s", tc.ref, img.Ref, tc.want)
		}
	}
	refs := []string{}
	for _, img := range c.Images() {
		refs = append(refs, img.Ref)
	}
	if !slices.IsSorted(refs) {
		t.Errorf("Images not sorted by Ref: %v", refs)
	}
}

func TestSharedLayers(t *testing.T) {
	c := load(t)
	py, node, golang := mustLookup(t, c, "python:3.12"), mustLookup(t, c, "node:20"), mustLookup(t, c, "golang:1.23")
	// python and node both start FROM buildpack-deps:bookworm: four layers in common
	for i := 0; i < 4; i++ {
		if py.Layers[i] != node.Layers[i] {
			t.Errorf("layer %d of python:3.12 and node:20 is not shared", i)
		}
	}
	if py.Layers[4].DiffID() == node.Layers[4].DiffID() {
		t.Errorf("layer 4 of python:3.12 and node:20 should differ")
	}
	// golang starts from bookworm-scm: three in common
	if golang.Layers[2] != py.Layers[2] || golang.Layers[3].DiffID() == py.Layers[3].DiffID() {
		t.Errorf("golang:1.23 should share exactly the first three layers with python:3.12")
	}
	// the WORKDIR layer is the empty layer every builder produces
	if last := golang.Layers[len(golang.Layers)-1]; len(last.Entries()) != 0 || last.Size() != 0 {
		t.Errorf("golang WORKDIR layer has %d entries, %d bytes", len(last.Entries()), last.Size())
	}
}

func TestTrees(t *testing.T) {
	c := load(t)
	type want struct {
		path string
		exec bool // a regular file with an execute bit (after following links)
		gone bool // must not exist
	}
	for _, tc := range []struct {
		ref   string
		paths []want
	}{
		// the shell and the package manager each distribution really has
		{"debian:bookworm", []want{{path: "bin/sh", exec: true}, {path: "usr/bin/bash", exec: true}, {path: "usr/bin/apt-get", exec: true}, {path: "usr/bin/dpkg", exec: true}, {path: "usr/bin/ls", exec: true}, {path: "usr/bin/ps", gone: true}, {path: "sbin/apk", gone: true}, {path: "var/lib/dpkg/status"}, {path: "etc/os-release"}}},
		{"debian:bookworm-slim", []want{{path: "usr/bin/apt-get", exec: true}, {path: "usr/share/doc/bash/changelog.Debian.gz", gone: true}}},
		{"ubuntu:24.04", []want{{path: "bin/bash", exec: true}, {path: "usr/bin/apt", exec: true}, {path: "home/ubuntu"}}},
		{"alpine:3.20", []want{{path: "bin/sh", exec: true}, {path: "bin/ls", exec: true}, {path: "sbin/apk", exec: true}, {path: "usr/bin/apt-get", gone: true}, {path: "bin/bash", gone: true}, {path: "lib/apk/db/installed"}}},
		{"busybox:1.36", []want{{path: "bin/sh", exec: true}, {path: "bin/busybox", exec: true}, {path: "usr/bin/apt-get", gone: true}, {path: "sbin/apk", gone: true}}},
		// runtimes on PATH
		{"python:3.12", []want{{path: "usr/local/bin/python3", exec: true}, {path: "usr/local/bin/python", exec: true}, {path: "usr/local/bin/pip", exec: true}, {path: "usr/local/bin/pip3", exec: true}, {path: "usr/bin/gcc", exec: true}, {path: "usr/bin/ps", exec: true}, {path: "usr/local/lib/python3.12/site-packages/pip-24.2.dist-info/METADATA"}}},
		{"python:3.12-slim", []want{{path: "usr/local/bin/pip3", exec: true}, {path: "usr/bin/gcc", gone: true}, {path: "usr/bin/git", gone: true}}},
		{"python:3.12-alpine", []want{{path: "usr/local/bin/python3", exec: true}, {path: "sbin/apk", exec: true}, {path: "usr/bin/apt-get", gone: true}}},
		{"node:20", []want{{path: "usr/local/bin/node", exec: true}, {path: "usr/local/bin/npm", exec: true}, {path: "usr/local/bin/docker-entrypoint.sh", exec: true}, {path: "usr/local/bin/yarn", exec: true}, {path: "home/node"}}},
		{"node:20-alpine", []want{{path: "usr/local/bin/node", exec: true}, {path: "bin/sh", exec: true}, {path: "bin/bash", gone: true}}},
		{"nginx:1.27", []want{{path: "usr/sbin/nginx", exec: true}, {path: "docker-entrypoint.sh", exec: true}, {path: "etc/nginx/conf.d/default.conf"}, {path: "usr/bin/curl", exec: true}}},
		{"golang:1.23", []want{{path: "usr/local/go/bin/go", exec: true}, {path: "go/bin"}, {path: "usr/bin/gcc", exec: true}}},
	} {
		img := mustLookup(t, c, tc.ref)
		fsys := union.New(img.Layers...)
		for _, w := range tc.paths {
			st, err := fs.Stat(fsys, w.path)
			switch {
			case w.gone && err == nil:
				t.Errorf("%s: /%s exists, the real image has none", tc.ref, w.path)
			case w.gone:
			case err != nil:
				t.Errorf("%s: /%s: %v", tc.ref, w.path, err)
			case w.exec && (!st.Mode().IsRegular() || st.Mode().Perm()&0o111 == 0):
				t.Errorf("%s: /%s is %v, want an executable file", tc.ref, w.path, st.Mode())
			}
		}
	}
}

func TestUsers(t *testing.T) {
	c := load(t)
	for _, tc := range []struct{ ref, file, line string }{
		{"debian:bookworm", "etc/passwd", "root:x:0:0:root:/root:/bin/bash"},
		{"debian:bookworm", "etc/passwd", "www-data:x:33:33:www-data:/var/www:/usr/sbin/nologin"},
		{"alpine:3.20", "etc/passwd", "nobody:x:65534:65534:nobody:/:/sbin/nologin"},
		{"node:20", "etc/passwd", "node:x:1000:1000::/home/node:/bin/bash"},
		{"node:20-alpine", "etc/passwd", "node:x:1000:1000::/home/node:/bin/sh"},
		{"nginx:1.27", "etc/passwd", "nginx:x:101:101:nginx user:/nonexistent:/bin/false"},
		{"nginx:alpine", "etc/group", "nginx:x:101:nginx"},
		{"ubuntu:24.04", "etc/passwd", "ubuntu:x:1000:1000:Ubuntu:/home/ubuntu:/bin/bash"},
		{"debian:bookworm", "etc/os-release", "VERSION_CODENAME=bookworm"},
		{"ubuntu:22.04", "etc/os-release", "VERSION_CODENAME=jammy"},
		{"alpine:3.19", "etc/os-release", "VERSION_ID=3.19.4"},
		{"python:3.12", "var/lib/dpkg/status", "Package: libbluetooth-dev"},
		{"python:3.12-alpine", "lib/apk/db/installed", "P:sqlite-libs"},
	} {
		b, err := fs.ReadFile(union.New(mustLookup(t, c, tc.ref).Layers...), tc.file)
		if err != nil {
			t.Errorf("%s: %v", tc.ref, err)
			continue
		}
		if !slices.Contains(strings.Split(string(b), "\n"), tc.line) {
			t.Errorf("%s: /%s has no line %q", tc.ref, tc.file, tc.line)
		}
	}
}

// Every image must be a valid io/fs tree; one of each family is enough.
func TestUnionFS(t *testing.T) {
	c := load(t)
	for _, ref := range []string{"alpine:3.20", "python:3.12-slim", "nginx:1.27"} {
		img := mustLookup(t, c, ref)
		fsys := union.New(img.Layers...)
		n := 0
		err := fsys.Walk(func(node union.Node) error {
			if node.Type == layer.TypeReg && node.Size < int64(len(node.Data)) {
				t.Errorf("%s: %s has more data than its size", ref, node.Path)
			}
			n++
			return nil
		})
		if err != nil || n < 100 {
			t.Errorf("%s: walked %d paths, err %v", ref, n, err)
		}
	}
}

func TestParseErrors(t *testing.T) {
	for _, tc := range []struct{ name, data, want string }{
		{"unknown block", "thing x\nend\n", "unknown block"},
		{"no end", "image a:1\nlayer RUN x\n", "has no end"},
		{"too big", "image a:1\nlayer RUN x\nsize 10\nf a 20\nend\n", "more than its size"},
		{"size mismatch", "image a:1\nlayer RUN x\nsize 10\nf a 5\nend\n", "not its size"},
		{"weight without size", "image a:1\nlayer RUN x\nf a *\nend\n", "no size line"},
		{"through a link", "image a:1\nlayer RUN x\nl bin usr/bin\nf bin/sh 3\nend\n", "not a directory"},
		{"twice", "image a:1\nlayer RUN x\nf a 1\nf a 1\nend\n", "twice"},
		{"unclean", "image a:1\nlayer RUN x\nf ../a 1\nend\n", "clean"},
		{"bad mode", "image a:1\nlayer RUN x\nf a 1 0999\nend\n", "unexpected"},
		{"no text", "image a:1\nlayer RUN x\nf a - @nope\nend\n", "no text"},
		{"content too long", "image a:1\nlayer RUN x\nf a 2 \"abc\"\nend\n", "longer than its size"},
		{"entry outside layer", "image a:1\nf a 1\nend\n", "outside a layer"},
		{"not metadata", "image a:1\nmeta RUN true\nend\n", "not a metadata instruction"},
		{"bad cmd", "image a:1\nmeta CMD [oops\nend\n", "CMD"},
		{"missing parent", "image a:1\nfrom b:1\nend\n", "no image b:1"},
		{"cycle", "image a:1\nfrom a:1\nend\n", "own ancestor"},
		{"missing var", "fragment f\nf ${X} 1\nend\nimage a:1\nlayer RUN x\nuse f\nend\n", "no value"},
	} {
		src := newSource()
		err := src.parse("test.txt", tc.data)
		if err == nil {
			_, err = src.build()
		}
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want it to mention %q", tc.name, err, tc.want)
		}
	}
}

func BenchmarkLoad(b *testing.B) {
	for b.Loop() {
		if _, err := Load(); err != nil {
			b.Fatal(err)
		}
	}
}
