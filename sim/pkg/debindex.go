package pkg

import (
	"bytes"
	"compress/gzip"
	_ "embed"
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync"
)

// debianIndex is Debian bookworm's package index (main, with the updates
// and security suites), made by sim/pkg/gendeb from the Packages and
// Contents files of the archive (make debian-index).
//
//go:embed data/debian-bookworm.idx.gz
var debianIndex []byte

// debIndex answers for every package of a Debian release: its version,
// sizes, dependencies and the programs it puts on PATH. It keeps the index
// as one string and parses a package's line when apt asks for it.
type debIndex struct {
	text      string
	at        map[string]int // name -> offset of its line
	providers map[string][]string
}

// loadDebIndex reads a gendeb index.
func loadDebIndex(gz []byte) (*debIndex, error) {
	zr, err := gzip.NewReader(bytes.NewReader(gz))
	if err != nil {
		return nil, fmt.Errorf("reading the Debian index: %w", err)
	}
	raw, err := io.ReadAll(zr)
	if err != nil {
		return nil, fmt.Errorf("reading the Debian index: %w", err)
	}
	ix := &debIndex{text: string(raw), at: make(map[string]int, 64000), providers: map[string][]string{}}
	for off := 0; off < len(ix.text); {
		end := strings.IndexByte(ix.text[off:], '\n')
		if end < 0 {
			end = len(ix.text) - off
		}
		line := ix.text[off : off+end]
		if line != "" && line[0] != '#' {
			name, _, _ := strings.Cut(line, " ")
			ix.at[name] = off
			fields := strings.SplitN(line, "|", 6)
			if len(fields) == 6 && fields[3] != "" {
				for _, v := range strings.Split(fields[3], ",") {
					ix.providers[v] = append(ix.providers[v], name)
				}
			}
		}
		off += end + 1
	}
	return ix, nil
}

// get parses one package, or returns nil when the index has no such name.
func (ix *debIndex) get(name string) *debPkg {
	off, ok := ix.at[name]
	if !ok {
		return nil
	}
	line := ix.text[off:]
	if i := strings.IndexByte(line, '\n'); i >= 0 {
		line = line[:i]
	}
	f := strings.SplitN(line, "|", 6)
	if len(f) != 6 {
		return nil
	}
	head := strings.Fields(f[0])
	if len(head) != 6 {
		return nil
	}
	kib, _ := strconv.ParseInt(head[3], 10, 64)
	dl, _ := strconv.ParseInt(head[4], 10, 64)
	p := &debPkg{name: head[0], version: head[1], arch: head[2], size: kib * 1024, download: dl, desc: f[5], fromIndex: true}
	p.deps = splitList(f[1])
	p.recommends = splitList(f[2])
	p.provides = splitList(f[3])
	var bins []string
	if f[4] != "" {
		for _, group := range strings.Split(f[4], ";") {
			dir, names, _ := strings.Cut(group, ":")
			for _, n := range strings.Split(names, ",") {
				bins = append(bins, dir+"/"+n)
			}
		}
	}
	// The index knows which programs a package puts on PATH, not their
	// sizes: together they get half the package, the rest goes to its
	// documentation placeholder.
	for _, b := range bins {
		p.files = append(p.files, file{path: b, kind: 'x', size: p.size / int64(2*len(bins))})
	}
	return p
}

func splitList(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, ",")
}

// debianOnce loads the embedded index the first time apt needs it.
type debianOnce struct {
	once sync.Once
	ix   *debIndex
	err  error
}

func (d *debianOnce) get() (*debIndex, error) {
	d.once.Do(func() { d.ix, d.err = loadDebIndex(debianIndex) })
	return d.ix, d.err
}

// lookup finds a package of the distribution: the index's facts, with the
// representative files the hand-written catalog lists for it. Packages are
// read from the index once and shared, read-only, by every session.
func (d *aptDist) lookup(name string) *debPkg {
	if v, ok := d.seen.Load(name); ok {
		return v.(*debPkg)
	}
	p := d.merge(name)
	d.seen.Store(name, p)
	return p
}

func (d *aptDist) merge(name string) *debPkg {
	hand := d.pkgs[name]
	if d.index == nil {
		return hand
	}
	ix, err := d.index.get()
	if err != nil {
		return hand
	}
	p := ix.get(name)
	if p == nil {
		return hand
	}
	if hand != nil {
		have := map[string]bool{}
		for _, f := range hand.files {
			have[f.path] = true
		}
		files := append([]file(nil), hand.files...)
		for _, f := range p.files {
			if !have[f.path] {
				f.size = 0
				files = append(files, f)
			}
		}
		p.files = files
		// a listed program of size 0 is a placeholder: give it a little
		for i := range p.files {
			if p.files[i].kind == 'x' && p.files[i].size == 0 {
				p.files[i].size = min(p.size/int64(4*len(p.files)), 64*1024)
			}
		}
	}
	return p
}

// providers lists the packages that provide a virtual name.
func (d *aptDist) providers(name string) []string {
	if d.index == nil {
		return nil
	}
	ix, err := d.index.get()
	if err != nil {
		return nil
	}
	return ix.providers[name]
}

// handListed reports whether the hand-written catalog lists files for name.
func (d *aptDist) handListed(name string) bool {
	p := d.pkgs[name]
	return p != nil && len(p.files) > 0
}
