package union

import (
	"io/fs"
	"strings"
	"syscall"

	"github.com/layerlab/layerlab/sim/layer"
)

// Errors a path operation can fail with besides those of io/fs. They are
// the kernel's error numbers, so a shell can print them the way a real one
// does ("Not a directory"); syscall.Errno is a plain value and touches
// nothing on the host.
const (
	ErrNotDir      = syscall.ENOTDIR
	ErrIsDir       = syscall.EISDIR
	ErrNotEmpty    = syscall.ENOTEMPTY
	ErrCrossDevice = syscall.EXDEV // renaming a directory that lower layers hold, as overlay2 refuses
	ErrLoop        = syscall.ELOOP
	ErrBusy        = syscall.EBUSY // removing or renaming the root
	ErrNameTooLong = syscall.ENAMETOOLONG
)

// validID reports whether a uid or gid fits Linux's 32 bits (-1 is the
// kernel's "no change").
func validID(id int) bool { return id >= 0 && id <= 1<<32-2 }

// maxSymlinks is how many symlinks one lookup may follow before failing
// with ELOOP: Linux's MAXSYMLINKS.
const maxSymlinks = 40

// getter looks up an exact real path in a view (FS or Overlay).
type getter func(p string) (Node, bool)

// walk resolves name in the view of get, one element at a time like the
// kernel: "." and ".." (which stops at the root) are applied to the path
// resolved so far, and symlinks are followed inside the root, in every
// element but the last, and in the last too when follow is set. A trailing
// slash makes the last element an inner one, as in POSIX.
//
// It returns the real path name leads to. found is false with a nil error
// when everything but the last element exists: p is then where the last
// element would be created. Other failures are fs.ErrNotExist, ErrNotDir and
// ErrLoop.
func walk(get getter, name string, follow bool) (p string, n Node, found bool, err error) {
	cur := rootPath
	curNode, _ := get(rootPath)
	rest := name
	hops := 0
	for {
		rest = strings.TrimLeft(rest, "/")
		if rest == "" {
			return cur, curNode, true, nil
		}
		elem, after, inner := strings.Cut(rest, "/")
		rest = after
		switch elem {
		case ".":
			continue
		case "..":
			cur = parentOf(cur)
			curNode, _ = get(cur)
			continue
		}
		next := join(cur, elem)
		n, ok := get(next)
		if !ok {
			if inner && strings.Trim(after, "/") != "" {
				return next, Node{}, false, fs.ErrNotExist
			}
			return next, Node{}, false, nil
		}
		if n.Type == layer.TypeSymlink && (inner || follow) {
			if hops++; hops > maxSymlinks {
				return next, Node{}, false, ErrLoop
			}
			if strings.HasPrefix(n.Linkname, "/") {
				cur = rootPath
				curNode, _ = get(rootPath)
			}
			if after != "" {
				rest = n.Linkname + "/" + after
			} else if inner {
				rest = n.Linkname + "/"
			} else {
				rest = n.Linkname
			}
			continue
		}
		if inner && n.Type != layer.TypeDir {
			return next, Node{}, false, ErrNotDir
		}
		cur, curNode = next, n
	}
}

// lookup resolves name fully and fails with fs.ErrNotExist when its last
// element is missing too.
func lookup(get getter, name string, follow bool) (string, Node, error) {
	p, n, found, err := walk(get, name, follow)
	if err == nil && !found {
		err = fs.ErrNotExist
	}
	return p, n, err
}

// fastLookup is lookup for an io/fs name that is already clean: when the
// path is in the view as it stands, no element on the way can be a symlink,
// so one exact lookup answers and no path is built.
func fastLookup(get getter, name string, follow bool) (string, Node, error) {
	if n, ok := get(name); ok && (n.Type != layer.TypeSymlink || !follow) {
		return name, n, nil
	}
	return lookup(get, name, follow)
}
