package engine

import (
	"io/fs"
	"path"
	"sort"
	"strings"
	"syscall"

	"github.com/layerlab/layerlab/sim/layer"
	"github.com/layerlab/layerlab/sim/shell"
	"github.com/layerlab/layerlab/sim/union"
)

// mountFS is a container's filesystem as its processes see it: the union
// view with the writable layer, except under a volume's mount point, where
// paths lead into the volume. Writes there never touch the writable layer,
// so they survive docker rm and never show in docker diff or commit.
type mountFS struct {
	root   *union.Overlay
	mounts []mountPoint   // longest destination first
	etc    *union.Overlay // /etc/hostname, /etc/hosts, /etc/resolv.conf, mounted by the daemon
	// wrote reports a file write: volume is "" for the writable layer. Nil
	// when no one listens, so writes then cost no extra lookup.
	wrote func(p, volume string)
	last  string // the path last reported, so `>` (truncate, then append) reports once
}

type mountPoint struct {
	dest string // "/data"
	vol  *union.Overlay
	name string // the volume's name
	ro   bool   // mounted read-only (-v name:/data:ro)
}

// errReadOnly is what the kernel answers a write under a read-only mount.
var errReadOnly error = syscall.EROFS

// errBusy is what it answers removing or renaming a mount point.
var errBusy error = syscall.EBUSY

var _ shell.FS = (*mountFS)(nil)

func newMountFS(root *union.Overlay, mounts []mountPoint, etc *union.Overlay, wrote func(p, volume string)) shell.FS {
	if len(mounts) == 0 && wrote == nil && etc == nil {
		return root
	}
	ms := append([]mountPoint(nil), mounts...)
	sort.Slice(ms, func(i, j int) bool { return len(ms[i].dest) > len(ms[j].dest) })
	return &mountFS{root: root, mounts: ms, etc: etc, wrote: wrote}
}

// etcFile reports whether p is one of the files the daemon mounts in /etc.
func (m *mountFS) etcFile(p string) (string, bool) {
	if m.etc == nil {
		return "", false
	}
	name, ok := strings.CutPrefix(p, "/etc/")
	if !ok {
		return "", false
	}
	for _, f := range etcFiles {
		if name == f {
			return "/" + f, true
		}
	}
	return "", false
}

// readOnly says whether p lies on a read-only mount.
func (m *mountFS) readOnly(name string) bool {
	p := path.Clean("/" + name)
	for _, mp := range m.mounts {
		if p == mp.dest || strings.HasPrefix(p, mp.dest+"/") {
			return mp.ro
		}
	}
	return false
}

// refuse is the error of a change the mounts do not allow, or nil.
func (m *mountFS) refuse(op, name string) error {
	if m.readOnly(name) {
		return &fs.PathError{Op: op, Path: name, Err: errReadOnly}
	}
	return nil
}

// busy refuses to remove or rename a mount point itself.
func (m *mountFS) busy(op, name string) error {
	p := path.Clean("/" + name)
	if f, ok := m.etcFile(p); ok && f != "/mtab" {
		return &fs.PathError{Op: op, Path: name, Err: errBusy}
	}
	return nil
}

// route finds which filesystem holds name and its path there.
func (m *mountFS) route(name string) (*union.Overlay, string, string) {
	o, p, d, _ := m.routeNamed(name)
	return o, p, d
}

// routeNamed is route that also names the volume ("" for the writable layer).
func (m *mountFS) routeNamed(name string) (*union.Overlay, string, string, string) {
	p := path.Clean("/" + name)
	if f, ok := m.etcFile(p); ok {
		return m.etc, f, "/etc", ""
	}
	for _, mp := range m.mounts {
		if p == mp.dest {
			return mp.vol, "/", mp.dest, mp.name
		}
		if strings.HasPrefix(p, mp.dest+"/") {
			return mp.vol, strings.TrimPrefix(p, mp.dest), mp.dest, mp.name
		}
	}
	return m.root, p, "", ""
}

// write runs one file write and reports it: every write that lands in a
// volume, and a write that makes a new file in the writable layer (changing
// an image file is reported as a copy-up instead).
func (m *mountFS) write(name string, do func(o *union.Overlay, p string) error) error {
	if err := m.refuse("open", name); err != nil {
		return err
	}
	o, p, _, vol := m.routeNamed(name)
	if o == m.etc && o != nil {
		return do(o, p) // the daemon's own files: no diff, no event
	}
	if m.wrote == nil {
		return do(o, p)
	}
	_, statErr := o.Lstat(p)
	if err := do(o, p); err != nil {
		return err
	}
	full := path.Clean("/" + name)
	if (vol != "" || statErr != nil) && full != m.last {
		m.last = full
		m.wrote(full, vol)
	}
	return nil
}

// newCommand starts a new command's run of writes: its first write to a
// file is reported even if the last command wrote the same file.
func newCommand(fsys shell.FS) {
	if m, ok := fsys.(*mountFS); ok {
		m.last = ""
	}
}

// rebase gives a node from a volume its path in the container.
func rebase(n union.Node, dest string) union.Node {
	if dest == "" {
		return n
	}
	rel := strings.TrimPrefix(path.Clean("/"+n.Path), "/")
	full := strings.TrimPrefix(dest, "/")
	if rel != "" && rel != "." {
		full += "/" + rel
	}
	n.Path = full
	return n
}

func (m *mountFS) Stat(name string) (union.Node, error) {
	o, p, d := m.route(name)
	n, err := o.Stat(p)
	return rebase(n, d), err
}

func (m *mountFS) Lstat(name string) (union.Node, error) {
	o, p, d := m.route(name)
	n, err := o.Lstat(p)
	return rebase(n, d), err
}

func (m *mountFS) ReadFile(name string) ([]byte, error) {
	o, p, _ := m.route(name)
	return o.ReadFile(p)
}

func (m *mountFS) ReadDir(name string) ([]union.Node, error) {
	o, p, d := m.route(name)
	ns, err := o.ReadDir(p)
	for i := range ns {
		ns[i] = rebase(ns[i], d)
	}
	if err == nil && m.etc != nil && o == m.root && p == "/etc" {
		ns = m.withEtcFiles(ns)
	}
	return ns, err
}

// withEtcFiles adds the daemon's files to a listing of /etc, in order.
func (m *mountFS) withEtcFiles(ns []union.Node) []union.Node {
	for _, f := range etcFiles {
		n, err := m.etc.Lstat("/" + f)
		if err != nil {
			continue
		}
		n = rebase(n, "/etc")
		i := sort.Search(len(ns), func(i int) bool { return path.Base(ns[i].Path) >= f })
		if i < len(ns) && path.Base(ns[i].Path) == f {
			ns[i] = n
			continue
		}
		ns = append(ns[:i], append([]union.Node{n}, ns[i:]...)...)
	}
	return ns
}

func (m *mountFS) Readlink(name string) (string, error) {
	o, p, _ := m.route(name)
	return o.Readlink(p)
}

func (m *mountFS) WriteFile(name string, data []byte, perm fs.FileMode) error {
	return m.write(name, func(o *union.Overlay, p string) error { return o.WriteFile(p, data, perm) })
}

func (m *mountFS) AppendFile(name string, data []byte, perm fs.FileMode) error {
	return m.write(name, func(o *union.Overlay, p string) error { return o.AppendFile(p, data, perm) })
}

func (m *mountFS) PutFile(name string, data []byte, size int64, perm fs.FileMode, uid, gid int) error {
	return m.write(name, func(o *union.Overlay, p string) error { return o.PutFile(p, data, size, perm, uid, gid) })
}

func (m *mountFS) Mkdir(name string, perm fs.FileMode) error {
	if err := m.refuse("mkdir", name); err != nil {
		return err
	}
	o, p, _ := m.route(name)
	return o.Mkdir(p, perm)
}

func (m *mountFS) MkdirAll(name string, perm fs.FileMode) error {
	if err := m.refuse("mkdir", name); err != nil {
		if _, serr := m.Stat(name); serr == nil {
			return nil
		}
		return err
	}
	o, p, _ := m.route(name)
	return o.MkdirAll(p, perm)
}

func (m *mountFS) Remove(name string) error {
	if err := m.busy("remove", name); err != nil {
		return err
	}
	if err := m.refuse("remove", name); err != nil {
		return err
	}
	o, p, _ := m.route(name)
	if p == "/" && o != m.root {
		return &fs.PathError{Op: "remove", Path: name, Err: errBusy}
	}
	return o.Remove(p)
}

func (m *mountFS) RemoveAll(name string) error {
	if err := m.busy("remove", name); err != nil {
		return err
	}
	if err := m.refuse("remove", name); err != nil {
		return err
	}
	o, p, _ := m.route(name)
	if p == "/" && o != m.root {
		// rm -rf of a mount point empties the volume but cannot remove it.
		ns, err := o.ReadDir("/")
		if err != nil {
			return err
		}
		for _, n := range ns {
			if err := o.RemoveAll("/" + n.Path); err != nil {
				return err
			}
		}
		return &fs.PathError{Op: "remove", Path: name, Err: errBusy}
	}
	return o.RemoveAll(p)
}

func (m *mountFS) Rename(oldname, newname string) error {
	if err := m.busy("rename", oldname); err != nil {
		return err
	}
	if err := m.refuse("rename", oldname); err != nil {
		return err
	}
	if err := m.refuse("rename", newname); err != nil {
		return err
	}
	o1, p1, _ := m.route(oldname)
	o2, p2, _ := m.route(newname)
	if o1 != o2 {
		return &fs.PathError{Op: "rename", Path: oldname, Err: union.ErrCrossDevice}
	}
	return o1.Rename(p1, p2)
}

func (m *mountFS) Symlink(target, newname string) error {
	if err := m.refuse("symlink", newname); err != nil {
		return err
	}
	o, p, _ := m.route(newname)
	return o.Symlink(target, p)
}

func (m *mountFS) Chmod(name string, mode fs.FileMode) error {
	if err := m.refuse("chmod", name); err != nil {
		return err
	}
	o, p, _ := m.route(name)
	return o.Chmod(p, mode)
}

func (m *mountFS) Chown(name string, uid, gid int) error {
	if err := m.refuse("chown", name); err != nil {
		return err
	}
	o, p, _ := m.route(name)
	return o.Chown(p, uid, gid)
}

// prefill copies what the image holds at dest into a new, empty volume, as
// the daemon does the first time it mounts an empty volume over image
// content ("copy-up" of volume data; bind mounts never get it).
func prefill(image *union.FS, dest string, vol *union.Overlay) error {
	top, ok := image.Lookup(dest)
	if !ok || top.Type != layer.TypeDir {
		return nil
	}
	var walk func(dir, rel string) error
	walk = func(dir, rel string) error {
		kids, err := image.ReadDir(strings.TrimPrefix(dir, "/"))
		if err != nil {
			return nil
		}
		for _, k := range kids {
			n, ok := image.Lookup(dir + "/" + k.Name())
			if !ok {
				continue
			}
			to := rel + "/" + k.Name()
			switch n.Type {
			case layer.TypeDir:
				if err := vol.Mkdir(to, n.Mode); err != nil {
					return err
				}
				if err := vol.Chown(to, n.UID, n.GID); err != nil {
					return err
				}
				if err := walk(dir+"/"+k.Name(), to); err != nil {
					return err
				}
			case layer.TypeSymlink:
				if err := vol.Symlink(n.Linkname, to); err != nil {
					return err
				}
			case layer.TypeReg:
				if err := vol.PutFile(to, n.Data, n.Size, n.Mode, n.UID, n.GID); err != nil {
					return err
				}
			}
		}
		return nil
	}
	return walk(path.Clean(dest), "")
}
