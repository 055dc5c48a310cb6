package union

import (
	"io/fs"
	"slices"

	"github.com/layerlab/layerlab/sim/layer"
)

// FS is the read-only merged view of layers, bottom first. It honours
// whiteouts and opaque directories, resolves symlinks inside its own root only,
// and knows for every path which layer it came from. It implements fs.FS,
// fs.StatFS, fs.ReadDirFS and fs.ReadFileFS (names as io/fs wants them: no
// leading slash, "." for the root). It never changes after New.
//
// It also implements fs.ReadLinkFS. Being immutable, one FS can be shared by
// any number of overlays and goroutines.
type FS struct {
	layers   []*layer.Layer
	entries  [][]layer.Entry  // the entries of each layer
	implicit []layer.Entry    // the root and the directories layers imply without listing them
	nodes    []ref            // the merged view depth first, siblings by name; nodes[0] is the root
	index    map[string]int32 // real path -> position in nodes
}

// New merges layers, bottom first.
func New(layers ...*layer.Layer) *FS {
	f := empty()
	for _, l := range layers {
		f = f.stack(l)
	}
	f.freeze()
	return f
}

// With returns the view of f's layers with l on top, as New would, in time
// proportional to the size of the view rather than of the whole stack: the
// way to follow a build step by step. f does not change.
func (f *FS) With(l *layer.Layer) *FS {
	g := f.stack(l)
	g.freeze()
	return g
}

// Layers returns the stack, bottom first.
func (f *FS) Layers() []*layer.Layer { return f.layers }

// Node is one path of a merged view with the index of the layer it comes from
// (-1 for the implicit root).
type Node struct {
	layer.Entry
	Layer int
}

// Lookup finds name without following a final symlink (lstat). Symlinks in
// the parent directories are followed, confined to the root.
//
// It takes io/fs names ("etc/passwd", "." for the root) and, leniently,
// absolute or unclean ones ("/etc//passwd"). The root is Path ".", Layer -1.
func (f *FS) Lookup(name string) (Node, bool) {
	_, n, err := fastLookup(f.get, name, false)
	return n, err == nil
}

// Walk visits every visible path of the merged view in lexical order, parents
// first.
//
// The root itself is not visited. Returning fs.SkipDir from fn for a
// directory skips its contents (for a file, the rest of its directory);
// fs.SkipAll ends the walk without an error.
func (f *FS) Walk(fn func(Node) error) error {
	for i := int32(1); int(i) < len(f.nodes); {
		n := f.node(i)
		err := fn(n)
		switch {
		case err == nil:
			i++
		case err == fs.SkipAll:
			return nil
		case err == fs.SkipDir && n.Type == layer.TypeDir:
			i = f.nodes[i].end
		case err == fs.SkipDir:
			i = f.nodes[f.index[parentOf(n.Path)]].end
		default:
			return err
		}
	}
	return nil
}

// ChangeKind is the letter docker diff prints.
type ChangeKind byte

// The kinds of change: a path only the container has, one both have but the
// container changed (or changed something below), one only the image has.
const (
	Added   ChangeKind = 'A'
	Changed ChangeKind = 'C'
	Deleted ChangeKind = 'D'
)

// Change is one line of docker diff.
type Change struct {
	Kind ChangeKind
	Path string // absolute: "/etc/motd"
}

// Hooks are told about the moments the visualizer animates.
type Hooks struct {
	CopiedUp func(path string, fromLayer int, size int64) // a lower file was copied into the upper layer before its first change
	Whiteout func(path string, opaque bool)               // a deletion of a lower path was recorded
}

// Overlay is a writable layer over a read-only FS: every change lands in the
// upper layer and the lower stack never changes. Paths are absolute
// ("/app/app.py") or relative to "/"; symlinks resolve inside the root.
// Errors are *fs.PathError values wrapping fs.ErrNotExist, fs.ErrExist,
// fs.ErrInvalid or ErrNotDir / ErrIsDir / ErrNotEmpty, so a shell can print
// them like a real one.
type Overlay struct {
	lower  *FS
	hooks  Hooks
	quota  *Quota                         // nil: no bound
	stored int64                          // what the writable layer holds, as Quota counts it
	up     map[string]*upEntry            // real path -> entry of the writable layer; nil until the first change
	kids   map[string]map[string]struct{} // directory -> its children that are in up or lead to something in up
}

// NewOverlay starts an empty writable layer over lower.
//
// Hook paths are absolute ("/etc/motd"). CopiedUp also reports metadata
// copy-ups (chmod, chown) and renames of lower files, with size 0 for
// anything but a regular file; Whiteout reports opaque=true when a directory
// is created where the lower layers hold a path, hiding their content.
// Nodes of the writable layer report Layer == len(lower.Layers()), one above
// the top of the stack. An Overlay is not safe for concurrent use.
func NewOverlay(lower *FS, hooks Hooks) *Overlay { return &Overlay{lower: lower, hooks: hooks} }

// Lower is the read-only stack under the writable layer.
func (o *Overlay) Lower() *FS { return o.lower }

// Stat follows symlinks; Lstat does not.
func (o *Overlay) Stat(name string) (Node, error)  { return o.stat("stat", name, true) }
func (o *Overlay) Lstat(name string) (Node, error) { return o.stat("lstat", name, false) }

// ReadFile returns the whole content (zeros past len(Data) up to Size).
func (o *Overlay) ReadFile(name string) ([]byte, error) {
	n, err := o.stat("open", name, true)
	if err != nil {
		return nil, err
	}
	if n.Type == layer.TypeDir {
		return nil, pathErr("read", name, ErrIsDir)
	}
	return content(n), nil
}

// ReadDir lists a directory of the merged view, sorted by name.
func (o *Overlay) ReadDir(name string) ([]Node, error) {
	p, n, err := o.lookup(name, true)
	if err != nil {
		return nil, pathErr("open", name, err)
	}
	if n.Type != layer.TypeDir {
		return nil, pathErr("readdirent", name, ErrNotDir)
	}
	return o.children(p), nil
}

// WriteFile creates or replaces a regular file. A file that exists only in a
// lower layer is copied up first (keeping its owner and mode).
//
// Like open(2) with O_CREAT|O_TRUNC, a final symlink is followed, perm only
// applies to a new file, and a new file is owned by root.
func (o *Overlay) WriteFile(name string, data []byte, perm fs.FileMode) error {
	return o.writeFile(name, perm, func(*layer.Entry) int64 { return int64(len(data)) }, func(e *layer.Entry) {
		e.Data, e.Size = slices.Clone(data), int64(len(data))
	})
}

// AppendFile appends data, copying a lower file up first.
func (o *Overlay) AppendFile(name string, data []byte, perm fs.FileMode) error {
	// Appending stores the whole file: zeros past the data of a sparse
	// teaching copy become data.
	size := func(old *layer.Entry) int64 {
		if old == nil {
			return int64(len(data))
		}
		return old.Size + int64(len(data))
	}
	return o.writeFile(name, perm, size, func(e *layer.Entry) { appendData(e, data) })
}

// PutFile writes a file of apparent size size whose first bytes are data and
// the rest zeros: how package managers install their teaching copies of large
// files.
//
// It replaces whatever is at name, a symlink included, the way dpkg, pip and
// npm install a file: written under a temporary name, then renamed over the
// old one. So nothing is copied up, and perm, uid and gid always apply.
func (o *Overlay) PutFile(name string, data []byte, size int64, perm fs.FileMode, uid, gid int) error {
	if size < int64(len(data)) || !validID(uid) || !validID(gid) {
		return pathErr("open", name, fs.ErrInvalid)
	}
	p, n, found, err := o.walk(name, false)
	if err != nil {
		return pathErr("open", name, err)
	}
	if found && n.Type == layer.TypeDir {
		return pathErr("open", name, ErrIsDir)
	}
	if err := checkName(p); err != nil {
		return pathErr("open", name, err)
	}
	oldCost := int64(0)
	if u, ok := o.up[p]; ok {
		oldCost = u.cost
	}
	if err := o.admit(p, int64(len(data)), EntryCost+int64(len(p)+len(data))-oldCost); err != nil {
		return pathErr("open", name, err)
	}
	o.dropUnder(p)
	return o.create(p, layer.Entry{Type: layer.TypeReg, Mode: normMode(perm), UID: uid, GID: gid, Size: size, Data: slices.Clone(data)})
}

// Mkdir creates one directory; MkdirAll creates the missing parents too.
func (o *Overlay) Mkdir(name string, perm fs.FileMode) error    { return o.mkdir(name, perm) }
func (o *Overlay) MkdirAll(name string, perm fs.FileMode) error { return o.mkdirAll(name, perm) }

// Remove deletes a file or an empty directory; RemoveAll deletes a tree.
// Deleting a path that exists in a lower layer records a whiteout; deleting a
// lower directory and creating it again makes it opaque.
//
// Neither follows a final symlink: the link itself goes. RemoveAll of a
// missing path succeeds, as os.RemoveAll does.
func (o *Overlay) Remove(name string) error    { return o.removeName(name, false) }
func (o *Overlay) RemoveAll(name string) error { return o.removeName(name, true) }

// Rename moves a path (a lower path is copied up and whited out at its old name).
//
// A directory that the lower layers hold cannot be moved: overlay2 as Docker
// mounts it (without redirect_dir) fails with EXDEV (ErrCrossDevice), and
// mv then falls back to copying and removing. A directory that lives only in
// the writable layer moves.
func (o *Overlay) Rename(oldname, newname string) error { return o.rename(oldname, newname) }

// Symlink creates newname pointing at target; Readlink reads one.
func (o *Overlay) Symlink(target, newname string) error { return o.symlink(target, newname) }
func (o *Overlay) Readlink(name string) (string, error) {
	n, err := o.stat("readlink", name, false)
	if err != nil {
		return "", err
	}
	if n.Type != layer.TypeSymlink {
		return "", pathErr("readlink", name, fs.ErrInvalid)
	}
	return n.Linkname, nil
}

// Chmod and Chown change metadata, copying a lower path up first.
//
// Both follow symlinks, like chmod(2) and chown(2); a uid or gid of -1
// leaves it as it is. The root's metadata belongs to no layer (a layer tar
// has no entry for it), so changing it does nothing.
func (o *Overlay) Chmod(name string, mode fs.FileMode) error {
	return o.chattr("chmod", name, true, func(e *layer.Entry) { e.Mode = normMode(mode) })
}
func (o *Overlay) Chown(name string, uid, gid int) error {
	return o.chown("chown", name, true, uid, gid)
}

// Lchown is Chown of a symlink itself, as lchown(2): COPY gives a link it
// copies its owner without following it.
func (o *Overlay) Lchown(name string, uid, gid int) error {
	return o.chown("lchown", name, false, uid, gid)
}

func (o *Overlay) chown(op, name string, follow bool, uid, gid int) error {
	if uid != -1 && !validID(uid) || gid != -1 && !validID(gid) {
		return pathErr(op, name, fs.ErrInvalid)
	}
	return o.chattr(op, name, follow, func(e *layer.Entry) {
		if uid >= 0 {
			e.UID = uid
		}
		if gid >= 0 {
			e.GID = gid
		}
	})
}

// Diff is the upper layer as an OCI layer diff, with .wh. whiteouts and
// .wh..wh..opq opaque markers; what docker commit and a RUN step freeze.
func (o *Overlay) Diff() (*layer.Layer, error) { return o.diff() }

// Changes lists what docker diff prints, in Docker's order.
//
// The rules are those of Docker's ChangesDirs (the containerd image store's
// docker diff): A for a path only the container has, and everything below
// it; D for a path only the image has, and nothing below it; C for a file
// or symlink the container wrote, chmodded or replaced, a directory whose
// type, mode or owner changed, and every directory with a change below it,
// listed right before its contents. The order is a depth-first walk with
// siblings sorted by name. No symlink is followed.
func (o *Overlay) Changes() []Change { return o.changes() }

// Size is the sum of apparent sizes of the upper layer's regular files: the
// SIZE column of docker ps -s.
func (o *Overlay) Size() int64 {
	var n int64
	for _, u := range o.up {
		if !u.deleted && u.e.Type == layer.TypeReg {
			n += u.e.Size
		}
	}
	return n
}

// Empty reports whether the upper layer has no changes at all.
func (o *Overlay) Empty() bool { return len(o.up) == 0 }
