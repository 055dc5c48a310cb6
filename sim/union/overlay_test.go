package union

import (
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"unsafe"

	"github.com/layerlab/layerlab/sim/layer"
)

// image is what the overlay tests run over: a base layer and an app layer.
func image(t testing.TB) []*layer.Layer {
	big := file("usr/bin/python3.12", "\x7fELF")
	big.Size = 6 << 20
	tool := file("usr/bin/tool", "#!/bin/sh\n")
	tool.Mode = 0o755
	tmp := dir("tmp")
	tmp.Mode = 0o777 | fs.ModeSticky
	app := dir("app")
	app.Mode, app.UID, app.GID = 0o750, 1000, 1000
	py := file("app/app.py", "print('hi')\n")
	py.UID, py.GID = 1000, 1000
	return []*layer.Layer{
		mkLayer(t,
			dir("etc"), file("etc/passwd", "root:x:0:\n"), file("etc/motd", "welcome\n"), file("etc/hostname", "box\n"),
			dir("usr"), dir("usr/bin"), tool, big, link("usr/bin/python3", "python3.12"), link("bin", "usr/bin"),
			dir("var"), dir("var/lib"), dir("var/lib/apt"), dir("var/lib/apt/lists"),
			file("var/lib/apt/lists/a", "A"), file("var/lib/apt/lists/b", "B"),
			tmp,
		),
		mkLayer(t, app, py, dir("app/static"), file("app/static/x.css", "body{}")),
	}
}

// describe prints a layer entry compactly: "etc/ 0755", "etc/passwd 0644 11",
// "bin -> usr/bin", with " 1000:1000" when not owned by root.
func describe(e layer.Entry) string {
	var s string
	switch e.Type {
	case layer.TypeDir:
		s = fmt.Sprintf("%s/ %04o", e.Path, tarMode(e.Mode))
	case layer.TypeSymlink:
		s = e.Path + " -> " + e.Linkname
	default:
		s = fmt.Sprintf("%s %04o %d", e.Path, tarMode(e.Mode), e.Size)
	}
	if e.UID != 0 || e.GID != 0 {
		s += fmt.Sprintf(" %d:%d", e.UID, e.GID)
	}
	return s
}

func tarMode(m fs.FileMode) int {
	n := int(m.Perm())
	if m&fs.ModeSticky != 0 {
		n |= 0o1000
	}
	return n
}

// view lists a merged view recursively, content included, so two views can
// be compared.
func view(children func(string) []Node) []string {
	var out []string
	var rec func(d string)
	rec = func(d string) {
		for _, n := range children(d) {
			out = append(out, describe(n.Entry)+fmt.Sprintf(" %q", n.Data))
			if n.Type == layer.TypeDir {
				rec(n.Path)
			}
		}
	}
	rec(rootPath)
	return out
}

func TestOverlayScenarios(t *testing.T) {
	tests := []struct {
		name    string
		do      func(o *Overlay) error
		diff    []string
		changes []string
		hooks   []string
		size    int64
	}{
		// writes
		{"write new file", func(o *Overlay) error { return o.WriteFile("/app/new.txt", []byte("hi"), 0o644) },
			[]string{"app/ 0750 1000:1000", "app/new.txt 0644 2"},
			[]string{"C /app", "A /app/new.txt"}, nil, 2},
		{"modify lower file", func(o *Overlay) error {
			return errors.Join(o.AppendFile("/etc/passwd", []byte("app:x:1000:\n"), 0o600), o.AppendFile("etc/passwd", []byte("db:x:1001:\n"), 0o600))
		},
			[]string{"etc/ 0755", "etc/passwd 0644 33"},
			[]string{"C /etc", "C /etc/passwd"}, []string{"copied-up /etc/passwd 0 10"}, 33},
		{"write through symlinks", func(o *Overlay) error { return o.WriteFile("/bin/python3", []byte("#!"), 0o644) },
			[]string{"usr/ 0755", "usr/bin/ 0755", "usr/bin/python3.12 0644 2"},
			[]string{"C /usr", "C /usr/bin", "C /usr/bin/python3.12"}, []string{"copied-up /usr/bin/python3.12 0 6291456"}, 2},
		{"dangling symlink creates its target", func(o *Overlay) error {
			return errors.Join(o.Symlink("/tmp/config", "/etc/app.conf"), o.WriteFile("/etc/app.conf", []byte("k=v"), 0o640))
		},
			[]string{"etc/ 0755", "etc/app.conf -> /tmp/config", "tmp/ 1777", "tmp/config 0640 3"},
			[]string{"C /etc", "A /etc/app.conf", "C /tmp", "A /tmp/config"}, nil, 3},
		{"install a big file", func(o *Overlay) error {
			return o.PutFile("/usr/bin/python3.12", []byte("\x7fELF"), 8<<20, 0o755, 0, 0)
		},
			[]string{"usr/ 0755", "usr/bin/ 0755", "usr/bin/python3.12 0755 8388608"},
			[]string{"C /usr", "C /usr/bin", "C /usr/bin/python3.12"}, nil, 8 << 20},
		{"deep new directories", func(o *Overlay) error {
			return errors.Join(o.MkdirAll("/app/static/css/print", 0o755), o.WriteFile("app/static/css/print/p.css", nil, 0o644))
		},
			[]string{"app/ 0750 1000:1000", "app/static/ 0755", "app/static/css/ 0755", "app/static/css/print/ 0755", "app/static/css/print/p.css 0644 0"},
			[]string{"C /app", "C /app/static", "A /app/static/css", "A /app/static/css/print", "A /app/static/css/print/p.css"}, nil, 0},
		{"unclean paths", func(o *Overlay) error {
			return errors.Join(o.WriteFile("app//static/../new.txt", []byte("x"), 0o644), o.Chmod("../../usr/./bin//tool", 0o700))
		},
			[]string{"app/ 0750 1000:1000", "app/new.txt 0644 1", "usr/ 0755", "usr/bin/ 0755", "usr/bin/tool 0700 10"},
			[]string{"C /app", "A /app/new.txt", "C /usr", "C /usr/bin", "C /usr/bin/tool"}, []string{"copied-up /usr/bin/tool 0 10"}, 11},
		// deletions
		{"delete lower file", func(o *Overlay) error { return o.Remove("/etc/motd") },
			[]string{"etc/ 0755", "etc/.wh.motd 0600 0"},
			[]string{"C /etc", "D /etc/motd"}, []string{"whiteout /etc/motd"}, 0},
		{"rm -rf lower dir", func(o *Overlay) error { return o.RemoveAll("/var/lib/apt/lists") },
			[]string{"var/ 0755", "var/lib/ 0755", "var/lib/apt/ 0755", "var/lib/apt/.wh.lists 0600 0"},
			[]string{"C /var", "C /var/lib", "C /var/lib/apt", "D /var/lib/apt/lists"}, []string{"whiteout /var/lib/apt/lists"}, 0},
		{"rm -rf lower dir then mkdir", func(o *Overlay) error {
			return errors.Join(o.RemoveAll("/var/lib/apt/lists"), o.Mkdir("/var/lib/apt/lists", 0o755))
		},
			[]string{"var/ 0755", "var/lib/ 0755", "var/lib/apt/ 0755", "var/lib/apt/lists/ 0755", "var/lib/apt/lists/.wh..wh..opq 0755 0"},
			[]string{"C /var", "C /var/lib", "C /var/lib/apt", "C /var/lib/apt/lists", "D /var/lib/apt/lists/a", "D /var/lib/apt/lists/b"},
			[]string{"whiteout /var/lib/apt/lists", "opaque /var/lib/apt/lists"}, 0},
		{"rm -rf, mkdir, refill", func(o *Overlay) error {
			return errors.Join(o.RemoveAll("/var/lib/apt/lists"), o.MkdirAll("/var/lib/apt/lists", 0o755), o.WriteFile("/var/lib/apt/lists/b", []byte("BB"), 0o644))
		},
			[]string{"var/ 0755", "var/lib/ 0755", "var/lib/apt/ 0755", "var/lib/apt/lists/ 0755", "var/lib/apt/lists/.wh..wh..opq 0755 0", "var/lib/apt/lists/b 0644 2"},
			[]string{"C /var", "C /var/lib", "C /var/lib/apt", "C /var/lib/apt/lists", "D /var/lib/apt/lists/a", "C /var/lib/apt/lists/b"},
			[]string{"whiteout /var/lib/apt/lists", "opaque /var/lib/apt/lists"}, 2},
		{"delete then recreate a file", func(o *Overlay) error {
			return errors.Join(o.Remove("/etc/motd"), o.WriteFile("/etc/motd", []byte("new"), 0o644))
		},
			[]string{"etc/ 0755", "etc/motd 0644 3"},
			[]string{"C /etc", "C /etc/motd"}, []string{"whiteout /etc/motd"}, 3},
		{"new file then delete", func(o *Overlay) error {
			return errors.Join(o.WriteFile("/tmp/x", []byte("x"), 0o644), o.Remove("/tmp/x"))
		}, nil, nil, nil, 0},
		{"lower dir replaced by a file", func(o *Overlay) error {
			return errors.Join(o.RemoveAll("/app/static"), o.WriteFile("/app/static", []byte("x"), 0o644))
		},
			[]string{"app/ 0750 1000:1000", "app/static 0644 1"},
			[]string{"C /app", "C /app/static"}, []string{"whiteout /app/static"}, 1},
		{"lower file replaced by a dir", func(o *Overlay) error {
			return errors.Join(o.Remove("/etc/hostname"), o.Mkdir("/etc/hostname", 0o755))
		},
			[]string{"etc/ 0755", "etc/hostname/ 0755", "etc/hostname/.wh..wh..opq 0755 0"},
			[]string{"C /etc", "C /etc/hostname"}, []string{"whiteout /etc/hostname", "opaque /etc/hostname"}, 0},
		// metadata
		{"chmod lower file", func(o *Overlay) error { return o.Chmod("/usr/bin/tool", 0o700) },
			[]string{"usr/ 0755", "usr/bin/ 0755", "usr/bin/tool 0700 10"},
			[]string{"C /usr", "C /usr/bin", "C /usr/bin/tool"}, []string{"copied-up /usr/bin/tool 0 10"}, 10},
		{"chown lower dir", func(o *Overlay) error { return o.Chown("/app", 0, -1) },
			[]string{"app/ 0750 0:1000"},
			[]string{"C /app"}, []string{"copied-up /app 1 0"}, 0},
		{"chmod to the same mode", func(o *Overlay) error { return o.Chmod("/etc", 0o755) },
			[]string{"etc/ 0755"}, nil, []string{"copied-up /etc 0 0"}, 0},
		// renames
		{"rename lower file", func(o *Overlay) error { return o.Rename("/etc/motd", "/etc/motd.bak") },
			[]string{"etc/ 0755", "etc/.wh.motd 0600 0", "etc/motd.bak 0644 8"},
			[]string{"C /etc", "D /etc/motd", "A /etc/motd.bak"}, []string{"copied-up /etc/motd 0 8", "whiteout /etc/motd"}, 8},
		{"rename over a lower file", func(o *Overlay) error { return o.Rename("/etc/motd", "/etc/hostname") },
			[]string{"etc/ 0755", "etc/hostname 0644 8", "etc/.wh.motd 0600 0"},
			[]string{"C /etc", "C /etc/hostname", "D /etc/motd"}, []string{"copied-up /etc/motd 0 8", "whiteout /etc/motd"}, 8},
		{"rename upper dir", func(o *Overlay) error {
			return errors.Join(o.MkdirAll("/tmp/a/b", 0o755), o.WriteFile("/tmp/a/b/f", []byte("f"), 0o644), o.Rename("/tmp/a", "/tmp/c"))
		},
			[]string{"tmp/ 1777", "tmp/c/ 0755", "tmp/c/b/ 0755", "tmp/c/b/f 0644 1"},
			[]string{"C /tmp", "A /tmp/c", "A /tmp/c/b", "A /tmp/c/b/f"}, nil, 1},
		{"rename opaque dir away", func(o *Overlay) error {
			return errors.Join(o.RemoveAll("/var/lib/apt/lists"), o.Mkdir("/var/lib/apt/lists", 0o700), o.Rename("/var/lib/apt/lists", "/var/lib/apt/old"))
		},
			[]string{"var/ 0755", "var/lib/ 0755", "var/lib/apt/ 0755", "var/lib/apt/.wh.lists 0600 0", "var/lib/apt/old/ 0700"},
			[]string{"C /var", "C /var/lib", "C /var/lib/apt", "D /var/lib/apt/lists", "A /var/lib/apt/old"},
			[]string{"whiteout /var/lib/apt/lists", "opaque /var/lib/apt/lists", "whiteout /var/lib/apt/lists"}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			lower := New(image(t)...)
			before := view(lower.children)
			var hooks []string
			o := NewOverlay(lower, Hooks{
				CopiedUp: func(p string, from int, size int64) {
					hooks = append(hooks, fmt.Sprintf("copied-up %s %d %d", p, from, size))
				},
				Whiteout: func(p string, opaque bool) {
					hooks = append(hooks, map[bool]string{false: "whiteout ", true: "opaque "}[opaque]+p)
				},
			})
			if err := tt.do(o); err != nil {
				t.Fatal(err)
			}
			d, err := o.Diff()
			if err != nil {
				t.Fatal(err)
			}
			var diff []string
			for _, e := range d.Entries() {
				diff = append(diff, describe(e))
			}
			if !slices.Equal(diff, tt.diff) {
				t.Errorf("Diff =\n\t%q\nwant\n\t%q", diff, tt.diff)
			}
			var changes []string
			for _, c := range o.Changes() {
				changes = append(changes, string(c.Kind)+" "+c.Path)
			}
			if !slices.Equal(changes, tt.changes) {
				t.Errorf("Changes =\n\t%q\nwant\n\t%q", changes, tt.changes)
			}
			if !slices.Equal(hooks, tt.hooks) {
				t.Errorf("hooks = %q, want %q", hooks, tt.hooks)
			}
			if o.Size() != tt.size || o.Empty() != (tt.diff == nil) {
				t.Errorf("Size = %d Empty = %v, want %d %v", o.Size(), o.Empty(), tt.size, tt.diff == nil)
			}
			// The image never changes, and the frozen diff stacked on it
			// shows exactly what the container saw.
			if after := view(lower.children); !slices.Equal(before, after) {
				t.Errorf("the lower view changed:\n%q\n%q", before, after)
			}
			committed := New(append(image(t), d)...)
			if got, want := view(committed.children), view(o.children); !slices.Equal(got, want) {
				t.Errorf("image + Diff shows\n\t%q\nthe container shows\n\t%q", got, want)
			}
		})
	}
}

func TestOverlayErrors(t *testing.T) {
	tests := []struct {
		name string
		do   func(o *Overlay) error
		want error // nil: the call succeeds
	}{
		// writes
		{"write a directory", func(o *Overlay) error { return o.WriteFile("/etc", nil, 0o644) }, ErrIsDir},
		{"write under a file", func(o *Overlay) error { return o.WriteFile("/etc/passwd/x", nil, 0o644) }, ErrNotDir},
		{"write in a missing dir", func(o *Overlay) error { return o.WriteFile("/nope/x", nil, 0o644) }, fs.ErrNotExist},
		{"put a file over a dir", func(o *Overlay) error { return o.PutFile("/etc", nil, 1, 0o644, 0, 0) }, ErrIsDir},
		{"put data beyond size", func(o *Overlay) error { return o.PutFile("/x", []byte("abc"), 2, 0o644, 0, 0) }, fs.ErrInvalid},
		// directories
		{"mkdir existing", func(o *Overlay) error { return o.Mkdir("/etc", 0o755) }, fs.ErrExist},
		{"mkdir over a symlink", func(o *Overlay) error { return o.Mkdir("/bin", 0o755) }, fs.ErrExist},
		{"mkdir missing parent", func(o *Overlay) error { return o.Mkdir("/a/b", 0o755) }, fs.ErrNotExist},
		{"mkdir -p through a file", func(o *Overlay) error { return o.MkdirAll("/etc/passwd/x", 0o755) }, ErrNotDir},
		{"mkdir -p through a symlink", func(o *Overlay) error { return o.MkdirAll("/bin/sub/dir", 0o755) }, nil},
		{"mkdir -p existing", func(o *Overlay) error { return o.MkdirAll("/usr/bin", 0o755) }, nil},
		{"mkdir -p over a dangling symlink", func(o *Overlay) error {
			return errors.Join(o.Symlink("/nowhere", "/dl"), o.MkdirAll("/dl/x", 0o755))
		}, fs.ErrExist},
		{"readdir a file", func(o *Overlay) error { _, err := o.ReadDir("/etc/passwd"); return err }, ErrNotDir},
		{"read a dir", func(o *Overlay) error { _, err := o.ReadFile("/etc"); return err }, ErrIsDir},
		// removal
		{"remove non-empty dir", func(o *Overlay) error { return o.Remove("/etc") }, ErrNotEmpty},
		{"remove missing", func(o *Overlay) error { return o.Remove("/nope") }, fs.ErrNotExist},
		{"remove all missing", func(o *Overlay) error { return o.RemoveAll("/nope") }, nil},
		{"remove the root", func(o *Overlay) error { return o.RemoveAll("/") }, ErrBusy},
		{"remove emptied dir", func(o *Overlay) error {
			return errors.Join(o.Remove("/var/lib/apt/lists/a"), o.Remove("/var/lib/apt/lists/b"), o.Remove("/var/lib/apt/lists"))
		}, nil},
		// renames
		{"rename lower dir", func(o *Overlay) error { return o.Rename("/var/lib", "/var/lib2") }, ErrCrossDevice},
		{"rename copied-up dir", func(o *Overlay) error {
			return errors.Join(o.Chmod("/app/static", 0o700), o.Rename("/app/static", "/app/s"))
		}, ErrCrossDevice},
		{"rename into itself", func(o *Overlay) error {
			return errors.Join(o.Mkdir("/tmp/d", 0o755), o.Rename("/tmp/d", "/tmp/d/e"))
		}, fs.ErrInvalid},
		{"rename file over dir", func(o *Overlay) error { return o.Rename("/etc/passwd", "/etc") }, ErrIsDir},
		{"rename missing", func(o *Overlay) error { return o.Rename("/nope", "/x") }, fs.ErrNotExist},
		// names no layer can hold
		{"empty name", func(o *Overlay) error { return o.WriteFile("", nil, 0o644) }, fs.ErrNotExist},
		{"whiteout name", func(o *Overlay) error { return o.WriteFile("/tmp/.wh.x", nil, 0o644) }, fs.ErrInvalid},
		{"whiteout dir name", func(o *Overlay) error { return o.MkdirAll("/tmp/.wh..wh..opq/x", 0o755) }, fs.ErrInvalid},
		{"rename to a whiteout name", func(o *Overlay) error { return o.Rename("/etc/motd", "/etc/.wh.motd") }, fs.ErrInvalid},
		{"NUL in a name", func(o *Overlay) error { return o.Mkdir("/tmp/a\x00b", 0o755) }, fs.ErrInvalid},
		{"long name", func(o *Overlay) error { return o.PutFile("/tmp/"+strings.Repeat("n", 256), nil, 0, 0o644, 0, 0) }, ErrNameTooLong},
		{"NUL in a target", func(o *Overlay) error { return o.Symlink("a\x00b", "/tmp/l") }, fs.ErrInvalid},
		{"empty target", func(o *Overlay) error { return o.Symlink("", "/tmp/l") }, fs.ErrNotExist},
		{"uid out of range", func(o *Overlay) error { return o.Chown("/etc/motd", 1<<40, -1) }, fs.ErrInvalid},
		// symlinks
		{"symlink over a file", func(o *Overlay) error { return o.Symlink("x", "/etc/passwd") }, fs.ErrExist},
		{"readlink a file", func(o *Overlay) error { _, err := o.Readlink("/etc/passwd"); return err }, fs.ErrInvalid},
		{"symlink loop", func(o *Overlay) error {
			if err := errors.Join(o.Symlink("/l2", "/l1"), o.Symlink("l1", "/l2")); err != nil {
				return err
			}
			_, err := o.Stat("/l1")
			return err
		}, ErrLoop},
		{"write through a loop", func(o *Overlay) error {
			return errors.Join(o.Symlink("/l", "/l"), o.WriteFile("/l", nil, 0o644))
		}, ErrLoop},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := NewOverlay(New(image(t)...), Hooks{})
			err := tt.do(o)
			if tt.want == nil {
				if err != nil {
					t.Fatalf("got %v, want success", err)
				}
				return
			}
			var pe *fs.PathError
			if !errors.Is(err, tt.want) || !errors.As(err, &pe) {
				t.Fatalf("got %v, want a *fs.PathError for %v", err, tt.want)
			}
		})
	}
}

func TestOverlayReads(t *testing.T) {
	o := NewOverlay(New(image(t)...), Hooks{})
	if err := o.WriteFile("/app/app.py", []byte("print('bye')\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if b, err := o.ReadFile("/app/app.py"); err != nil || string(b) != "print('bye')\n" {
		t.Errorf("ReadFile = %q, %v", b, err)
	}
	if n, err := o.Stat("/app/app.py"); err != nil || n.Layer != 2 || n.UID != 1000 {
		t.Errorf("Stat = %+v, %v; want the writable layer's copy, still owned by 1000", n, err)
	}
	if n, err := o.Lstat("/bin"); err != nil || n.Type != layer.TypeSymlink {
		t.Errorf("Lstat(/bin) = %+v, %v", n, err)
	}
	if n, err := o.Stat("/bin"); err != nil || n.Path != "usr/bin" || n.Layer != 0 {
		t.Errorf("Stat(/bin) = %+v, %v", n, err)
	}
	if target, err := o.Readlink("/usr/bin/python3"); err != nil || target != "python3.12" {
		t.Errorf("Readlink = %q, %v", target, err)
	}
	b, err := o.ReadFile("/bin/python3")
	if err != nil || len(b) != 6<<20 || string(b[:4]) != "\x7fELF" || b[len(b)-1] != 0 {
		t.Errorf("ReadFile(/bin/python3) = %d bytes, %v", len(b), err)
	}
	if err := o.Remove("/app/static/x.css"); err != nil {
		t.Fatal(err)
	}
	kids, err := o.ReadDir("/app")
	var got []string
	for _, k := range kids {
		got = append(got, fmt.Sprintf("%s@%d", k.Path, k.Layer))
	}
	if want := []string{"app/app.py@2", "app/static@1"}; err != nil || !slices.Equal(got, want) {
		t.Errorf("ReadDir(/app) = %q, %v; want %q", got, err, want)
	}
	if kids, err := o.ReadDir("/app/static"); err != nil || len(kids) != 0 {
		t.Errorf("ReadDir(/app/static) = %v, %v; want empty", kids, err)
	}
}

// An idle container must cost next to nothing: reading allocates no
// writable layer.
func TestOverlayIdleCost(t *testing.T) {
	lower := New(image(t)...)
	if n := testing.AllocsPerRun(100, func() { NewOverlay(lower, Hooks{}) }); n > 1 {
		t.Errorf("NewOverlay makes %v allocations, want 1", n)
	}
	if size := unsafe.Sizeof(Overlay{}); size > 64 {
		t.Errorf("Overlay is %d bytes", size)
	}
	o := NewOverlay(lower, Hooks{})
	o.Stat("/etc/passwd")
	o.ReadDir("/usr/bin")
	o.ReadFile("/etc/motd")
	o.Changes()
	if o.up != nil || o.kids != nil || !o.Empty() {
		t.Error("reading created a writable layer")
	}
	if d, err := o.Diff(); err != nil || len(d.Entries()) != 0 || d.DiffID().String() != "sha256:5f70bf18a086007016e948b04aed3b82103a36bea41755b6cddfaf10ace3c6ef" {
		t.Errorf("Diff of an idle container = %v, %v; want the empty layer", d, err)
	}
}

// Two containers over one image do not see each other's writes.
func TestOverlaysShareLower(t *testing.T) {
	lower := New(image(t)...)
	a, b := NewOverlay(lower, Hooks{}), NewOverlay(lower, Hooks{})
	if err := a.AppendFile("/etc/motd", []byte("from a\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := b.Remove("/etc/motd"); err != nil {
		t.Fatal(err)
	}
	if got, err := a.ReadFile("/etc/motd"); err != nil || !strings.HasSuffix(string(got), "from a\n") {
		t.Errorf("a reads %q, %v", got, err)
	}
	if _, err := b.Stat("/etc/motd"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("b sees %v", err)
	}
	if got, _ := lower.ReadFile("etc/motd"); string(got) != "welcome\n" {
		t.Errorf("the image now reads %q", got)
	}
}

func BenchmarkOverlayWrite(b *testing.B) {
	lower := New(image(b)...)
	b.ReportAllocs()
	for b.Loop() {
		o := NewOverlay(lower, Hooks{})
		for i := range 100 {
			if err := o.WriteFile(fmt.Sprintf("/app/f%03d.py", i), []byte("x = 1\n"), 0o644); err != nil {
				b.Fatal(err)
			}
		}
		if _, err := o.Diff(); err != nil {
			b.Fatal(err)
		}
	}
}

// Random sequences of operations must keep the invariants the engine relies
// on: Diff always freezes into a valid layer, the image plus that layer shows
// exactly what the container saw, and every docker diff line is true.
func TestOverlayRandomOps(t *testing.T) {
	pool := []string{"/etc", "/etc/motd", "/etc/new", "/var/lib/apt/lists", "/var/lib/apt/lists/a", "/var/lib/apt/lists/c",
		"/app/static", "/app/static/x.css", "/app/static/d", "/app/static/d/f", "/tmp/a", "/tmp/a/b", "/bin", "/bin/tool",
		"/usr/bin/tool", "/x", "/x/y", "/var/lib", "/app"}
	lowerLayers := image(t)
	lower := New(lowerLayers...)
	r := rand.New(rand.NewPCG(7, 11))
	for seq := range 300 {
		o := NewOverlay(lower, Hooks{})
		var log []string
		for range 1 + r.IntN(25) {
			p, q := pool[r.IntN(len(pool))], pool[r.IntN(len(pool))]
			op := r.IntN(11)
			log = append(log, fmt.Sprintf("%d %s %s", op, p, q))
			switch op {
			case 0:
				o.WriteFile(p, []byte("w"), 0o644)
			case 1:
				o.AppendFile(p, []byte("a"), 0o600)
			case 2:
				o.PutFile(p, []byte("big"), 1<<20, 0o755, 1, 2)
			case 3:
				o.Mkdir(p, 0o700)
			case 4:
				o.MkdirAll(p, 0o755)
			case 5:
				o.Remove(p)
			case 6:
				o.RemoveAll(p)
			case 7:
				o.Rename(p, q)
			case 8:
				o.Symlink(q, p)
			case 9:
				o.Chmod(p, 0o711)
			case 10:
				o.Chown(p, 7, -1)
			}
		}
		d, err := o.Diff()
		if err != nil {
			t.Fatalf("sequence %d %q: Diff: %v", seq, log, err)
		}
		if got, want := view(New(append(slices.Clone(lowerLayers), d)...).children), view(o.children); !slices.Equal(got, want) {
			t.Fatalf("sequence %d %q:\nimage + Diff shows\n\t%q\nthe container shows\n\t%q", seq, log, got, want)
		}
		for _, c := range o.Changes() {
			// docker diff compares trees path by path, following no symlink
			_, inLower := lower.get(c.Path[1:])
			_, inMerged := o.get(c.Path[1:])
			if ok := map[ChangeKind]bool{Added: !inLower && inMerged, Deleted: inLower && !inMerged, Changed: inLower && inMerged}[c.Kind]; !ok {
				t.Fatalf("sequence %d %q: %c %s is not true (lower %v, container %v)", seq, log, c.Kind, c.Path, inLower, inMerged)
			}
		}
		if o.Empty() != (len(d.Entries()) == 0) {
			t.Fatalf("sequence %d %q: Empty = %v with %d diff entries", seq, log, o.Empty(), len(d.Entries()))
		}
	}
}

// Whatever names a shell passes, an operation fails cleanly or leaves a
// writable layer that Diff freezes into the view the container had.
func FuzzOverlayNames(f *testing.F) {
	for _, s := range [][3]string{
		{"\x00", "/etc/motd", "/x"}, {"\x07", "/bin/../../etc//passwd", "/tmp/t"}, {"\x02", "/var/lib/apt/lists", ""},
		{"\x04", "a/b/c/../../d", "."}, {"\x08", "/tmp/l", "/tmp/l/.."}, {"\x06", "/", "/"}, {"\x05", "/usr/bin/../bin/tool", "x"},
	} {
		f.Add([]byte(s[0]), s[1], s[2])
	}
	lowerLayers := image(f)
	lower := New(lowerLayers...)
	f.Fuzz(func(t *testing.T, ops []byte, a, b string) {
		o := NewOverlay(lower, Hooks{})
		for i, op := range ops {
			if i%2 == 1 {
				a, b = b, a
			}
			switch op % 11 {
			case 0:
				o.WriteFile(a, []byte(b), 0o644)
			case 1:
				o.AppendFile(a, []byte(b), 0o644)
			case 2:
				o.PutFile(a, []byte(b), int64(len(b))+100, 0o755, 0, 0)
			case 3:
				o.Mkdir(a, 0o755)
			case 4:
				o.MkdirAll(a, 0o755)
			case 5:
				o.Remove(a)
			case 6:
				o.RemoveAll(a)
			case 7:
				o.Rename(a, b)
			case 8:
				o.Symlink(b, a)
			case 9:
				o.Chmod(a, fs.FileMode(len(b)))
			case 10:
				o.ReadDir(a)
				o.ReadFile(a)
				o.Readlink(a)
			}
		}
		d, err := o.Diff()
		if err != nil {
			t.Fatalf("Diff: %v", err)
		}
		if got, want := view(New(append(slices.Clone(lowerLayers), d)...).children), view(o.children); !slices.Equal(got, want) {
			t.Fatalf("image + Diff shows\n\t%q\nthe container shows\n\t%q", got, want)
		}
		o.Changes()
	})
}
