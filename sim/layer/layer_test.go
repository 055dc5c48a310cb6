package layer

import (
	"archive/tar"
	"bytes"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// Shorthands for building entries in tables.
func dir(p string) Entry { return Entry{Path: p, Type: TypeDir, Mode: 0o755} }
func file(p, data string) Entry {
	return Entry{Path: p, Type: TypeReg, Mode: 0o644, Size: int64(len(data)), Data: []byte(data)}
}
func link(p, target string) Entry {
	return Entry{Path: p, Type: TypeSymlink, Mode: 0o777, Linkname: target}
}
func whiteout(p string) Entry { return Entry{Path: p, Type: TypeReg, Mode: 0o600} }
func sparse(p, data string, size int64) Entry {
	e := file(p, data)
	e.Size = size
	return e
}

func mustNew(t testing.TB, es ...Entry) *Layer {
	t.Helper()
	l, err := New(es)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func paths(l *Layer) []string {
	var ps []string
	for _, e := range l.Entries() {
		ps = append(ps, e.Path)
	}
	return ps
}

func TestNewRejects(t *testing.T) {
	long := strings.Repeat("x", 256)
	tests := []struct {
		name    string
		entries []Entry
		want    string
	}{
		// paths
		{"empty path", []Entry{dir("")}, "empty path"},
		{"dot", []Entry{dir(".")}, "empty path"},
		{"absolute", []Entry{dir("/etc")}, "absolute"},
		{"unclean", []Entry{dir("etc//x")}, "not clean"},
		{"trailing slash", []Entry{dir("etc/")}, "not clean"},
		{"dotdot", []Entry{file("../etc/passwd", "")}, "escapes the root"},
		{"NUL", []Entry{file("a\x00b", "")}, "NUL"},
		{"bad UTF-8", []Entry{file("a\xffb", "")}, "UTF-8"},
		{"long name", []Entry{file(long, "")}, "longer than 255"},
		{"long path", []Entry{file(strings.Repeat("abcdefg/", 520)+"x", "")}, "longer than 4095"},
		{"duplicate", []Entry{file("a", "1"), file("a", "2")}, "duplicate"},
		// types and fields
		{"unknown type", []Entry{{Path: "a", Type: 9}}, "unknown entry type"},
		{"type bits in mode", []Entry{{Path: "a", Type: TypeDir, Mode: fs.ModeDir | 0o755}}, "bits other than"},
		{"negative uid", []Entry{{Path: "a", Type: TypeDir, UID: -1}}, "out of range"},
		{"negative size", []Entry{{Path: "a", Type: TypeReg, Size: -1}}, "negative size"},
		{"data beyond size", []Entry{{Path: "a", Type: TypeReg, Size: 1, Data: []byte("ab")}}, "exceed the size"},
		{"dir with data", []Entry{{Path: "a", Type: TypeDir, Data: []byte("x")}}, "directory with"},
		{"symlink without target", []Entry{link("a", "")}, "without a target"},
		{"symlink with size", []Entry{{Path: "a", Type: TypeSymlink, Linkname: "b", Size: 3}}, "symlink with"},
		{"linkname on file", []Entry{{Path: "a", Type: TypeReg, Linkname: "b"}}, "not a symlink"},
		// tree
		{"child of a file", []Entry{file("a", ""), file("a/b", "")}, `parent "a" is not a directory`},
		{"grandchild of a symlink", []Entry{link("a", "/x"), dir("a/b"), file("a/b/c", "")}, `parent "a" is not a directory`},
		// whiteouts
		{"whiteout with data", []Entry{file("a/.wh.b", "x")}, "not an empty regular file"},
		{"whiteout dir", []Entry{{Path: ".wh.b", Type: TypeDir}}, "not an empty regular file"},
		{"whiteout with size", []Entry{sparse(".wh.b", "", 3)}, "not an empty regular file"},
		{"whiteout without name", []Entry{whiteout("a/.wh.")}, "without a name"},
		{"reserved name", []Entry{whiteout(".wh..wh.plnk")}, "reserved"},
		{"whiteout as dir", []Entry{file(".wh.a/b", "")}, "used as a directory"},
		{"whiteout of own file", []Entry{file("a", ""), whiteout(".wh.a")}, `holds "a"`},
		{"whiteout of own parent", []Entry{file("a/b", ""), whiteout(".wh.a")}, `holds "a"`},
		{"whiteout under deleted dir", []Entry{whiteout("a/.wh.b"), whiteout(".wh.a")}, `holds "a"`},
		{"opaque under deleted dir", []Entry{whiteout("a/" + OpaqueWhiteout), whiteout(".wh.a")}, `holds "a"`},
		{"opaque of a file", []Entry{file("a", ""), whiteout("a/" + OpaqueWhiteout)}, "not a directory"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := New(tt.entries)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("New = %v, want error containing %q", err, tt.want)
			}
		})
	}
}

func TestTarOrder(t *testing.T) {
	tests := []struct {
		name    string
		entries []Entry
		want    []string
	}{
		// a directory comes before its contents, unlike a plain string sort
		{"walk order", []Entry{file("a-b", ""), file("a/z", ""), dir("a"), file("a.txt", "")},
			[]string{"a", "a/z", "a-b", "a.txt"}},
		{"deep", []Entry{file("usr/lib/python3.12/os.py", ""), dir("usr/lib/python3"), dir("usr"), dir("usr/lib"), dir("usr/lib/python3.12")},
			[]string{"usr", "usr/lib", "usr/lib/python3", "usr/lib/python3.12", "usr/lib/python3.12/os.py"}},
		// the opaque marker comes right after its directory
		{"opaque first", []Entry{file("d/!", ""), file("d/-", ""), whiteout("d/" + OpaqueWhiteout), dir("d"), file("d/a", "")},
			[]string{"d", "d/" + OpaqueWhiteout, "d/!", "d/-", "d/a"}},
		// a whiteout sits where the name it deletes would
		{"whiteout in place", []Entry{file("etc/b", ""), whiteout("etc/.wh.passwd"), whiteout("etc/.wh.a"), dir("etc"), file("etc/z", "")},
			[]string{"etc", "etc/.wh.a", "etc/b", "etc/.wh.passwd", "etc/z"}},
		{"whiteout next to dir", []Entry{file("x/a", ""), whiteout(".wh.x-y"), dir("x")},
			[]string{"x", "x/a", ".wh.x-y"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := paths(mustNew(t, tt.entries...)); !slices.Equal(got, tt.want) {
				t.Errorf("order = %q, want %q", got, tt.want)
			}
		})
	}
}

// sample is a layer with every kind of entry the writer handles.
func sample() []Entry {
	long := "usr/share/doc/" + strings.Repeat("a-rather-long-directory-name/", 5) + "README.md" // > 100, splittable
	longName := "opt/" + strings.Repeat("n", 120)                                               // > 100, not splittable
	return []Entry{
		dir("app"),
		{Path: "app/app.py", Type: TypeReg, Mode: 0o755, UID: 1000, GID: 1000, Size: 13, Data: []byte("print('hi')\n\n")},
		sparse("usr/bin/python3.12", "\x7fELF", 20<<20),
		sparse("usr/lib/libempty.so", "", 4096),
		link("usr/bin/python3", "python3.12"),
		{Path: "usr/bin/sudo", Type: TypeReg, Mode: 0o755 | fs.ModeSetuid, Size: 3, Data: []byte("bin")},
		{Path: "tmp", Type: TypeDir, Mode: 0o777 | fs.ModeSticky},
		{Path: "var/mail", Type: TypeDir, Mode: 0o775 | fs.ModeSetgid, GID: 8},
		file(long, "docs"),
		file(longName, "n"),
		link("opt/far", "/"+strings.Repeat("t", 150)),
		file("srv/caf\u00e9.txt", "menu"),
		{Path: "home/big", Type: TypeDir, Mode: 0o700, UID: 5000000, GID: 5000000},
		whiteout("etc/.wh.motd"),
		whiteout("var/cache/apt/" + OpaqueWhiteout),
	}
}

func readAll(t *testing.T, l *Layer) map[string]*tar.Header {
	t.Helper()
	var buf bytes.Buffer
	if err := l.WriteTar(&buf); err != nil {
		t.Fatal(err)
	}
	if int64(buf.Len()) != l.TarSize() {
		t.Errorf("WriteTar wrote %d bytes, TarSize = %d", buf.Len(), l.TarSize())
	}
	tr := tar.NewReader(&buf)
	got := map[string]*tar.Header{}
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		data, err := io.ReadAll(tr)
		if err != nil {
			t.Fatalf("%s: %v", h.Name, err)
		}
		if int64(len(data)) != h.Size {
			t.Errorf("%s: read %d bytes, header says %d", h.Name, len(data), h.Size)
		}
		h.PAXRecords = map[string]string{"content": string(data)} // smuggle the content out
		got[h.Name] = h
	}
	return got
}

func TestRoundTripArchiveTar(t *testing.T) {
	l := mustNew(t, sample()...)
	got := readAll(t, l)
	if len(got) != len(l.Entries()) {
		t.Errorf("tar has %d entries, layer %d", len(got), len(l.Entries()))
	}
	for _, e := range l.Entries() {
		name := e.Path
		if e.Type == TypeDir {
			name += "/" // Docker's tars name directories with a trailing slash
		}
		h, ok := got[name]
		if !ok {
			t.Errorf("%s: missing from the tar", name)
			continue
		}
		wantType := map[Type]byte{TypeReg: tar.TypeReg, TypeDir: tar.TypeDir, TypeSymlink: tar.TypeSymlink}[e.Type]
		if h.Typeflag != wantType || h.Linkname != e.Linkname || h.Uid != e.UID || h.Gid != e.GID || h.Uname != "" || h.Gname != "" {
			t.Errorf("%s: header %c %q %d:%d %q:%q, want %c %q %d:%d", name, h.Typeflag, h.Linkname, h.Uid, h.Gid, h.Uname, h.Gname, wantType, e.Linkname, e.UID, e.GID)
		}
		if fi := h.FileInfo(); fi.Mode()&^fs.ModeType != e.Mode || h.ModTime.Unix() != ModTime {
			t.Errorf("%s: mode %v mtime %v, want %v at the epoch", name, fi.Mode(), h.ModTime, e.Mode)
		}
		if e.Type != TypeReg {
			continue
		}
		content := h.PAXRecords["content"]
		want := string(e.Data) + strings.Repeat("\x00", int(e.Size)-len(e.Data))
		if h.Size != e.Size || content != want {
			t.Errorf("%s: %d bytes %.10q…, want %d bytes %.10q…", name, h.Size, content, e.Size, want)
		}
	}
	// The 20 MiB binary costs a few blocks, not 20 MiB.
	if l.TarSize() > 40*blockSize {
		t.Errorf("TarSize = %d, want a small tar for sparse files", l.TarSize())
	}
	if want := int64(13 + 20<<20 + 4096 + 3 + 4 + 1 + 4); l.Size() != want {
		t.Errorf("Size = %d, want %d", l.Size(), want)
	}
}

// Everything that is not sparse must be written exactly as archive/tar
// writes it, so the tars look like the ones Docker's Go code produces.
func TestMatchesArchiveTarWriter(t *testing.T) {
	var es []Entry
	for _, e := range sample() {
		if int64(len(e.Data)) == e.Size {
			es = append(es, e)
		}
	}
	l := mustNew(t, es...)
	var want bytes.Buffer
	tw := tar.NewWriter(&want)
	for _, e := range l.Entries() {
		h := &tar.Header{Name: e.Path, Linkname: e.Linkname, Uid: e.UID, Gid: e.GID, Size: e.Size, Mode: tarMode(e.Mode)}
		switch e.Type {
		case TypeDir:
			h.Typeflag, h.Name = tar.TypeDir, e.Path+"/"
		case TypeSymlink:
			h.Typeflag = tar.TypeSymlink
		default:
			h.Typeflag = tar.TypeReg
		}
		if err := tw.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write(e.Data); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	var got bytes.Buffer
	if err := l.WriteTar(&got); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got.Bytes(), want.Bytes()) {
		for i := 0; i < min(got.Len(), want.Len()); i += blockSize {
			if !bytes.Equal(got.Bytes()[i:i+blockSize], want.Bytes()[i:i+blockSize]) {
				t.Fatalf("first difference in block %d:\ngot  %q\nwant %q", i/blockSize, got.Bytes()[i:i+blockSize], want.Bytes()[i:i+blockSize])
			}
		}
		t.Fatalf("tar is %d bytes, archive/tar writes %d", got.Len(), want.Len())
	}
}

// GNU tar must see the sparse files at their full size, list every entry and
// extract the content (leading bytes, then zeros).
func TestGNUTarReadsLayer(t *testing.T) {
	bin, err := exec.LookPath("tar")
	if err != nil {
		t.Fatal("no tar on this machine: GNU tar is needed to check sparse layers (Debian: apt-get install tar)")
	}
	if out, err := exec.Command(bin, "--version").Output(); err != nil || !bytes.Contains(out, []byte("GNU tar")) {
		t.Fatal("tar is not GNU tar: GNU tar is needed to check sparse layers")
	}
	l := mustNew(t, sample()...)
	tmp := t.TempDir()
	tarPath := filepath.Join(tmp, "layer.tar")
	var buf bytes.Buffer
	if err := l.WriteTar(&buf); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(tarPath, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}

	out, err := exec.Command(bin, "-tvf", tarPath).CombinedOutput()
	if err != nil {
		t.Fatalf("tar -tvf: %v\n%s", err, out)
	}
	listing := string(out)
	for _, want := range []string{
		" 20971520 1970-01-01 00:00 usr/bin/python3.12\n",
		" 4096 1970-01-01 00:00 usr/lib/libempty.so\n",
		"-rwsr-xr-x 0/0 ",
		"drwxrwxrwt 0/0 ",
		"usr/bin/python3 -> python3.12",
		"srv/caf\u00e9.txt",
	} {
		if !strings.Contains(listing, want) {
			t.Errorf("tar -tvf lacks %q:\n%s", want, listing)
		}
	}
	if strings.Contains(listing, "GNUSparseFile") || strings.Contains(listing, "PaxHeaders") {
		t.Errorf("tar -tvf shows format internals:\n%s", listing)
	}

	root := filepath.Join(tmp, "root")
	if err := os.Mkdir(root, 0o755); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(bin, "-xf", tarPath, "-C", root, "--no-same-owner").CombinedOutput(); err != nil {
		t.Fatalf("tar -xf: %v\n%s", err, out)
	}
	for _, e := range l.Entries() {
		if e.Type != TypeReg {
			continue
		}
		got, err := os.ReadFile(filepath.Join(root, e.Path))
		if err != nil {
			t.Error(err)
			continue
		}
		want := append(slices.Clone(e.Data), make([]byte, int(e.Size)-len(e.Data))...)
		if !bytes.Equal(got, want) {
			t.Errorf("%s: extracted %d bytes, want %d (%.8q…)", e.Path, len(got), len(want), want)
		}
	}
}

func TestDiffIDIgnoresInputOrder(t *testing.T) {
	es := sample()
	first := mustNew(t, es...)
	r := rand.New(rand.NewPCG(1, 2))
	for range 5 {
		r.Shuffle(len(es), func(i, j int) { es[i], es[j] = es[j], es[i] })
		if l := mustNew(t, es...); l.DiffID() != first.DiffID() || !slices.Equal(paths(l), paths(first)) {
			t.Fatalf("shuffled input gave %s, want %s", l.DiffID(), first.DiffID())
		}
	}
	// and any change shows
	es[0].Mode ^= 0o001
	if l := mustNew(t, es...); l.DiffID() == first.DiffID() {
		t.Error("changing a mode kept the diffID")
	}
}

func TestGoldenDiffID(t *testing.T) {
	tests := []struct {
		name    string
		entries []Entry
		want    string
	}{
		// The empty layer: two zero blocks, the well-known diffID of every
		// empty tar (BuildKit's and Docker's empty layer).
		{"empty", nil, "sha256:5f70bf18a086007016e948b04aed3b82103a36bea41755b6cddfaf10ace3c6ef"},
		// Checked against the sha256 of archive/tar's output for the same headers.
		{"small", []Entry{dir("app"), file("app/app.py", "print('hi')\n")}, "sha256:dd3a5c3cf1b5adc7dedd0d91c6825f6407823466d774fac199f8d9f8c99b3936"},
		{"sparse", []Entry{sparse("usr/bin/big", "\x7fELF", 20<<20)}, "sha256:770251435f845c6cd8622fe92236ab76c0ffd44bc2354ff501cdb77c3a666192"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := mustNew(t, tt.entries...).DiffID().String(); got != tt.want {
				t.Errorf("DiffID = %s, want %s", got, tt.want)
			}
		})
	}
}

func TestHelpers(t *testing.T) {
	tests := []struct {
		path          string
		whiteout, opq bool
		target        string
	}{
		{"etc/.wh.motd", true, false, "etc/motd"},
		{".wh.a", true, false, "a"},
		{"d/" + OpaqueWhiteout, false, true, ""},
		{"etc/motd", false, false, ""},
		{"etc/.wh.", false, false, ""},
		{".whatever", false, false, ""},
	}
	for _, tt := range tests {
		target, ok := WhiteoutTarget(tt.path)
		if IsWhiteout(tt.path) != tt.whiteout || IsOpaque(tt.path) != tt.opq || ok != tt.whiteout || target != tt.target {
			t.Errorf("%q: IsWhiteout %v IsOpaque %v target %q %v", tt.path, IsWhiteout(tt.path), IsOpaque(tt.path), target, ok)
		}
	}
}

func BenchmarkNew(b *testing.B) {
	// About what a pip install RUN step leaves behind: 300 entries.
	var es []Entry
	for d := range 20 {
		p := fmt.Sprintf("usr/lib/python3.12/site-packages/pkg%02d", d)
		es = append(es, dir(p))
		for f := range 14 {
			es = append(es, file(fmt.Sprintf("%s/module%02d.py", p, f), strings.Repeat("x = 1\n", 40)))
		}
	}
	es = append(es, sparse("usr/bin/uvicorn", "#!/usr/bin/python3\n", 2<<20), whiteout("root/.wh..cache"))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := New(es); err != nil {
			b.Fatal(err)
		}
	}
}
