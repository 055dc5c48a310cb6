package shell

import (
	"errors"
	"io/fs"

	"github.com/layerlab/layerlab/sim"
)

// limitFS ends the run when a write reaches one of the session's storage
// limits (see union.Quota): the program that wrote sees ENOSPC, as on a
// full disk, and the run stops with a message that names the limit, so a
// loop cannot go on trying.
type limitFS struct {
	FS
	s *Shell
}

func (l limitFS) check(err error) error {
	if err == nil || !errors.Is(err, sim.ErrLimit) {
		return err
	}
	msg := err
	if pe, ok := err.(*fs.PathError); ok {
		msg = pe.Err
	}
	l.s.stop(ErrBudget, 1, err, "layerlab stopped the script: %v", msg)
	return err
}

func (l limitFS) WriteFile(name string, data []byte, perm fs.FileMode) error {
	return l.check(l.FS.WriteFile(name, data, perm))
}

func (l limitFS) AppendFile(name string, data []byte, perm fs.FileMode) error {
	return l.check(l.FS.AppendFile(name, data, perm))
}

func (l limitFS) PutFile(name string, data []byte, size int64, perm fs.FileMode, uid, gid int) error {
	return l.check(l.FS.PutFile(name, data, size, perm, uid, gid))
}

func (l limitFS) Mkdir(name string, perm fs.FileMode) error {
	return l.check(l.FS.Mkdir(name, perm))
}

func (l limitFS) MkdirAll(name string, perm fs.FileMode) error {
	return l.check(l.FS.MkdirAll(name, perm))
}

func (l limitFS) Remove(name string) error    { return l.check(l.FS.Remove(name)) }
func (l limitFS) RemoveAll(name string) error { return l.check(l.FS.RemoveAll(name)) }

func (l limitFS) Rename(oldname, newname string) error {
	return l.check(l.FS.Rename(oldname, newname))
}

func (l limitFS) Symlink(target, newname string) error {
	return l.check(l.FS.Symlink(target, newname))
}

func (l limitFS) Chmod(name string, mode fs.FileMode) error {
	return l.check(l.FS.Chmod(name, mode))
}

func (l limitFS) Chown(name string, uid, gid int) error {
	return l.check(l.FS.Chown(name, uid, gid))
}
