package union

import (
	"slices"
	"strings"

	"github.com/layerlab/layerlab/sim/layer"
)

// ref is one path of a merged view as FS stores it: which entry of which
// layer shows there, and the position just past its subtree in FS.nodes,
// so a directory's children are found by skipping from one sibling's
// subtree to the next. Twelve bytes and no pointers: a base image's view is
// small, shared by every container, and cheap to copy when a layer is
// stacked on it.
type ref struct {
	layer int32 // index in FS.layers, -1 for the root
	entry int32 // index in that layer's entries; -1-i for FS.implicit[i]
	end   int32
}

// The implicit root, and the metadata of directories a layer implies
// without listing them: what MkdirAll(parent, 0755) leaves when a layer is
// extracted.
const (
	rootPath    = "."
	implicitDir = 0o755
)

func (f *FS) entry(r ref) *layer.Entry {
	if r.entry < 0 {
		return &f.implicit[-1-r.entry]
	}
	return &f.entries[r.layer][r.entry]
}

func (f *FS) path(r ref) string { return f.entry(r).Path }

func (f *FS) node(i int32) Node {
	r := f.nodes[i]
	return Node{Entry: *f.entry(r), Layer: int(r.layer)}
}

// empty is the view of no layers: the root alone.
func empty() *FS {
	return &FS{
		implicit: []layer.Entry{{Path: rootPath, Type: layer.TypeDir, Mode: implicitDir}},
		nodes:    []ref{{layer: -1, entry: -1}},
	}
}

// stack returns the view of f's layers with l on top, not yet indexed.
// f does not change: the new view shares f's tables and appends to copies.
func (f *FS) stack(l *layer.Layer) *FS {
	g := &FS{
		layers:   append(slices.Clip(f.layers), l),
		entries:  append(slices.Clip(f.entries), l.Entries()),
		implicit: slices.Clip(f.implicit),
	}
	g.merge(f.nodes, int32(len(f.layers)))
	return g
}

// merge sets g.nodes to the view of layer li extracted over the view lower.
// Both are in layer.Compare order, which for a view is a depth-first walk
// with siblings sorted by name, so this is one linear merge:
//
//   - a path only lower has stays, unless the layer deletes it;
//   - a path only the layer has is added, and the directories it implies
//     are created (root-owned, 0755) where nothing is, or where a
//     non-directory is in the way: overlay2 shows a directory of an upper
//     layer over a file of a lower one;
//   - a path both have: directories merge and show the layer's metadata,
//     anything else is replaced, a directory with all its contents.
//
// Whiteouts and opaque markers are applied to lower first; in the merge they
// only imply their directory, as extracting them creates it.
func (g *FS) merge(lower []ref, li int32) {
	es := g.entries[li]
	lower = g.hideDeleted(lower, es)
	out := make([]ref, 1, len(lower)+len(es))
	out[0] = lower[0]

	implicit := func(p string) ref {
		g.implicit = append(g.implicit, layer.Entry{Path: p, Type: layer.TypeDir, Mode: implicitDir})
		return ref{layer: li, entry: int32(-len(g.implicit))}
	}
	// ensureDir makes sure out, sorted so far, holds the directory d ("" for
	// the root), creating what is missing and replacing a non-directory in
	// the way. Only the layer's own entries need it, and there are few of
	// those next to the view, so it searches rather than tracking the path
	// of every node copied.
	ensureDir := func(d string) {
		if d == "" {
			return
		}
		// Usually d is the node just added or one of its directories:
		// everything in out has its directories in out too.
		if last := out[len(out)-1]; isAncestor(d, g.path(last)) || g.path(last) == d && g.entry(last).Type == layer.TypeDir {
			return
		}
		have := ""
		for q := d; q != ""; q = parentDir(q) {
			k, found := slices.BinarySearchFunc(out[1:], q, func(r ref, q string) int { return layer.Compare(g.path(r), q) })
			if found {
				if e := g.entry(out[k+1]); e.Type != layer.TypeDir {
					out[k+1] = implicit(e.Path)
				}
				have = q
				break
			}
		}
		for i := len(have) + 1; i <= len(d); i++ {
			if i == len(d) || d[i] == '/' {
				out = append(out, implicit(d[:i]))
			}
		}
	}
	emit := func(j int) {
		ensureDir(parentDir(es[j].Path))
		out = append(out, ref{layer: li, entry: int32(j)})
	}

	for i, j := 1, 0; i < len(lower) || j < len(es); {
		c := 0
		switch {
		case j == len(es):
			c = -1
		case i == len(lower):
			c = 1
		default:
			c = layer.Compare(g.path(lower[i]), es[j].Path)
		}
		switch {
		case c < 0:
			out = append(out, lower[i]) // its directory is already in out
			i++
		case isDeletion(es[j].Path):
			ensureDir(parentDir(es[j].Path))
			j++
		case c > 0:
			emit(j)
			j++
		default:
			bothDirs := g.entry(lower[i]).Type == layer.TypeDir && es[j].Type == layer.TypeDir
			emit(j)
			j++
			if bothDirs {
				i++ // the lower contents follow and merge
			} else {
				i = g.skipTree(lower, i)
			}
		}
	}
	g.nodes = out
}

// hideDeleted drops from lower what the whiteouts and opaque markers of es
// delete. Most layers have none and cost nothing here.
func (g *FS) hideDeleted(lower []ref, es []layer.Entry) []ref {
	var gone, opaque map[string]struct{}
	for _, e := range es {
		if !isDeletion(e.Path) {
			continue
		}
		if t, ok := layer.WhiteoutTarget(e.Path); ok {
			if gone == nil {
				gone = make(map[string]struct{})
			}
			gone[t] = struct{}{}
		} else if layer.IsOpaque(e.Path) {
			if opaque == nil {
				opaque = make(map[string]struct{})
			}
			opaque[parentDir(e.Path)] = struct{}{}
		}
	}
	if gone == nil && opaque == nil {
		return lower
	}
	_, opaqueRoot := opaque[""]
	kept := make([]ref, 1, len(lower))
	kept[0] = lower[0]
	for _, r := range lower[1:] {
		p := g.path(r)
		_, hidden := gone[p]
		hidden = hidden || opaqueRoot
		for d := parentDir(p); d != "" && !hidden; d = parentDir(d) {
			_, gd := gone[d]
			_, od := opaque[d]
			hidden = gd || od
		}
		if !hidden {
			kept = append(kept, r)
		}
	}
	return kept
}

// isDeletion reports whether a valid layer entry path is a whiteout or an
// opaque marker: the only names that start with the whiteout prefix. It is
// the cheap test merging runs on every entry.
func isDeletion(p string) bool {
	return strings.HasPrefix(p[strings.LastIndexByte(p, '/')+1:], layer.WhiteoutPrefix)
}

// skipTree returns the position after view[i] and everything below it.
func (g *FS) skipTree(view []ref, i int) int {
	p := g.path(view[i])
	for i++; i < len(view) && isAncestor(p, g.path(view[i])); i++ {
	}
	return i
}

// freeze sets the subtree ends of the view and indexes it by path.
func (f *FS) freeze() {
	open := make([]int, 1, 16) // the root, never closed before the end
	for i := 1; i < len(f.nodes); i++ {
		p := f.path(f.nodes[i])
		for len(open) > 1 && !isAncestor(f.path(f.nodes[open[len(open)-1]]), p) {
			f.nodes[open[len(open)-1]].end = int32(i)
			open = open[:len(open)-1]
		}
		open = append(open, i)
	}
	for _, o := range open {
		f.nodes[o].end = int32(len(f.nodes))
	}
	f.index = make(map[string]int32, len(f.nodes))
	for i, r := range f.nodes {
		f.index[f.path(r)] = int32(i)
	}
}

// isAncestor reports whether dir is a proper ancestor of p (real paths, the
// root excluded).
func isAncestor(dir, p string) bool {
	return len(p) > len(dir) && p[len(dir)] == '/' && p[:len(dir)] == dir
}

// parentDir is the directory of a real path, "" for the root's children.
func parentDir(p string) string {
	if i := strings.LastIndexByte(p, '/'); i >= 0 {
		return p[:i]
	}
	return ""
}

// get returns the node at p, an exact real path: "." for the root, no
// symlinks on the way (a path under a symlink is not in the index).
func (f *FS) get(p string) (Node, bool) {
	i, ok := f.index[p]
	if !ok {
		return Node{}, false
	}
	return f.node(i), true
}

// children lists the directory at real path p in name order; nil when p is
// not a directory.
func (f *FS) children(p string) []Node {
	i, ok := f.index[p]
	if !ok || f.entry(f.nodes[i]).Type != layer.TypeDir {
		return nil
	}
	var out []Node
	for c := i + 1; c < f.nodes[i].end; c = f.nodes[c].end {
		out = append(out, f.node(c))
	}
	return out
}

// splitPath splits a real path into its directory ("" for the root) and
// last element.
func splitPath(p string) (dir, base string) {
	if i := strings.LastIndexByte(p, '/'); i >= 0 {
		return p[:i], p[i+1:]
	}
	return "", p
}

// parentOf returns the real path of p's directory, "." for the root.
func parentOf(p string) string {
	if i := strings.LastIndexByte(p, '/'); i >= 0 {
		return p[:i]
	}
	return rootPath
}

// join appends an element to a real directory path.
func join(dir, name string) string {
	if dir == rootPath || dir == "" {
		return name
	}
	return dir + "/" + name
}

// baseName is the last element of a real path.
func baseName(p string) string {
	_, base := splitPath(p)
	return base
}
