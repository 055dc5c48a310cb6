package union

import (
	"fmt"
	"io/fs"
	"slices"

	"github.com/layerlab/layerlab/sim/layer"
)

// whiteoutMode is the mode of the .wh. files Diff writes: Docker's overlay2
// export turns each whiteout device into an empty 0600 file owned by root.
const whiteoutMode = 0o600

// diff freezes the writable layer the way Docker exports an overlay2 upper
// directory: every entry of it, a .wh.<name> file for each deletion, an
// opaque marker right after each opaque directory, and the directories that
// lead to a change with their lower metadata (copy-up creates them in the
// upper directory, so the export holds them too).
func (o *Overlay) diff() (*layer.Layer, error) {
	entries := make([]layer.Entry, 0, len(o.up))
	parents := map[string]struct{}{}
	for p, u := range o.up {
		switch {
		case u.deleted:
			dir, base := splitPath(p)
			entries = append(entries, layer.Entry{Path: join(dir, layer.WhiteoutPrefix+base), Type: layer.TypeReg, Mode: whiteoutMode})
		case u.opaque:
			entries = append(entries, u.e, layer.Entry{
				Path: p + "/" + layer.OpaqueWhiteout, Type: layer.TypeReg,
				Mode: u.e.Mode & fs.ModePerm, UID: u.e.UID, GID: u.e.GID,
			})
		default:
			entries = append(entries, u.e)
		}
		for d := parentOf(p); d != rootPath; d = parentOf(d) {
			if _, ok := o.up[d]; ok {
				break // its own entry brings the directories above it
			}
			if _, ok := parents[d]; ok {
				break
			}
			parents[d] = struct{}{}
		}
	}
	for d := range parents {
		n, ok := o.lower.get(d)
		if !ok || n.Type != layer.TypeDir {
			return nil, fmt.Errorf("freezing the writable layer: %q leads to a change but is no lower directory", d)
		}
		entries = append(entries, n.Entry)
	}
	l, err := layer.New(entries)
	if err != nil {
		return nil, fmt.Errorf("freezing the writable layer: %w", err)
	}
	return l, nil
}

// changes compares the merged view with the lower one the way Docker's
// ChangesDirs compares a container's root with its image's: a path only in
// the lower view is D (and nothing below it is listed), a path only in the
// merged view is A, with everything below it, and a path in both is C when
// the writable layer changed it: any file or symlink it holds (its content
// or times changed), a directory whose type, mode or owner differ. A
// directory with any change below it is C too, listed before its contents.
// Only directories that lead to the writable layer are visited.
func (o *Overlay) changes() []Change {
	if len(o.up) == 0 {
		return nil
	}
	var out []Change
	o.compareDir(rootPath, &out)
	return out
}

func (o *Overlay) compareDir(d string, out *[]Change) {
	olds, news := o.lower.children(d), o.children(d)
	for i, j := 0, 0; i < len(olds) || j < len(news); {
		var old, cur *Node
		switch {
		case j == len(news) || i < len(olds) && olds[i].Path < news[j].Path:
			old = &olds[i]
			i++
		case i == len(olds) || news[j].Path < olds[i].Path:
			cur = &news[j]
			j++
		default:
			old, cur = &olds[i], &news[j]
			i, j = i+1, j+1
		}
		switch {
		case cur == nil:
			*out = append(*out, Change{Kind: Deleted, Path: "/" + old.Path})
		case old == nil:
			*out = append(*out, Change{Kind: Added, Path: "/" + cur.Path})
			if cur.Type == layer.TypeDir {
				o.addAll(cur.Path, out)
			}
		case o.dirty(cur.Path):
			o.compareBoth(*old, *cur, out)
		}
	}
}

// compareBoth handles a path present in both views.
func (o *Overlay) compareBoth(old, cur Node, out *[]Change) {
	_, inUp := o.up[cur.Path]
	changed := inUp && (cur.Type != layer.TypeDir || old.Type != layer.TypeDir ||
		old.Mode != cur.Mode || old.UID != cur.UID || old.GID != cur.GID)
	mark := len(*out)
	if changed {
		*out = append(*out, Change{Kind: Changed, Path: "/" + cur.Path})
	}
	switch {
	case cur.Type != layer.TypeDir:
	case old.Type == layer.TypeDir:
		o.compareDir(cur.Path, out)
	default:
		o.addAll(cur.Path, out)
	}
	if !changed && len(*out) > mark {
		*out = slices.Insert(*out, mark, Change{Kind: Changed, Path: "/" + cur.Path})
	}
}

// addAll lists everything below a directory that only the merged view has.
func (o *Overlay) addAll(d string, out *[]Change) {
	for _, k := range o.children(d) {
		*out = append(*out, Change{Kind: Added, Path: "/" + k.Path})
		if k.Type == layer.TypeDir {
			o.addAll(k.Path, out)
		}
	}
}
