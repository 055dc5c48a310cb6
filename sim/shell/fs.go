package shell

import (
	"io/fs"

	"github.com/layerlab/layerlab/sim/union"
)

// FS is the filesystem a shell and its programs work on. A container's
// *union.Overlay is one; the engine wraps it to send paths under a volume's
// mount point to the volume instead of the writable layer, as the kernel's
// mount table does.
type FS interface {
	Stat(name string) (union.Node, error)
	Lstat(name string) (union.Node, error)
	ReadFile(name string) ([]byte, error)
	ReadDir(name string) ([]union.Node, error)
	Readlink(name string) (string, error)
	WriteFile(name string, data []byte, perm fs.FileMode) error
	AppendFile(name string, data []byte, perm fs.FileMode) error
	PutFile(name string, data []byte, size int64, perm fs.FileMode, uid, gid int) error
	Mkdir(name string, perm fs.FileMode) error
	MkdirAll(name string, perm fs.FileMode) error
	Remove(name string) error
	RemoveAll(name string) error
	Rename(oldname, newname string) error
	Symlink(target, newname string) error
	Chmod(name string, mode fs.FileMode) error
	Chown(name string, uid, gid int) error
}

var _ FS = (*union.Overlay)(nil)
