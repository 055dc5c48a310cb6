package shell

import (
	"context"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strconv"
	"strings"
	"syscall"

	"github.com/layerlab/layerlab/sim/layer"
	"github.com/layerlab/layerlab/sim/union"
)

// lsEntry is one line of a listing.
type lsEntry struct {
	name string
	n    union.Node
}

// ls [-laAh1dFrRSt] [file…]. Output is one name per line, as GNU ls prints
// when its output is not a terminal (which it never is in a RUN step).
func lsProg(ctx context.Context, p *Proc) int {
	t := newTool(ctx, p)
	o, err := getopt(p.Args[1:], "laAh1dFrRStinpgLHU", map[string]byte{
		"all": 'a', "almost-all": 'A', "human-readable": 'h', "directory": 'd', "classify": 'F',
		"reverse": 'r', "recursive": 'R', "inode": 'i', "numeric-uid-gid": 'n', "dereference": 'L',
	})
	if err != nil {
		t.usage("%v", err)
		return 2
	}
	ls := lister{t: t, o: o, long: o.has('l') || o.has('n') || o.has('g')}
	ops := o.args
	if len(ops) == 0 {
		ops = []string{"."}
	}
	var files []lsEntry
	var dirs []string
	for _, a := range ops {
		target := t.abs(a)
		follow := !ls.long || o.has('L') || o.has('H')
		var n union.Node
		var err error
		if fi := deviceInfo(target); fi != nil {
			n = union.Node{Entry: layer.Entry{Path: target[1:], Mode: 0o666}}
		} else if follow {
			n, err = t.v.stat(target)
			if err != nil {
				n, err = t.v.lstat(target)
			}
		} else {
			n, err = t.v.lstat(target)
		}
		if err != nil {
			if t.busybox {
				t.errorf("%s: %s", a, describe(err))
			} else {
				t.errorf("cannot access %s: %s", q(a), describe(err))
				t.status = 2
			}
			continue
		}
		if isDirNode(n) && !o.has('d') {
			dirs = append(dirs, a)
			continue
		}
		files = append(files, lsEntry{name: a, n: n})
	}
	ls.sort(files)
	first := true
	if len(files) > 0 {
		ls.print(files, false)
		first = false
	}
	slices.Sort(dirs)
	if o.has('r') {
		slices.Reverse(dirs)
	}
	showHeader := len(ops) > 1 || o.has('R')
	for _, d := range dirs {
		ls.dir(d, showHeader, &first)
	}
	return t.status
}

type lister struct {
	t    *tool
	o    options
	long bool
}

// dir lists one directory (and, with -R, those below it).
func (ls *lister) dir(name string, header bool, first *bool) {
	t := ls.t
	if t.stop() {
		return
	}
	target := t.abs(name)
	dn, err := t.v.stat(target)
	if err == nil && !t.v.may(dn, 4) {
		err = syscall.EACCES
	}
	var kids []union.Node
	if err == nil {
		kids, err = t.v.o.ReadDir(target)
	}
	if err != nil {
		t.errorf("cannot open directory %s: %s", q(name), describe(err))
		t.status = 2
		return
	}
	var entries []lsEntry
	if ls.o.has('a') {
		entries = append(entries, lsEntry{name: ".", n: dn})
		parent, _ := t.v.stat(path.Dir(target))
		entries = append(entries, lsEntry{name: "..", n: parent})
	}
	for _, k := range kids {
		base := path.Base(k.Path)
		if strings.HasPrefix(base, ".") && !ls.o.has('a') && !ls.o.has('A') {
			continue
		}
		entries = append(entries, lsEntry{name: base, n: k})
	}
	ls.sort(entries)
	if header {
		if !*first {
			t.print("\n")
		}
		t.print(name + ":\n")
	}
	*first = false
	ls.print(entries, true)
	if ls.o.has('R') {
		for _, e := range entries {
			if isDirNode(e.n) && e.name != "." && e.name != ".." {
				ls.dir(path.Join(name, e.name), true, first)
			}
		}
	}
}

func (ls *lister) sort(es []lsEntry) {
	switch {
	case ls.o.has('U'):
	case ls.o.has('S'):
		slices.SortStableFunc(es, func(a, b lsEntry) int {
			if sa, sb := lsSize(a.n), lsSize(b.n); sa != sb {
				if sa > sb {
					return -1
				}
				return 1
			}
			return strings.Compare(a.name, b.name)
		})
	default:
		// Every file has the same mtime, so -t sorts by name too.
		slices.SortFunc(es, func(a, b lsEntry) int { return strings.Compare(a.name, b.name) })
	}
	if ls.o.has('r') {
		slices.Reverse(es)
	}
}

func lsSize(n union.Node) int64 {
	switch n.Type {
	case layer.TypeDir:
		return 4096
	case layer.TypeSymlink:
		return int64(len(n.Linkname))
	}
	return n.Size
}

// blocks is the 1K blocks a file takes on a 4K-block filesystem.
func blocks(n union.Node) int64 {
	switch n.Type {
	case layer.TypeDir:
		return 4
	case layer.TypeSymlink:
		return 0
	}
	return (n.Size + 4095) / 4096 * 4
}

// human is ls -h's size: 1023, 1.0K, 9.9K, 10K, 1.5M.
func human(size int64) string {
	if size < 1024 {
		return strconv.FormatInt(size, 10)
	}
	f := float64(size)
	for _, unit := range []string{"K", "M", "G", "T", "P"} {
		f /= 1024
		if f < 1024 || unit == "P" {
			if f < 10 {
				return fmt.Sprintf("%.1f%s", ceilTo(f, 10), unit)
			}
			return fmt.Sprintf("%d%s", int64(ceilTo(f, 1)), unit)
		}
	}
	return strconv.FormatInt(size, 10)
}

// ceilTo rounds f up to a multiple of 1/scale, as GNU's human sizes do.
func ceilTo(f float64, scale float64) float64 {
	v := f * scale
	i := float64(int64(v))
	if v > i {
		i++
	}
	return i / scale
}

// print writes a listing: names, or long lines with a total for a
// directory.
func (ls *lister) print(es []lsEntry, inDir bool) {
	t := ls.t
	o := ls.o
	var b strings.Builder
	if !ls.long {
		for _, e := range es {
			if o.has('i') {
				fmt.Fprintf(&b, "%d ", newFileInfo("/"+e.n.Path, e.n).inode())
			}
			b.WriteString(e.name + classify(o, e.n) + "\n")
		}
		t.print(b.String())
		return
	}
	type row struct{ mode, links, owner, group, size, date, name string }
	rows := make([]row, 0, len(es))
	var total int64
	var wl, wo, wg, ws int
	for _, e := range es {
		total += blocks(e.n)
		r := row{
			mode:  modeString(e.n),
			links: strconv.Itoa(ls.links(e.n)),
			owner: ls.owner(e.n.UID, userByID),
			group: ls.owner(e.n.GID, groupByID),
			size:  strconv.FormatInt(lsSize(e.n), 10),
			date:  "Jan  1  1970",
			name:  e.name + classify(o, e.n),
		}
		if o.has('h') {
			r.size = human(lsSize(e.n))
		}
		if e.n.Type == layer.TypeSymlink {
			r.name = e.name + " -> " + e.n.Linkname
		}
		wl, wo, wg, ws = max(wl, len(r.links)), max(wo, len(r.owner)), max(wg, len(r.group)), max(ws, len(r.size))
		rows = append(rows, r)
	}
	if inDir {
		if o.has('h') {
			fmt.Fprintf(&b, "total %s\n", human(total*1024))
		} else {
			fmt.Fprintf(&b, "total %d\n", total)
		}
	}
	for _, r := range rows {
		fmt.Fprintf(&b, "%s %*s ", r.mode, wl, r.links)
		if !o.has('g') {
			fmt.Fprintf(&b, "%-*s ", wo, r.owner)
		}
		fmt.Fprintf(&b, "%-*s %*s %s %s\n", wg, r.group, ws, r.size, r.date, r.name)
	}
	t.print(b.String())
}

// links is a directory's link count: its entry, its "." and each
// subdirectory's "..".
func (ls *lister) links(n union.Node) int {
	if n.Type != layer.TypeDir {
		return 1
	}
	kids, err := ls.t.v.o.ReadDir("/" + n.Path)
	if err != nil {
		return 2
	}
	c := 2
	for _, k := range kids {
		if k.Type == layer.TypeDir {
			c++
		}
	}
	return c
}

func (ls *lister) owner(id int, lookup func(FS, int) (account, bool)) string {
	if !ls.o.has('n') {
		if a, ok := lookup(ls.t.p.FS, id); ok {
			return a.name
		}
	}
	return strconv.Itoa(id)
}

// classify is ls -F's suffix.
func classify(o options, n union.Node) string {
	if !o.has('F') {
		return ""
	}
	switch {
	case n.Type == layer.TypeDir:
		return "/"
	case n.Type == layer.TypeSymlink:
		return "@"
	case n.Mode&0o111 != 0:
		return "*"
	}
	return ""
}

// modeString is ls -l's first column: drwxr-xr-x.
func modeString(n union.Node) string {
	b := []byte("-rwxrwxrwx")
	switch n.Type {
	case layer.TypeDir:
		b[0] = 'd'
	case layer.TypeSymlink:
		b[0] = 'l'
	}
	if deviceAt("/"+n.Path) != devNone && n.Type == layer.TypeReg {
		b[0] = 'c'
	}
	m := n.Mode
	for i := range 9 {
		if m&(1<<(8-i)) == 0 {
			b[i+1] = '-'
		}
	}
	special := func(i int, set bool, on, off byte) {
		if !set {
			return
		}
		if b[i] == 'x' {
			b[i] = on
		} else {
			b[i] = off
		}
	}
	special(3, m&fs.ModeSetuid != 0, 's', 'S')
	special(6, m&fs.ModeSetgid != 0, 's', 'S')
	special(9, m&fs.ModeSticky != 0, 't', 'T')
	return string(b)
}
