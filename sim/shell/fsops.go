package shell

import (
	"errors"
	"hash/fnv"
	"io/fs"
	"path"
	"strings"
	"syscall"
	"time"

	"github.com/layerlab/layerlab/sim"
	"github.com/layerlab/layerlab/sim/layer"
	"github.com/layerlab/layerlab/sim/union"
)

// modTime is every file's modification time: layers pin it to the epoch so
// that digests do not depend on when something was built.
func modTime() time.Time { return time.Unix(layer.ModTime, 0).UTC() }

// cleanAbs resolves p against dir lexically, as the shell does for paths.
func cleanAbs(dir, p string) string {
	if p == "" {
		return path.Clean(dir)
	}
	if !path.IsAbs(p) {
		p = path.Join(dir, p)
	}
	return path.Clean(p)
}

// errno maps an Overlay error to the errno a Linux kernel would return.
func errno(err error) syscall.Errno {
	var e syscall.Errno
	switch {
	case err == nil:
		return 0
	case errors.As(err, &e):
		return e
	case errors.Is(err, union.ErrNotDir):
		return syscall.ENOTDIR
	case errors.Is(err, union.ErrIsDir):
		return syscall.EISDIR
	case errors.Is(err, union.ErrNotEmpty):
		return syscall.ENOTEMPTY
	case errors.Is(err, fs.ErrNotExist):
		return syscall.ENOENT
	case errors.Is(err, fs.ErrExist):
		return syscall.EEXIST
	case errors.Is(err, fs.ErrPermission):
		return syscall.EACCES
	case errors.Is(err, sim.ErrLimit):
		return syscall.ENOSPC
	case errors.Is(err, fs.ErrInvalid):
		return syscall.EINVAL
	}
	return syscall.EIO
}

// strerror is glibc's wording of an errno, which GNU tools print.
func strerror(e syscall.Errno) string {
	switch e {
	case syscall.ENOENT:
		return "No such file or directory"
	case syscall.EEXIST:
		return "File exists"
	case syscall.ENOTDIR:
		return "Not a directory"
	case syscall.EISDIR:
		return "Is a directory"
	case syscall.ENOTEMPTY:
		return "Directory not empty"
	case syscall.EACCES:
		return "Permission denied"
	case syscall.EPERM:
		return "Operation not permitted"
	case syscall.EINVAL:
		return "Invalid argument"
	case syscall.ENOSPC:
		return "No space left on device"
	case syscall.ELOOP:
		return "Too many levels of symbolic links"
	case syscall.EBADF:
		return "Bad file descriptor"
	case syscall.EPIPE:
		return "Broken pipe"
	case syscall.E2BIG:
		return "Argument list too long"
	case syscall.ENAMETOOLONG:
		return "File name too long"
	case syscall.EXDEV:
		return "Invalid cross-device link"
	case syscall.ENXIO:
		return "No such device or address"
	case syscall.EBUSY:
		return "Device or resource busy"
	case syscall.EROFS:
		return "Read-only file system"
	}
	return "Input/output error"
}

// describe is how a program reports a filesystem error: glibc's words, or
// the simulator's own message when a session limit was the reason.
func describe(err error) string {
	if errors.Is(err, sim.ErrLimit) {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			return pe.Err.Error()
		}
		return err.Error()
	}
	return strerror(errno(err))
}

// pathErr builds the error the interpreter prints for a failed redirection.
func pathErr(op, p string, e syscall.Errno) error {
	return &fs.PathError{Op: op, Path: p, Err: e}
}

// vfs is the filesystem as one process sees it: its user decides what it may
// read and write, and its umask the modes of what it creates.
type vfs struct {
	o        FS
	uid, gid int
	umask    fs.FileMode
}

func (s *Shell) vfsFor(p *Proc) vfs {
	return vfs{o: p.FS, uid: p.UID, gid: p.GID, umask: s.umask}
}

// may reports whether the user may access n in the ways of want (4 read,
// 2 write, 1 execute/search). Root may do anything except execute a file
// without any x bit, like Linux.
func (v vfs) may(n union.Node, want fs.FileMode) bool {
	if v.uid == 0 {
		if want&1 != 0 && n.Type == layer.TypeReg {
			return n.Mode&0o111 != 0
		}
		return true
	}
	m := n.Mode.Perm()
	var bits fs.FileMode
	switch {
	case n.UID == v.uid:
		bits = m >> 6
	case n.GID == v.gid:
		bits = m >> 3
	default:
		bits = m
	}
	return bits&want&7 == want
}

// parentWritable checks that a new entry may be made or removed at p.
func (v vfs) parentWritable(p string) error {
	dir := path.Dir(p)
	n, err := v.o.Stat(dir)
	if err != nil {
		return errno(err)
	}
	if n.Type != layer.TypeDir {
		return syscall.ENOTDIR
	}
	if !v.may(n, 3) {
		return syscall.EACCES
	}
	return nil
}

// searchable checks that every directory on the way to p may be searched.
func (v vfs) searchable(p string) error {
	if v.uid == 0 {
		return nil
	}
	dir := path.Dir(p)
	for cur := "/"; ; {
		n, err := v.o.Stat(cur)
		if err != nil {
			return errno(err)
		}
		if n.Type != layer.TypeDir {
			return syscall.ENOTDIR
		}
		if !v.may(n, 1) {
			return syscall.EACCES
		}
		if cur == dir {
			return nil
		}
		rest := strings.TrimPrefix(dir, cur)
		rest = strings.TrimPrefix(rest, "/")
		next, _, _ := strings.Cut(rest, "/")
		cur = path.Join(cur, next)
	}
}

// stat follows symlinks and checks the way there.
func (v vfs) stat(p string) (union.Node, error) {
	if err := v.searchable(p); err != nil {
		return union.Node{}, err
	}
	n, err := v.o.Stat(p)
	if err != nil {
		return union.Node{}, errno(err)
	}
	return n, nil
}

// lstat does not follow a final symlink.
func (v vfs) lstat(p string) (union.Node, error) {
	if err := v.searchable(p); err != nil {
		return union.Node{}, err
	}
	n, err := v.o.Lstat(p)
	if err != nil {
		return union.Node{}, errno(err)
	}
	return n, nil
}

// readFile reads a whole regular file the user may read.
func (v vfs) readFile(p string) ([]byte, error) {
	n, err := v.stat(p)
	if err != nil {
		return nil, err
	}
	if n.Type == layer.TypeDir {
		return nil, syscall.EISDIR
	}
	if !v.may(n, 4) {
		return nil, syscall.EACCES
	}
	data, err := v.o.ReadFile(p)
	if err != nil {
		return nil, errno(err)
	}
	return data, nil
}

// writeFile creates p or replaces its content, as `> p` and cp do. A new
// file gets perm less the umask and belongs to the user.
func (v vfs) writeFile(p string, data []byte, perm fs.FileMode) error {
	return v.put(p, data, int64(len(data)), perm)
}

// put is writeFile for a file whose tail is zeros: size may exceed
// len(data), as for the teaching copies of large binaries.
func (v vfs) put(p string, data []byte, size int64, perm fs.FileMode) error {
	if err := v.searchable(p); err != nil {
		return err
	}
	n, err := v.o.Stat(p)
	switch {
	case err == nil:
		if n.Type == layer.TypeDir {
			return syscall.EISDIR
		}
		if !v.may(n, 2) {
			return syscall.EACCES
		}
		if size == int64(len(data)) {
			err = v.o.WriteFile(p, data, n.Mode)
		} else {
			err = v.o.PutFile(p, data, size, n.Mode, n.UID, n.GID)
		}
		if err != nil {
			return errno(err)
		}
		return nil
	case errno(err) != syscall.ENOENT:
		return errno(err)
	}
	if err := v.parentWritable(p); err != nil {
		return err
	}
	if err := v.o.PutFile(v.target(p), data, size, perm&^v.umask, v.uid, v.gid); err != nil {
		return errno(err)
	}
	return nil
}

// target follows a dangling final symlink, so that writing through it
// creates the file it points at, as open(O_CREAT) does.
func (v vfs) target(p string) string {
	for range 8 {
		n, err := v.o.Lstat(p)
		if err != nil || n.Type != layer.TypeSymlink {
			return p
		}
		p = cleanAbs(path.Dir(p), n.Linkname)
	}
	return p
}

// appendFile adds data at the end of an existing regular file.
func (v vfs) appendFile(p string, data []byte) error {
	n, err := v.stat(p)
	if err != nil {
		return err
	}
	if n.Type == layer.TypeDir {
		return syscall.EISDIR
	}
	if !v.may(n, 2) {
		return syscall.EACCES
	}
	if err := v.o.AppendFile(p, data, n.Mode); err != nil {
		return errno(err)
	}
	return nil
}

// mkdir makes one directory owned by the user.
func (v vfs) mkdir(p string, perm fs.FileMode) error {
	if _, err := v.o.Lstat(p); err == nil {
		return syscall.EEXIST
	}
	if err := v.searchable(p); err != nil {
		return err
	}
	if err := v.parentWritable(p); err != nil {
		return err
	}
	if err := v.o.Mkdir(p, perm&^v.umask); err != nil {
		return errno(err)
	}
	return v.own(p)
}

// own gives a new path to the user that made it.
func (v vfs) own(p string) error {
	if v.uid == 0 && v.gid == 0 {
		return nil
	}
	if err := v.o.Chown(p, v.uid, v.gid); err != nil {
		return errno(err)
	}
	return nil
}

// remove deletes a file or an empty directory.
func (v vfs) remove(p string) error {
	if err := v.searchable(p); err != nil {
		return err
	}
	if _, err := v.o.Lstat(p); err != nil {
		return errno(err)
	}
	if err := v.parentWritable(p); err != nil {
		return err
	}
	if err := v.o.Remove(p); err != nil {
		return errno(err)
	}
	return nil
}

// fileInfo is an fs.FileInfo of a virtual path. Sys returns a
// *syscall.Stat_t like the real one, so code that asks for the owner gets
// the virtual owner.
type fileInfo struct {
	name string
	n    union.Node
	mode fs.FileMode // set for device nodes, which have no Node
	size int64
}

func newFileInfo(p string, n union.Node) *fileInfo {
	return &fileInfo{name: path.Base(p), n: n}
}

func (fi *fileInfo) Name() string { return fi.name }

func (fi *fileInfo) Size() int64 {
	switch {
	case fi.mode != 0:
		return fi.size
	case fi.n.Type == layer.TypeDir:
		return 4096
	case fi.n.Type == layer.TypeSymlink:
		return int64(len(fi.n.Linkname))
	}
	return fi.n.Size
}

func (fi *fileInfo) Mode() fs.FileMode {
	if fi.mode != 0 {
		return fi.mode
	}
	switch fi.n.Type {
	case layer.TypeDir:
		return fi.n.Mode | fs.ModeDir
	case layer.TypeSymlink:
		return fi.n.Mode | fs.ModeSymlink
	}
	return fi.n.Mode
}

func (fi *fileInfo) ModTime() time.Time { return modTime() }
func (fi *fileInfo) IsDir() bool        { return fi.Mode().IsDir() }

// Sys returns what the platform's stat returns, with the virtual owner, so
// code that asks a FileInfo for its owner gets the virtual one.
func (fi *fileInfo) Sys() any { return statSys(fi) }

// inode is a stable inode number for a path.
func (fi *fileInfo) inode() uint64 {
	h := fnv.New64a()
	h.Write([]byte(fi.n.Path))
	return h.Sum64()
}
