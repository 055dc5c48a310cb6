package union

import (
	"io/fs"
	"maps"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/layerlab/layerlab/sim/layer"
)

// upEntry is one path of the writable layer: an entry, or a deletion of
// what the lower layers hold there (overlay2's whiteout device).
type upEntry struct {
	e       layer.Entry
	deleted bool
	opaque  bool  // a directory created where the lower layers hold a path: it hides their content
	shared  bool  // a copy-up whose data is still the lower file's
	cost    int64 // what it was counted as holding (see Quota)
}

// top is the layer index the writable layer's nodes report.
func (o *Overlay) top() int { return len(o.lower.layers) }

func (o *Overlay) node(u *upEntry) Node { return Node{Entry: u.e, Layer: o.top()} }

// set records u as the writable layer's entry at p.
func (o *Overlay) set(p string, u *upEntry) {
	if o.up == nil {
		o.up = make(map[string]*upEntry)
		o.kids = make(map[string]map[string]struct{})
	}
	if old, ok := o.up[p]; ok {
		o.account(old.cost, 0)
	}
	u.e.Path = p
	u.cost = u.storedCost()
	o.account(0, u.cost)
	o.up[p] = u
	for q := p; q != rootPath; q = parentOf(q) {
		d := parentOf(q)
		s := o.kids[d]
		if _, ok := s[q]; ok {
			break
		}
		if s == nil {
			s = make(map[string]struct{})
			o.kids[d] = s
		}
		s[q] = struct{}{}
	}
}

// del forgets the writable layer's entry at p, and the directories above
// it that were only kept for leading to it.
func (o *Overlay) del(p string) {
	if u, ok := o.up[p]; ok {
		o.account(u.cost, 0)
	}
	delete(o.up, p)
	for q := p; q != rootPath; q = parentOf(q) {
		if _, ok := o.up[q]; ok || len(o.kids[q]) > 0 {
			break
		}
		d := parentOf(q)
		delete(o.kids[d], q)
		if len(o.kids[d]) == 0 {
			delete(o.kids, d)
		}
	}
}

// dirty reports whether p or anything below it is in the writable layer.
func (o *Overlay) dirty(p string) bool {
	if _, ok := o.up[p]; ok {
		return true
	}
	return len(o.kids[p]) > 0
}

// below returns the paths the writable layer holds below p, sorted.
func (o *Overlay) below(p string) []string {
	var out []string
	for _, k := range slices.Sorted(maps.Keys(o.kids[p])) {
		if _, ok := o.up[k]; ok {
			out = append(out, k)
		}
		out = append(out, o.below(k)...)
	}
	return out
}

// get looks up an exact real path in the merged view.
func (o *Overlay) get(p string) (Node, bool) {
	if len(o.up) == 0 || p == rootPath {
		return o.lower.get(p)
	}
	if u, ok := o.up[p]; ok {
		if u.deleted {
			return Node{}, false
		}
		return o.node(u), true
	}
	if !o.lowerVisible(parentOf(p)) {
		return Node{}, false
	}
	return o.lower.get(p)
}

// lowerVisible reports whether the lower layers show through at directory
// d: neither d nor a directory above it is deleted, opaque or replaced by a
// non-directory in the writable layer.
func (o *Overlay) lowerVisible(d string) bool {
	if len(o.up) == 0 {
		return true
	}
	for q := d; q != rootPath; q = parentOf(q) {
		if u, ok := o.up[q]; ok && (u.deleted || u.opaque || u.e.Type != layer.TypeDir) {
			return false
		}
	}
	return true
}

// lowerHas reports whether the lower layers hold a visible path at p,
// whatever the writable layer holds at p itself: deleting p must then leave
// a whiteout, and a directory created at p must be opaque.
func (o *Overlay) lowerHas(p string) bool {
	if _, ok := o.lower.get(p); !ok {
		return false
	}
	return o.lowerVisible(parentOf(p))
}

// children lists directory d of the merged view in name order.
func (o *Overlay) children(d string) []Node {
	if len(o.up) == 0 {
		return o.lower.children(d)
	}
	var out []Node
	lowerShows := o.lowerVisible(d)
	if lowerShows {
		for _, k := range o.lower.children(d) {
			if u, ok := o.up[k.Path]; ok {
				if !u.deleted {
					out = append(out, o.node(u))
				}
				continue
			}
			out = append(out, k)
		}
	}
	for p := range o.kids[d] {
		u, ok := o.up[p]
		if !ok || u.deleted {
			continue
		}
		if _, inLower := o.lower.get(p); lowerShows && inLower {
			continue // listed above
		}
		out = append(out, o.node(u))
	}
	slices.SortFunc(out, func(a, b Node) int { return strings.Compare(a.Path, b.Path) })
	return out
}

// dropUnder forgets everything the writable layer holds below p.
func (o *Overlay) dropUnder(p string) {
	for _, k := range o.below(p) {
		o.del(k)
	}
}

// remove deletes p and everything below it from the merged view.
func (o *Overlay) remove(p string) {
	o.dropUnder(p)
	if !o.lowerHas(p) {
		o.del(p)
		return
	}
	o.set(p, &upEntry{deleted: true})
	if o.hooks.Whiteout != nil {
		o.hooks.Whiteout("/"+p, false)
	}
}

// copyUp makes the writable layer hold its own copy of n, a node of the
// merged view at p, and returns it: overlay2 copies a lower file (data,
// owner and mode) into the upper directory before its first change.
func (o *Overlay) copyUp(p string, n Node) *upEntry {
	if u, ok := o.up[p]; ok && !u.deleted {
		return u
	}
	u := &upEntry{e: n.Entry, shared: true}
	o.set(p, u)
	if o.hooks.CopiedUp != nil {
		size := int64(0)
		if n.Type == layer.TypeReg {
			size = n.Size
		}
		o.hooks.CopiedUp("/"+p, n.Layer, size)
	}
	return u
}

// checkName refuses a new path that a layer could not hold, so that Diff
// can always freeze what the container did. Linux would accept a name
// starting with .wh., but no layer tar can carry one: Docker would turn it
// into a whiteout.
func checkName(p string) error {
	base := baseName(p)
	switch {
	case len(p) >= 4096 || len(base) > 255:
		return ErrNameTooLong
	case strings.IndexByte(p, 0) >= 0 || !utf8.ValidString(p) || strings.HasPrefix(base, layer.WhiteoutPrefix):
		return fs.ErrInvalid
	}
	return nil
}

// create records a new entry at p, where the merged view holds nothing. A
// directory is made opaque when the lower layers hold p: overlay2 marks a
// directory created over a whiteout so that the old content stays hidden.
func (o *Overlay) create(p string, e layer.Entry) error {
	if err := checkName(p); err != nil {
		return err
	}
	if err := o.admitNew(p, &e); err != nil {
		return err
	}
	u := &upEntry{e: e}
	if e.Type == layer.TypeDir && o.lowerHas(p) {
		u.opaque = true
		if o.hooks.Whiteout != nil {
			o.hooks.Whiteout("/"+p, true)
		}
	}
	o.set(p, u)
	return nil
}

// isEmptyDir reports whether directory p of the merged view has no entries.
func (o *Overlay) isEmptyDir(p string) bool {
	return len(o.children(p)) == 0
}

// normMode keeps permission and special bits. It also takes the classic
// octal 04000, 02000 and 01000 bits (what a shell parses from "4755"),
// which mean nothing else in an fs.FileMode.
func normMode(m fs.FileMode) fs.FileMode {
	out := m & (fs.ModePerm | fs.ModeSetuid | fs.ModeSetgid | fs.ModeSticky)
	if m&0o4000 != 0 {
		out |= fs.ModeSetuid
	}
	if m&0o2000 != 0 {
		out |= fs.ModeSetgid
	}
	if m&0o1000 != 0 {
		out |= fs.ModeSticky
	}
	return out
}

func pathErr(op, name string, err error) error {
	return &fs.PathError{Op: op, Path: name, Err: err}
}

// walk resolves a name given to an Overlay method; an empty name is no
// path at all, as for the kernel.
func (o *Overlay) walk(name string, follow bool) (string, Node, bool, error) {
	if name == "" {
		return "", Node{}, false, fs.ErrNotExist
	}
	return walk(o.get, name, follow)
}

// lookup is walk for a path that must exist.
func (o *Overlay) lookup(name string, follow bool) (string, Node, error) {
	p, n, found, err := o.walk(name, follow)
	if err == nil && !found {
		err = fs.ErrNotExist
	}
	return p, n, err
}

// writeFile is the common part of WriteFile and AppendFile: it resolves
// name through symlinks (creating the target of a dangling one, as open(2)
// with O_CREAT does), copies a lower file up, and lets change rewrite the
// entry of the writable layer.
func (o *Overlay) writeFile(name string, perm fs.FileMode, size func(old *layer.Entry) int64, change func(e *layer.Entry)) error {
	p, n, found, err := o.walk(name, true)
	if err != nil {
		return pathErr("open", name, err)
	}
	if found && n.Type == layer.TypeDir {
		return pathErr("open", name, ErrIsDir)
	}
	var old *layer.Entry
	oldCost := int64(0)
	if found {
		old = &n.Entry
		if u, ok := o.up[p]; ok && !u.deleted {
			old, oldCost = &u.e, u.cost
		}
	}
	data := size(old)
	if err := o.admit(p, data, EntryCost+int64(len(p))+data-oldCost); err != nil {
		return pathErr("open", name, err)
	}
	if !found {
		e := layer.Entry{Type: layer.TypeReg, Mode: normMode(perm)}
		change(&e)
		if err := o.create(p, e); err != nil {
			return pathErr("open", name, err)
		}
		return nil
	}
	u := o.copyUp(p, n)
	change(&u.e)
	u.shared = false
	o.recost(u)
	return nil
}

// recost counts u again after a change made in place.
func (o *Overlay) recost(u *upEntry) {
	c := u.storedCost()
	o.account(u.cost, c)
	u.cost = c
}

// appendData returns old's content followed by data, in a new slice: data
// of lower layers is shared and never written to.
func appendData(e *layer.Entry, data []byte) {
	b := make([]byte, e.Size+int64(len(data)))
	copy(b, e.Data)
	copy(b[e.Size:], data)
	e.Data, e.Size = b, int64(len(b))
}
