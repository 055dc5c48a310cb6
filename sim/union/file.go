package union

import (
	"io"
	"io/fs"
	"time"

	"github.com/layerlab/layerlab/sim/layer"
)

// FileMode returns the mode with its type bits, as fs.FileInfo reports it.
func (n Node) FileMode() fs.FileMode {
	switch n.Type {
	case layer.TypeDir:
		return n.Mode | fs.ModeDir
	case layer.TypeSymlink:
		return n.Mode | fs.ModeSymlink
	}
	return n.Mode
}

// fileInfo describes a node under the name it was reached by.
type fileInfo struct {
	name string
	n    Node
}

var _ fs.FileInfo = fileInfo{}

func (fi fileInfo) Name() string      { return fi.name }
func (fi fileInfo) Mode() fs.FileMode { return fi.n.FileMode() }
func (fi fileInfo) IsDir() bool       { return fi.n.Type == layer.TypeDir }
func (fi fileInfo) Sys() any          { return fi.n }

// ModTime is the time every layer tar records, so listings never depend on
// when a session ran.
func (fi fileInfo) ModTime() time.Time { return time.Unix(layer.ModTime, 0).UTC() }

// Size is the apparent size of a regular file and, as lstat reports it on
// Linux, the length of a symlink's target.
func (fi fileInfo) Size() int64 {
	switch fi.n.Type {
	case layer.TypeReg:
		return fi.n.Size
	case layer.TypeSymlink:
		return int64(len(fi.n.Linkname))
	}
	return 0
}

// infoName is the name fs.FileInfo reports for a path: its last element.
func infoName(p string) string {
	if p == rootPath || p == "" {
		return rootPath
	}
	return baseName(p)
}

// dirEntries turns the children of a directory into fs.DirEntry values.
func dirEntries(kids []Node) []fs.DirEntry {
	out := make([]fs.DirEntry, len(kids))
	for i, k := range kids {
		out[i] = fs.FileInfoToDirEntry(fileInfo{name: baseName(k.Path), n: k})
	}
	return out
}

// regFile is an open regular file: its leading bytes, then zeros up to its
// apparent size.
type regFile struct {
	info   fileInfo
	off    int64
	closed bool
}

var (
	_ io.ReaderAt = (*regFile)(nil)
	_ io.Seeker   = (*regFile)(nil)
)

func (f *regFile) Stat() (fs.FileInfo, error) {
	if f.closed {
		return nil, &fs.PathError{Op: "stat", Path: f.info.name, Err: fs.ErrClosed}
	}
	return f.info, nil
}

func (f *regFile) Read(b []byte) (int, error) {
	if f.closed {
		return 0, &fs.PathError{Op: "read", Path: f.info.name, Err: fs.ErrClosed}
	}
	n, err := f.ReadAt(b, f.off)
	f.off += int64(n)
	if err == io.EOF && n > 0 {
		err = nil
	}
	return n, err
}

func (f *regFile) ReadAt(b []byte, off int64) (int, error) {
	if f.closed {
		return 0, &fs.PathError{Op: "read", Path: f.info.name, Err: fs.ErrClosed}
	}
	if off < 0 {
		return 0, &fs.PathError{Op: "read", Path: f.info.name, Err: fs.ErrInvalid}
	}
	return readAt(f.info.n.Data, f.info.n.Size, b, off)
}

// readAt reads a file made of data followed by zeros up to size.
func readAt(data []byte, size int64, b []byte, off int64) (int, error) {
	if off >= size {
		return 0, io.EOF
	}
	n := int(min(int64(len(b)), size-off))
	copied := 0
	if off < int64(len(data)) {
		copied = copy(b[:n], data[off:])
	}
	clear(b[copied:n])
	if n < len(b) {
		return n, io.EOF
	}
	return n, nil
}

func (f *regFile) Seek(offset int64, whence int) (int64, error) {
	if f.closed {
		return 0, &fs.PathError{Op: "seek", Path: f.info.name, Err: fs.ErrClosed}
	}
	switch whence {
	case io.SeekCurrent:
		offset += f.off
	case io.SeekEnd:
		offset += f.info.n.Size
	}
	if offset < 0 || whence < io.SeekStart || whence > io.SeekEnd {
		return 0, &fs.PathError{Op: "seek", Path: f.info.name, Err: fs.ErrInvalid}
	}
	f.off = offset
	return offset, nil
}

func (f *regFile) Close() error {
	if f.closed {
		return &fs.PathError{Op: "close", Path: f.info.name, Err: fs.ErrClosed}
	}
	f.closed = true
	return nil
}

// dirFile is an open directory; its listing is taken when it is opened.
type dirFile struct {
	info    fileInfo
	entries []fs.DirEntry
	off     int
	closed  bool
}

var _ fs.ReadDirFile = (*dirFile)(nil)

func (d *dirFile) Stat() (fs.FileInfo, error) {
	if d.closed {
		return nil, &fs.PathError{Op: "stat", Path: d.info.name, Err: fs.ErrClosed}
	}
	return d.info, nil
}

func (d *dirFile) Read([]byte) (int, error) {
	return 0, &fs.PathError{Op: "read", Path: d.info.name, Err: ErrIsDir}
}

func (d *dirFile) ReadDir(count int) ([]fs.DirEntry, error) {
	if d.closed {
		return nil, &fs.PathError{Op: "readdir", Path: d.info.name, Err: fs.ErrClosed}
	}
	rest := d.entries[d.off:]
	if count <= 0 {
		d.off = len(d.entries)
		return rest, nil
	}
	if len(rest) == 0 {
		return nil, io.EOF
	}
	rest = rest[:min(count, len(rest))]
	d.off += len(rest)
	return rest, nil
}

func (d *dirFile) Close() error {
	if d.closed {
		return &fs.PathError{Op: "close", Path: d.info.name, Err: fs.ErrClosed}
	}
	d.closed = true
	return nil
}

// open returns the fs.File for a resolved node reached by name.
func open(name string, n Node, kids func() []Node) fs.File {
	info := fileInfo{name: infoName(name), n: n}
	if n.Type == layer.TypeDir {
		return &dirFile{info: info, entries: dirEntries(kids())}
	}
	return &regFile{info: info}
}

// content materializes a regular file: its data, then zeros up to its size.
func content(n Node) []byte {
	b := make([]byte, n.Size)
	copy(b, n.Data)
	return b
}
