package union

import (
	"io/fs"

	"github.com/layerlab/layerlab/sim/layer"
)

// The io/fs interfaces FS implements; fs.ReadLinkFS lets fstest.TestFS and
// callers see symlinks themselves.
var (
	_ fs.StatFS     = (*FS)(nil)
	_ fs.ReadDirFS  = (*FS)(nil)
	_ fs.ReadFileFS = (*FS)(nil)
	_ fs.ReadLinkFS = (*FS)(nil)
)

// resolveName checks an io/fs name and resolves it, following a final
// symlink when follow is set.
func (f *FS) resolveName(op, name string, follow bool) (string, Node, error) {
	if !fs.ValidPath(name) {
		return "", Node{}, &fs.PathError{Op: op, Path: name, Err: fs.ErrInvalid}
	}
	p, n, err := fastLookup(f.get, name, follow)
	if err != nil {
		return "", Node{}, &fs.PathError{Op: op, Path: name, Err: err}
	}
	return p, n, nil
}

// Open opens name, following symlinks. Directories implement
// fs.ReadDirFile; regular files also io.ReaderAt and io.Seeker.
func (f *FS) Open(name string) (fs.File, error) {
	p, n, err := f.resolveName("open", name, true)
	if err != nil {
		return nil, err
	}
	return open(name, n, func() []Node { return f.children(p) }), nil
}

// Stat describes name, following symlinks. Its Sys is the Node.
func (f *FS) Stat(name string) (fs.FileInfo, error) {
	_, n, err := f.resolveName("stat", name, true)
	if err != nil {
		return nil, err
	}
	return fileInfo{name: infoName(name), n: n}, nil
}

// Lstat describes name itself, even when it is a symlink.
func (f *FS) Lstat(name string) (fs.FileInfo, error) {
	_, n, err := f.resolveName("lstat", name, false)
	if err != nil {
		return nil, err
	}
	return fileInfo{name: infoName(name), n: n}, nil
}

// ReadLink returns the target of the symlink name.
func (f *FS) ReadLink(name string) (string, error) {
	_, n, err := f.resolveName("readlink", name, false)
	if err != nil {
		return "", err
	}
	if n.Type != layer.TypeSymlink {
		return "", &fs.PathError{Op: "readlink", Path: name, Err: fs.ErrInvalid}
	}
	return n.Linkname, nil
}

// ReadDir lists the directory name, sorted by name.
func (f *FS) ReadDir(name string) ([]fs.DirEntry, error) {
	p, n, err := f.resolveName("readdir", name, true)
	if err != nil {
		return nil, err
	}
	if n.Type != layer.TypeDir {
		return nil, &fs.PathError{Op: "readdir", Path: name, Err: ErrNotDir}
	}
	return dirEntries(f.children(p)), nil
}

// ReadFile returns the whole content of name: its data, then zeros up to
// its apparent size.
func (f *FS) ReadFile(name string) ([]byte, error) {
	_, n, err := f.resolveName("open", name, true)
	if err != nil {
		return nil, err
	}
	if n.Type == layer.TypeDir {
		return nil, &fs.PathError{Op: "read", Path: name, Err: ErrIsDir}
	}
	return content(n), nil
}
