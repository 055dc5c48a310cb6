package layer

import (
	"archive/tar"
	"bytes"
	"slices"
	"strconv"
	"strings"
	"testing"
)

func tarBytes(t testing.TB, l *Layer) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := l.WriteTar(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// hdr is a tar member for goTar: a header and its content.
type hdr struct {
	h    tar.Header
	data string
}

// goTar writes members with archive/tar, the way other tools' tars look.
func goTar(t testing.TB, ms ...hdr) []byte {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, m := range ms {
		h := m.h
		if h.Typeflag == tar.TypeReg && h.Size == 0 {
			h.Size = int64(len(m.data))
		}
		if err := tw.WriteHeader(&h); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write([]byte(m.data)); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestFromTarRoundTrip(t *testing.T) {
	l := mustNew(t, sample()...)
	got, err := FromTar(bytes.NewReader(tarBytes(t, l)), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if got.DiffID() != l.DiffID() || got.Size() != l.Size() || got.TarSize() != l.TarSize() {
		t.Errorf("round trip gave %s (%d bytes), want %s (%d bytes)", got.DiffID(), got.Size(), l.DiffID(), l.Size())
	}
	for i, e := range got.Entries() {
		w := l.Entries()[i]
		if e.Path != w.Path || e.Type != w.Type || e.Mode != w.Mode || e.Size != w.Size || !bytes.Equal(e.Data, w.Data) || e.Linkname != w.Linkname || e.UID != w.UID {
			t.Errorf("entry %d = %+v, want %+v", i, e, w)
		}
	}
}

func TestFromTarForeignTars(t *testing.T) {
	reg := func(name, data string) hdr {
		return hdr{tar.Header{Name: name, Typeflag: tar.TypeReg, Mode: 0o644}, data}
	}
	tests := []struct {
		name    string
		tar     []byte
		want    []string // path type size data, one per entry
		wantErr string
	}{
		// names
		{"dot slash and root entry", goTar(t,
			hdr{tar.Header{Name: "./", Typeflag: tar.TypeDir, Mode: 0o755}, ""},
			hdr{tar.Header{Name: "./etc/", Typeflag: tar.TypeDir, Mode: 0o755}, ""},
			reg("./etc/hostname", "box\n"),
		), []string{"etc 1 0 ", "etc/hostname 0 4 box\n"}, ""},
		{"absolute and unclean names", goTar(t, reg("/etc/a", "1"), reg("etc//b/../c", "2")),
			[]string{"etc/a 0 1 1", "etc/c 0 1 2"}, ""},
		{"long names in PAX and GNU", goTar(t,
			hdr{tar.Header{Name: "p/" + strings.Repeat("x", 200), Typeflag: tar.TypeReg, Format: tar.FormatPAX}, "pax"},
			hdr{tar.Header{Name: "g/" + strings.Repeat("y", 200), Typeflag: tar.TypeReg, Format: tar.FormatGNU}, "gnu"},
		), []string{"g/" + strings.Repeat("y", 200) + " 0 3 gnu", "p/" + strings.Repeat("x", 200) + " 0 3 pax"}, ""},
		{"pax global header is skipped", goTar(t,
			hdr{tar.Header{Typeflag: tar.TypeXGlobalHeader, PAXRecords: map[string]string{"comment": "hi"}}, ""},
			reg("a", "1"),
		), []string{"a 0 1 1"}, ""},
		// hard links become copies
		{"hard link", goTar(t, reg("bin/gzip", "GZ"), hdr{tar.Header{Name: "bin/gunzip", Typeflag: tar.TypeLink, Linkname: "./bin/gzip"}, ""}),
			[]string{"bin/gunzip 0 2 GZ", "bin/gzip 0 2 GZ"}, ""},
		{"hard link to nothing", goTar(t, hdr{tar.Header{Name: "a", Typeflag: tar.TypeLink, Linkname: "b"}, ""}), nil, `no earlier regular file "b"`},
		// the last entry for a path wins, as in an extraction
		{"duplicate", goTar(t, reg("a", "old"), reg("a", "new")), []string{"a 0 3 new"}, ""},
		// refusals
		{"escape", goTar(t, reg("../etc/passwd", "x")), nil, "escapes the root"},
		{"escape inside", goTar(t, reg("a/../../b", "x")), nil, "escapes the root"},
		{"device", goTar(t, hdr{tar.Header{Name: "dev/null", Typeflag: tar.TypeChar, Devmajor: 1, Devminor: 3}, ""}), nil, "unsupported type"},
		{"fifo", goTar(t, hdr{tar.Header{Name: "run/fifo", Typeflag: tar.TypeFifo}, ""}), nil, "unsupported type"},
		{"invalid layer", goTar(t, reg("a", "1"), reg("a/b", "2")), nil, "not a directory"},
		{"junk", []byte(strings.Repeat("not a tar ", 100)), nil, "reading layer tar"},
		{"truncated", goTar(t, reg("a", strings.Repeat("x", 2000)))[:1024], nil, "unexpected EOF"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l, err := FromTar(bytes.NewReader(tt.tar), Limits{})
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("FromTar = %v, want error containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, e := range l.Entries() {
				got = append(got, strings.Join([]string{e.Path, string(rune('0' + e.Type)), strconv.FormatInt(e.Size, 10), string(e.Data)}, " "))
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("entries = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestFromTarSparse(t *testing.T) {
	l := mustNew(t, sparse("big", "\x7fELF", 1<<20), sparse("holes", "", 8192))
	got, err := FromTar(bytes.NewReader(tarBytes(t, l)), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	es := got.Entries()
	if string(es[0].Data) != "\x7fELF" || es[0].Size != 1<<20 || len(es[1].Data) != 0 || es[1].Size != 8192 {
		t.Errorf("sparse files read back as %d+%d and %d+%d bytes", len(es[0].Data), es[0].Size, len(es[1].Data), es[1].Size)
	}
	// A sparse file's trailing zeros are not data: they become the size.
	z := mustNew(t, sparse("z", "ab\x00\x00", 100))
	got, err = FromTar(bytes.NewReader(tarBytes(t, z)), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if e := got.Entries()[0]; string(e.Data) != "ab" || e.Size != 100 {
		t.Errorf("read back %q of %d", e.Data, e.Size)
	}
}

func TestFromTarLimits(t *testing.T) {
	three := goTar(t,
		hdr{tar.Header{Name: "a", Typeflag: tar.TypeReg}, "12345"},
		hdr{tar.Header{Name: "b", Typeflag: tar.TypeReg}, "12345"},
		hdr{tar.Header{Name: "c", Typeflag: tar.TypeLink, Linkname: "a"}, ""},
	)
	sparseTar := tarBytes(t, mustNew(t, sparse("big", "x", 1<<30)))
	tests := []struct {
		name string
		tar  []byte
		lim  Limits
		want string
	}{
		{"entries", three, Limits{MaxEntries: 2}, "more than 2 entries"},
		{"file size", three, Limits{MaxFileSize: 4}, `"a" is 5 bytes, more than the limit of 4`},
		{"total bytes", three, Limits{MaxBytes: 12}, "more than the limit of 12 bytes"},
		{"total counts hard links", three, Limits{MaxBytes: 14}, "more than the limit of 14 bytes"},
		{"apparent size of sparse", sparseTar, Limits{}, "more than the limit of 268435456"},
		{"within limits", three, Limits{MaxEntries: 3, MaxFileSize: 5, MaxBytes: 15}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := FromTar(bytes.NewReader(tt.tar), tt.lim)
			if tt.want == "" && err != nil || tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)) {
				t.Fatalf("FromTar = %v, want %q", err, tt.want)
			}
		})
	}
}

func FuzzFromTar(f *testing.F) {
	f.Add(tarBytes(f, mustNew(f, sample()...)))
	f.Add(tarBytes(f, mustNew(f, dir("a"), file("a/b", "hello"), whiteout("a/.wh.c"), link("l", "a/b"))))
	f.Add(tarBytes(f, mustNew(f, sparse("s", "abc", 5000))))
	f.Add(goTar(f,
		hdr{tar.Header{Name: "g/" + strings.Repeat("y", 200), Typeflag: tar.TypeReg, Format: tar.FormatGNU}, "gnu"},
		hdr{tar.Header{Name: "h", Typeflag: tar.TypeLink, Linkname: "g/" + strings.Repeat("y", 200)}, ""},
	))
	f.Add([]byte("junk"))
	lim := Limits{MaxEntries: 200, MaxFileSize: 1 << 20, MaxBytes: 4 << 20}
	f.Fuzz(func(t *testing.T, data []byte) {
		l, err := FromTar(bytes.NewReader(data), lim)
		if err != nil {
			return
		}
		// What FromTar accepts, WriteTar writes and FromTar reads back the same.
		again, err := FromTar(bytes.NewReader(tarBytes(t, l)), lim)
		if err != nil {
			t.Fatalf("reading back a written layer: %v", err)
		}
		if again.DiffID() != l.DiffID() {
			t.Fatalf("round trip changed the diffID from %s to %s", l.DiffID(), again.DiffID())
		}
	})
}
