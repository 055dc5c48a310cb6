package union

import (
	"errors"
	"fmt"
	"io/fs"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/layerlab/layerlab/sim/layer"
)

// Shorthands for building layers in tables.
func dir(p string) layer.Entry { return layer.Entry{Path: p, Type: layer.TypeDir, Mode: 0o755} }
func file(p, data string) layer.Entry {
	return layer.Entry{Path: p, Type: layer.TypeReg, Mode: 0o644, Size: int64(len(data)), Data: []byte(data)}
}
func link(p, target string) layer.Entry {
	return layer.Entry{Path: p, Type: layer.TypeSymlink, Mode: 0o777, Linkname: target}
}
func wh(p string) layer.Entry { return layer.Entry{Path: p, Type: layer.TypeReg, Mode: 0o600} }

func mkLayer(t testing.TB, es ...layer.Entry) *layer.Layer {
	t.Helper()
	l, err := layer.New(es)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// base is a small image: a Debian-like tree with symlinks of every kind.
func base(t testing.TB) []*layer.Layer {
	big := file("usr/bin/python3.12", "\x7fELF")
	big.Size = 6 << 20
	return []*layer.Layer{
		mkLayer(t,
			dir("etc"), file("etc/passwd", "root:x:0:0\n"), file("etc/motd", "welcome\n"),
			dir("usr"), dir("usr/bin"), big, link("usr/bin/python3", "python3.12"),
			file("usr/bin/tool", "#!/bin/sh\n"),
			link("bin", "usr/bin"),
			dir("var"), dir("var/cache"), dir("var/cache/apt"), file("var/cache/apt/pkgcache.bin", "cache"),
			dir("var/cache/apt/archives"), file("var/cache/apt/archives/lock", ""),
			dir("opt"), file("opt/tool", "x"),
			file("data", "plain"),
			link("app", "/srv/app"),
			link("up", "../../../../etc"),
		),
		mkLayer(t,
			dir("etc"), wh("etc/.wh.motd"),
			dir("var/cache/apt"), wh("var/cache/apt/"+layer.OpaqueWhiteout), file("var/cache/apt/fresh", "new"),
			file("opt", "now a file"),
			dir("data"), file("data/x", "inside"),
			file("srv/app/main.py", "print()\n"), // srv and srv/app are implied
		),
		mkLayer(t, file("etc/motd", "back again\n")),
	}
}

// traps are symlinks that cannot be followed; fstest.TestFS would trip on
// them, so they live in their own layer.
func traps(t testing.TB) *layer.Layer {
	return mkLayer(t,
		link("loop1", "loop2"), link("loop2", "loop1"), link("self", "self"),
		link("dangling", "nowhere"), link("escape", "../../../../../etc/passwd"),
	)
}

func TestLookup(t *testing.T) {
	f := New(append(base(t), traps(t))...)
	tests := []struct {
		name  string
		path  string // "" when not found
		layer int
		typ   layer.Type
	}{
		// layers override and whiteouts hide
		{"etc/passwd", "etc/passwd", 0, layer.TypeReg},
		{"etc/motd", "etc/motd", 2, layer.TypeReg},
		{"etc", "etc", 1, layer.TypeDir},
		// an opaque directory hides all lower content, keeps its own
		{"var/cache/apt/pkgcache.bin", "", 0, 0},
		{"var/cache/apt/archives/lock", "", 0, 0},
		{"var/cache/apt/fresh", "var/cache/apt/fresh", 1, layer.TypeReg},
		// a file replaces a directory and a directory a file
		{"opt", "opt", 1, layer.TypeReg},
		{"opt/tool", "", 0, 0},
		{"data", "data", 1, layer.TypeDir},
		{"data/x", "data/x", 1, layer.TypeReg},
		// implied parents are root-owned 0755 directories
		{"srv", "srv", 1, layer.TypeDir},
		{"srv/app", "srv/app", 1, layer.TypeDir},
		// the root
		{".", ".", -1, layer.TypeDir},
		{"/", ".", -1, layer.TypeDir},
		// a final symlink is not followed; parents are
		{"usr/bin/python3", "usr/bin/python3", 0, layer.TypeSymlink},
		{"bin/python3.12", "usr/bin/python3.12", 0, layer.TypeReg},
		{"bin/python3", "usr/bin/python3", 0, layer.TypeSymlink},
		{"app/main.py", "srv/app/main.py", 1, layer.TypeReg},
		{"dangling", "dangling", 3, layer.TypeSymlink},
		// escapes stay inside the root
		{"../../etc/passwd", "etc/passwd", 0, layer.TypeReg},
		{"up/passwd", "etc/passwd", 0, layer.TypeReg},
		{"/usr/../../../etc//passwd", "etc/passwd", 0, layer.TypeReg},
		{"escape", "escape", 3, layer.TypeSymlink},
		// failures
		{"loop1/x", "", 0, 0},
		{"self/x", "", 0, 0},
		{"dangling/x", "", 0, 0},
		{"etc/passwd/x", "", 0, 0},
		{"nothing", "", 0, 0},
	}
	for _, tt := range tests {
		n, ok := f.Lookup(tt.name)
		if tt.path == "" {
			if ok {
				t.Errorf("Lookup(%q) = %q from layer %d, want not found", tt.name, n.Path, n.Layer)
			}
			continue
		}
		if !ok || n.Path != tt.path || n.Layer != tt.layer || n.Type != tt.typ {
			t.Errorf("Lookup(%q) = %q layer %d type %d (found %v), want %q layer %d type %d", tt.name, n.Path, n.Layer, n.Type, ok, tt.path, tt.layer, tt.typ)
		}
		if tt.name == "srv" && (n.Mode != 0o755 || n.UID != 0) {
			t.Errorf("implied directory has mode %v owner %d", n.Mode, n.UID)
		}
	}
}

func TestStatErrors(t *testing.T) {
	f := New(append(base(t), traps(t))...)
	tests := []struct {
		name string
		want error
	}{
		{"loop1", ErrLoop},
		{"self", ErrLoop},
		{"dangling", fs.ErrNotExist},
		{"etc/passwd/x", ErrNotDir},
		{"var/cache/apt/archives", fs.ErrNotExist},
		{"/etc/passwd", fs.ErrInvalid}, // io/fs names have no leading slash
		{"etc/../etc/passwd", fs.ErrInvalid},
	}
	for _, tt := range tests {
		_, err := f.Stat(tt.name)
		var pe *fs.PathError
		if !errors.Is(err, tt.want) || !errors.As(err, &pe) || pe.Path != tt.name {
			t.Errorf("Stat(%q) = %v, want a PathError for %v", tt.name, err, tt.want)
		}
	}
	// escape resolves inside the root
	if fi, err := f.Stat("escape"); err != nil || fi.Sys().(Node).Path != "etc/passwd" {
		t.Errorf("Stat(escape) = %v, %v; want etc/passwd", fi, err)
	}
}

func names(es []fs.DirEntry) []string {
	var out []string
	for _, e := range es {
		out = append(out, e.Name())
	}
	return out
}

func TestReadDir(t *testing.T) {
	f := New(base(t)...)
	tests := []struct {
		dir  string
		want []string
	}{
		{".", []string{"app", "bin", "data", "etc", "opt", "srv", "up", "usr", "var"}},
		{"etc", []string{"motd", "passwd"}},
		{"var/cache/apt", []string{"fresh"}},
		{"bin", []string{"python3", "python3.12", "tool"}}, // through the symlink
		{"data", []string{"x"}},
	}
	for _, tt := range tests {
		es, err := f.ReadDir(tt.dir)
		if err != nil || !slices.Equal(names(es), tt.want) {
			t.Errorf("ReadDir(%q) = %q, %v; want %q", tt.dir, names(es), err, tt.want)
		}
	}
}

func TestReadFile(t *testing.T) {
	f := New(base(t)...)
	b, err := f.ReadFile("bin/python3") // two symlinks deep
	if err != nil {
		t.Fatal(err)
	}
	if len(b) != 6<<20 || string(b[:4]) != "\x7fELF" || strings.Trim(string(b[4:]), "\x00") != "" {
		t.Errorf("ReadFile gave %d bytes starting %q, want 6 MiB of ELF then zeros", len(b), b[:8])
	}
	if b, err := f.ReadFile("etc/motd"); err != nil || string(b) != "back again\n" {
		t.Errorf("ReadFile(etc/motd) = %q, %v", b, err)
	}
}

func TestFSTest(t *testing.T) {
	tests := []struct {
		name   string
		layers func(t testing.TB) []*layer.Layer
		want   []string
	}{
		{"whiteouts, opaque and symlinks", base, []string{"etc/passwd", "etc/motd", "var/cache/apt/fresh", "srv/app/main.py", "bin", "data/x"}},
		{"one layer", func(t testing.TB) []*layer.Layer {
			return []*layer.Layer{mkLayer(t, dir("usr"), dir("usr/lib"), file("usr/lib/os.py", "import sys\n"),
				link("lib", "usr/lib"), link("usr/os.py", "/lib/os.py"), link("abs", "/usr"), link("rel", "../../usr/lib/os.py"))}
		}, []string{"usr/lib/os.py", "lib", "usr/os.py", "abs", "rel"}},
		{"no layers", func(testing.TB) []*layer.Layer { return nil }, nil},
		{"only implied dirs", func(t testing.TB) []*layer.Layer {
			return []*layer.Layer{mkLayer(t, file("a/b/c/d", "deep"), wh("x/.wh.y"))}
		}, []string{"a/b/c/d", "x"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := fstest.TestFS(New(tt.layers(t)...), tt.want...); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestWalk(t *testing.T) {
	f := New(base(t)...)
	var got []string
	err := f.Walk(func(n Node) error {
		got = append(got, fmt.Sprintf("%s@%d", n.Path, n.Layer))
		if n.Path == "usr/bin" || n.Path == "var/cache" {
			return fs.SkipDir
		}
		if n.Path == "etc/motd" {
			return fs.SkipDir // on a file: the rest of etc
		}
		return nil
	})
	want := []string{"app@0", "bin@0", "data@1", "data/x@1", "etc@1", "etc/motd@2", "opt@1",
		"srv@1", "srv/app@1", "srv/app/main.py@1", "up@0", "usr@0", "usr/bin@0", "var@0", "var/cache@0"}
	if err != nil || !slices.Equal(got, want) {
		t.Errorf("Walk = %q, %v\nwant %q", got, err, want)
	}
	stop := errors.New("stop")
	if err := f.Walk(func(Node) error { return stop }); err != stop {
		t.Errorf("Walk returned %v, want the callback's error", err)
	}
	count := 0
	if err := f.Walk(func(Node) error { count++; return fs.SkipAll }); err != nil || count != 1 {
		t.Errorf("SkipAll: %d calls, %v", count, err)
	}
}

// The FS shares the layers' data: building one copies no file content.
func TestNewSharesData(t *testing.T) {
	ls := base(t)
	f := New(ls...)
	n, _ := f.Lookup("etc/passwd")
	if &n.Data[0] != &ls[0].Entries()[slices.IndexFunc(ls[0].Entries(), func(e layer.Entry) bool { return e.Path == "etc/passwd" })].Data[0] {
		t.Error("the merged view copied file data")
	}
	if got := f.Layers(); len(got) != 3 || got[2] != ls[2] {
		t.Errorf("Layers() = %v", got)
	}
}

func BenchmarkLookup(b *testing.B) {
	var es []layer.Entry
	for d := range 30 {
		es = append(es, dir(fmt.Sprintf("usr/lib/python3.12/pkg%02d", d)))
		for f := range 30 {
			es = append(es, file(fmt.Sprintf("usr/lib/python3.12/pkg%02d/mod%02d.py", d, f), "x"))
		}
	}
	f := New(append(base(b), mkLayer(b, es...))...)
	paths := []string{"usr/lib/python3.12/pkg17/mod03.py", "etc/passwd", "bin/python3", "/usr/bin/../bin/tool"}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		if _, ok := f.Lookup(paths[i%len(paths)]); !ok {
			b.Fatal("not found")
		}
	}
}

func BenchmarkNewFS(b *testing.B) {
	ls := base(b)
	b.ReportAllocs()
	for b.Loop() {
		New(ls...)
	}
}

// A base image of about 1,300 entries plus a small layer: what a build step
// pays to see the stack it runs on.
func BenchmarkNewFSLarge(b *testing.B) {
	var es []layer.Entry
	for d := range 40 {
		es = append(es, dir(fmt.Sprintf("usr/share/d%02d", d)))
		for f := range 32 {
			es = append(es, file(fmt.Sprintf("usr/share/d%02d/f%02d", d, f), "x"))
		}
	}
	ls := append(base(b), mkLayer(b, es...), mkLayer(b, file("app/app.py", "print()")))
	b.ReportAllocs()
	for b.Loop() {
		New(ls...)
	}
}

// With gives what New gives, and leaves the FS it extends alone.
func TestWith(t *testing.T) {
	ls := append(base(t), traps(t))
	f := New(ls[0])
	for _, l := range ls[1:] {
		before := view(f.children)
		g := f.With(l)
		if got := view(f.children); !slices.Equal(got, before) {
			t.Fatal("With changed the FS it extends")
		}
		f = g
	}
	if got, want := view(f.children), view(New(ls...).children); !slices.Equal(got, want) {
		t.Errorf("With step by step:\n\t%q\nNew:\n\t%q", got, want)
	}
	if len(f.Layers()) != len(ls) {
		t.Errorf("%d layers, want %d", len(f.Layers()), len(ls))
	}
}

// What a build step pays to stack its new layer on the view it ran on.
func BenchmarkWith(b *testing.B) {
	var es []layer.Entry
	for d := range 40 {
		es = append(es, dir(fmt.Sprintf("usr/share/d%02d", d)))
		for f := range 32 {
			es = append(es, file(fmt.Sprintf("usr/share/d%02d/f%02d", d, f), "x"))
		}
	}
	f := New(append(base(b), mkLayer(b, es...))...)
	step := mkLayer(b, dir("app"), file("app/app.py", "print()"), file("app/requirements.txt", "flask\n"))
	b.ReportAllocs()
	for b.Loop() {
		f.With(step)
	}
}

// walkAll lists a view as "path@layer" plus "/" for directories and
// "->target" for symlinks.
func walkAll(f *FS) []string {
	var out []string
	f.Walk(func(n Node) error {
		s := fmt.Sprintf("%s@%d", n.Path, n.Layer)
		switch n.Type {
		case layer.TypeDir:
			s += "/"
		case layer.TypeSymlink:
			s += "->" + n.Linkname
		}
		out = append(out, s)
		return nil
	})
	return out
}

func TestMergeRules(t *testing.T) {
	tests := []struct {
		name   string
		layers [][]layer.Entry
		want   []string
	}{
		// extraction creates the directories a layer implies
		{"implied over nothing", [][]layer.Entry{{file("a/b/c", "")}},
			[]string{"a@0/", "a/b@0/", "a/b/c@0"}},
		{"implied keeps a lower dir", [][]layer.Entry{{dir("a"), file("a/x", "")}, {file("a/b/c", "")}},
			[]string{"a@0/", "a/b@1/", "a/b/c@1", "a/x@0"}},
		{"implied over a lower file", [][]layer.Entry{{file("opt", ""), file("opu", "")}, {file("opt/tool", "")}},
			[]string{"opt@1/", "opt/tool@1", "opu@0"}},
		{"implied over a lower symlink", [][]layer.Entry{{dir("usr"), dir("usr/lib"), file("usr/lib/x", ""), link("lib", "usr/lib")}, {file("lib/y", "")}},
			[]string{"lib@1/", "lib/y@1", "usr@0/", "usr/lib@0/", "usr/lib/x@0"}},
		{"whiteout implies its directory", [][]layer.Entry{{file("a", "")}, {wh("x/.wh.y")}},
			[]string{"a@0", "x@1/"}},
		// replacing
		{"dir over dir merges", [][]layer.Entry{{dir("d"), file("d/a", "")}, {{Path: "d", Type: layer.TypeDir, Mode: 0o700}, file("d/b", "")}},
			[]string{"d@1/", "d/a@0", "d/b@1"}},
		{"file over dir hides its tree", [][]layer.Entry{{dir("d"), dir("d/e"), file("d/e/f", ""), file("d-x", "")}, {file("d", "")}},
			[]string{"d@1", "d-x@0"}},
		{"symlink over file", [][]layer.Entry{{file("s", "")}, {link("s", "t")}},
			[]string{"s@1->t"}},
		// deleting
		{"whiteout a tree, re-add later", [][]layer.Entry{{dir("d"), file("d/a", ""), file("d/b", "")}, {wh(".wh.d")}, {file("d/b", "")}},
			[]string{"d@2/", "d/b@2"}},
		{"opaque keeps its own", [][]layer.Entry{{dir("d"), file("d/a", ""), dir("d/e"), file("d/e/f", "")}, {dir("d"), wh("d/" + layer.OpaqueWhiteout), file("d/b", "")}},
			[]string{"d@1/", "d/b@1"}},
		{"opaque without its dir entry", [][]layer.Entry{{dir("d"), file("d/a", "")}, {wh("d/" + layer.OpaqueWhiteout)}},
			[]string{"d@0/"}},
		{"opaque root", [][]layer.Entry{{dir("d"), file("d/a", ""), file("z", "")}, {wh(layer.OpaqueWhiteout), file("n", "")}},
			[]string{"n@1"}},
		{"whiteout sorted after its target", [][]layer.Entry{{file("-a", ""), file("b", "")}, {wh(".wh.-a"), file("-a-", "")}},
			[]string{"-a-@1", "b@0"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var ls []*layer.Layer
			for _, es := range tt.layers {
				ls = append(ls, mkLayer(t, es...))
			}
			if got := walkAll(New(ls...)); !slices.Equal(got, tt.want) {
				t.Errorf("view = %q, want %q", got, tt.want)
			}
		})
	}
}
