package layer

import (
	"errors"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strings"
	"unicode/utf8"
)

// Linux limits that a real extraction would run into; past them the entry
// could never exist in a container, so the layer refuses it.
const (
	maxPathLen = 4096 // PATH_MAX, including the terminating NUL of a symlink target
	maxNameLen = 255  // NAME_MAX
	maxID      = 1<<32 - 2
)

// specialBits are the mode bits an entry may carry besides the permissions.
const specialBits = fs.ModeSetuid | fs.ModeSetgid | fs.ModeSticky

// IsWhiteout reports whether p names a whiteout that deletes one lower path
// (".wh.<name>"). The opaque marker is not one: see IsOpaque.
func IsWhiteout(p string) bool {
	base := path.Base(p)
	return strings.HasPrefix(base, WhiteoutPrefix) && base != OpaqueWhiteout && len(base) > len(WhiteoutPrefix)
}

// IsOpaque reports whether p is an opaque marker, which hides everything the
// lower layers hold under its directory, path.Dir(p).
func IsOpaque(p string) bool {
	return path.Base(p) == OpaqueWhiteout
}

// WhiteoutTarget returns the path a whiteout deletes: "etc/.wh.motd" deletes
// "etc/motd". ok is false when p is not a whiteout.
func WhiteoutTarget(p string) (target string, ok bool) {
	if !IsWhiteout(p) {
		return "", false
	}
	dir, base := path.Split(p)
	return dir + base[len(WhiteoutPrefix):], true
}

// validPath checks p the way every entry path must look: relative, clean,
// slash separated, inside the root, and short enough for Linux. It runs for
// every entry of every layer, so it checks cleanliness element by element
// instead of comparing with path.Clean.
func validPath(p string) error {
	switch {
	case p == "" || p == ".":
		return errors.New("empty path")
	case len(p) >= maxPathLen:
		return fmt.Errorf("path longer than %d bytes", maxPathLen-1)
	case !utf8.ValidString(p):
		return errors.New("path is not valid UTF-8")
	case strings.IndexByte(p, 0) >= 0:
		return errors.New("path contains a NUL byte")
	case p[0] == '/':
		return errors.New("path is absolute")
	}
	for rest := p; ; {
		var name string
		var more bool
		name, rest, more = strings.Cut(rest, "/")
		switch {
		case name == "..":
			return errors.New("path escapes the root")
		case name == "" || name == ".":
			return errors.New("path is not clean")
		case len(name) > maxNameLen:
			return fmt.Errorf("name %.20q… longer than %d bytes", name, maxNameLen)
		case more && strings.HasPrefix(name, WhiteoutPrefix):
			// Nothing lives inside a whiteout, and a directory with such a
			// name cannot be represented.
			return fmt.Errorf("whiteout name %q used as a directory", name)
		}
		if !more {
			return nil
		}
	}
}

// validate checks one entry on its own; checkTree checks how entries relate.
func validate(e *Entry) error {
	if err := validPath(e.Path); err != nil {
		return err
	}
	if e.Mode&^(fs.ModePerm|specialBits) != 0 {
		return fmt.Errorf("mode %v has bits other than permissions, setuid, setgid and sticky", e.Mode)
	}
	if e.UID < 0 || e.UID > maxID || e.GID < 0 || e.GID > maxID {
		return fmt.Errorf("owner %d:%d out of range", e.UID, e.GID)
	}
	switch e.Type {
	case TypeReg:
		if e.Size < 0 {
			return fmt.Errorf("negative size %d", e.Size)
		}
		if int64(len(e.Data)) > e.Size {
			return fmt.Errorf("%d bytes of data exceed the size %d", len(e.Data), e.Size)
		}
	case TypeDir:
		if e.Size != 0 || len(e.Data) != 0 {
			return errors.New("directory with a size or data")
		}
	case TypeSymlink:
		if e.Size != 0 || len(e.Data) != 0 {
			return errors.New("symlink with a size or data")
		}
		switch {
		case e.Linkname == "":
			return errors.New("symlink without a target")
		case len(e.Linkname) >= maxPathLen:
			return fmt.Errorf("symlink target longer than %d bytes", maxPathLen-1)
		case !utf8.ValidString(e.Linkname) || strings.IndexByte(e.Linkname, 0) >= 0:
			return errors.New("symlink target is not valid UTF-8 text")
		}
	default:
		return fmt.Errorf("unknown entry type %d", e.Type)
	}
	if e.Type != TypeSymlink && e.Linkname != "" {
		return errors.New("link target on an entry that is not a symlink")
	}
	base := path.Base(e.Path)
	if !strings.HasPrefix(base, WhiteoutPrefix) {
		return nil
	}
	switch {
	case base == WhiteoutPrefix:
		return errors.New("whiteout without a name")
	case base != OpaqueWhiteout && strings.HasPrefix(base, WhiteoutPrefix+WhiteoutPrefix):
		return fmt.Errorf("reserved whiteout name %q", base)
	case e.Type != TypeReg || e.Size != 0:
		return errors.New("whiteout that is not an empty regular file")
	}
	return nil
}

// checkTree checks sorted entries against each other: no duplicates, no
// entry under a non-directory, and no whiteout of a path the same layer
// holds (OCI: files in the same layer as a whiteout can only be hidden by an
// opaque marker).
func checkTree(es []Entry) error {
	var stack []int // the chain of entries that are ancestors of the current one
	for i := range es {
		p := es[i].Path
		if i > 0 && es[i-1].Path == p {
			return fmt.Errorf("duplicate layer entry %q", p)
		}
		for len(stack) > 0 && !isAncestor(es[stack[len(stack)-1]].Path, p) {
			stack = stack[:len(stack)-1]
		}
		if len(stack) > 0 {
			if parent := es[stack[len(stack)-1]]; parent.Type != TypeDir {
				return fmt.Errorf("layer entry %q: parent %q is not a directory", p, parent.Path)
			}
		}
		stack = append(stack, i)
	}
	for i := range es {
		target, ok := WhiteoutTarget(es[i].Path)
		if !ok {
			continue
		}
		// In tar order the target and everything under it would sit
		// together, where the target sorts; the whiteout itself sorts just
		// before or after that block.
		j, found := slices.BinarySearchFunc(es, target, func(e Entry, t string) int { return Compare(e.Path, t) })
		if found || j < len(es) && isAncestor(target, es[j].Path) {
			return fmt.Errorf("layer entry %q: the same layer holds %q", es[i].Path, target)
		}
	}
	return nil
}

// isAncestor reports whether dir is a proper ancestor of p.
func isAncestor(dir, p string) bool {
	return len(p) > len(dir) && p[len(dir)] == '/' && p[:len(dir)] == dir
}

// Compare orders entry paths the way a layer tar lists them, which is the
// way a depth-first walk of a layer directory with name-sorted siblings
// meets them: "a" < "a/z" < "a-b" (unlike a plain string sort, which puts
// "a-b" before "a/z"). Among siblings the opaque marker comes first, right
// after its directory, and a whiteout ".wh.x" sits where "x" would: overlay2
// stores a deletion as a device named x, and Docker's export renames it
// while walking. Without whiteouts this is the order of a directory tree
// listed depth first, which is how merged views can be built by merging.
//
// It only looks at the first element where the paths differ, found with one
// scan, because sorting and checking order run for every layer.
func Compare(a, b string) int {
	i, n := 0, min(len(a), len(b))
	for i < n && a[i] == b[i] {
		i++
	}
	if i == len(a) && i == len(b) {
		return 0
	}
	start := strings.LastIndexByte(a[:i], '/') + 1
	ca, lastA := elemAt(a, start)
	cb, lastB := elemAt(b, start)
	if ca == cb { // one path is the other's ancestor
		if lastA {
			return -1
		}
		return 1
	}
	if oa, ob := lastA && ca == OpaqueWhiteout, lastB && cb == OpaqueWhiteout; oa != ob {
		if oa {
			return -1
		}
		return 1
	}
	if c := strings.Compare(sortName(ca), sortName(cb)); c != 0 {
		return c
	}
	return strings.Compare(ca, cb)
}

// elemAt returns the element of p that starts at byte start, and whether it
// is the last one.
func elemAt(p string, start int) (elem string, last bool) {
	if j := strings.IndexByte(p[start:], '/'); j >= 0 {
		return p[start : start+j], false
	}
	return p[start:], true
}

// sortName is the name an element is sorted by. Only a final element can
// start with the whiteout prefix (validPath), so no lastness check is needed.
func sortName(elem string) string {
	if strings.HasPrefix(elem, WhiteoutPrefix) && len(elem) > len(WhiteoutPrefix) {
		return elem[len(WhiteoutPrefix):]
	}
	return elem
}
