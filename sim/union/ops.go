package union

import (
	"io/fs"
	"strings"
	"unicode/utf8"

	"github.com/layerlab/layerlab/sim/layer"
)

func (o *Overlay) stat(op, name string, follow bool) (Node, error) {
	_, n, err := o.lookup(name, follow)
	if err != nil {
		return Node{}, pathErr(op, name, err)
	}
	return n, nil
}

func (o *Overlay) mkdir(name string, perm fs.FileMode) error {
	p, _, found, err := o.walk(name, false)
	switch {
	case err != nil:
		return pathErr("mkdir", name, err)
	case found:
		return pathErr("mkdir", name, fs.ErrExist)
	}
	if err := o.create(p, layer.Entry{Type: layer.TypeDir, Mode: normMode(perm)}); err != nil {
		return pathErr("mkdir", name, err)
	}
	return nil
}

// mkdirAll creates each missing directory of name in turn, following
// symlinks to directories on the way, as mkdir -p does.
func (o *Overlay) mkdirAll(name string, perm fs.FileMode) error {
	prefix := ""
	if strings.HasPrefix(name, "/") {
		prefix = "/"
	}
	for rest := name; ; {
		rest = strings.TrimLeft(rest, "/")
		if rest == "" {
			return nil
		}
		elem, after, _ := strings.Cut(rest, "/")
		rest = after
		prefix += elem
		p, n, found, err := o.walk(prefix, false)
		if err == nil && found && n.Type == layer.TypeSymlink {
			// A link to a directory will do; a dangling one is in the
			// way, as mkdir(2) does not follow it.
			_, n, err = o.lookup(prefix, true)
			if err == fs.ErrNotExist {
				err = fs.ErrExist
			}
		}
		switch {
		case err != nil:
			return pathErr("mkdir", name, err)
		case !found:
			if err := o.create(p, layer.Entry{Type: layer.TypeDir, Mode: normMode(perm)}); err != nil {
				return pathErr("mkdir", name, err)
			}
		case n.Type != layer.TypeDir:
			return pathErr("mkdir", name, ErrNotDir)
		}
		prefix += "/"
	}
}

func (o *Overlay) removeName(name string, all bool) error {
	p, n, err := o.lookup(name, false)
	switch {
	case err == fs.ErrNotExist && all:
		return nil
	case err != nil:
		return pathErr("remove", name, err)
	case p == rootPath:
		return pathErr("remove", name, ErrBusy)
	case !all && n.Type == layer.TypeDir && !o.isEmptyDir(p):
		return pathErr("remove", name, ErrNotEmpty)
	}
	if o.lowerHas(p) {
		if err := o.admitCopyUp(p); err != nil { // the whiteout
			return pathErr("remove", name, err)
		}
	}
	o.remove(p)
	return nil
}

func (o *Overlay) rename(oldname, newname string) error {
	po, no, err := o.lookup(oldname, false)
	if err != nil {
		return pathErr("rename", oldname, err)
	}
	pn, nn, found, err := o.walk(newname, false)
	switch {
	case err != nil:
		return pathErr("rename", newname, err)
	case po == rootPath || pn == rootPath:
		return pathErr("rename", oldname, ErrBusy)
	case po == pn:
		return nil
	case strings.HasPrefix(pn, po+"/"):
		return pathErr("rename", newname, fs.ErrInvalid) // into itself
	}
	if err := checkName(pn); err != nil {
		return pathErr("rename", newname, err)
	}
	if found {
		switch {
		case no.Type == layer.TypeDir && nn.Type != layer.TypeDir:
			return pathErr("rename", newname, ErrNotDir)
		case no.Type != layer.TypeDir && nn.Type == layer.TypeDir:
			return pathErr("rename", newname, ErrIsDir)
		case nn.Type == layer.TypeDir && !o.isEmptyDir(pn):
			return pathErr("rename", newname, ErrNotEmpty)
		}
	}
	if err := o.admit(pn, -1, 2*EntryCost+int64(len(pn)+len(po))); err != nil {
		return pathErr("rename", newname, err)
	}
	if no.Type != layer.TypeDir {
		u := o.copyUp(po, no)
		moved := &upEntry{e: u.e, shared: u.shared}
		o.remove(po)
		o.dropUnder(pn)
		o.set(pn, moved)
		return nil
	}
	// Only a directory that lives in the writable layer alone can move:
	// overlay2 without redirect_dir cannot record that a lower one moved.
	if u, ok := o.up[po]; !ok || !u.opaque && o.lowerHas(po) {
		return pathErr("rename", oldname, ErrCrossDevice)
	}
	var moved []*upEntry
	for _, k := range append([]string{po}, o.below(po)...) {
		moved = append(moved, o.up[k])
		o.del(k)
	}
	o.remove(po)
	o.dropUnder(pn)
	for _, u := range moved {
		p := pn + strings.TrimPrefix(u.e.Path, po)
		if p == pn {
			if u.opaque = o.lowerHas(pn); u.opaque && o.hooks.Whiteout != nil {
				o.hooks.Whiteout("/"+pn, true)
			}
		}
		o.set(p, u)
	}
	return nil
}

func (o *Overlay) symlink(target, newname string) error {
	switch {
	case target == "":
		return pathErr("symlink", newname, fs.ErrNotExist) // Linux refuses empty targets with ENOENT
	case len(target) >= 4096:
		return pathErr("symlink", newname, ErrNameTooLong)
	case strings.IndexByte(target, 0) >= 0 || !utf8.ValidString(target):
		return pathErr("symlink", newname, fs.ErrInvalid)
	}
	p, _, found, err := o.walk(newname, false)
	switch {
	case err != nil:
		return pathErr("symlink", newname, err)
	case found:
		return pathErr("symlink", newname, fs.ErrExist)
	}
	if err := o.create(p, layer.Entry{Type: layer.TypeSymlink, Mode: fs.ModePerm, Linkname: target}); err != nil {
		return pathErr("symlink", newname, err)
	}
	return nil
}

// chattr changes the metadata of name's target, copying it up first.
func (o *Overlay) chattr(op, name string, follow bool, change func(e *layer.Entry)) error {
	p, n, err := o.lookup(name, follow)
	if err != nil {
		return pathErr(op, name, err)
	}
	if p == rootPath {
		return nil
	}
	if err := o.admitCopyUp(p); err != nil {
		return pathErr(op, name, err)
	}
	u := o.copyUp(p, n)
	change(&u.e)
	o.recost(u)
	return nil
}
