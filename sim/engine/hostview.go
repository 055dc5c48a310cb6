package engine

import (
	"slices"
	"sort"

	"github.com/opencontainers/go-digest"

	"github.com/layerlab/layerlab/sim/image"
	"github.com/layerlab/layerlab/sim/layer"
	"github.com/layerlab/layerlab/sim/union"
)

// HostState is what one host holds, read-only: the visualizer draws every
// host side by side, not only the current one.
type HostState struct {
	Name       string
	Images     []ImageInfo  // newest first, as docker images lists them
	Containers []*Container // newest first
	Volumes    []*Volume    // by name
}

// HostState reports a host by name; ok is false for an unknown host.
func (e *Engine) HostState(name string) (HostState, bool) {
	h, ok := e.hosts[name]
	if !ok {
		return HostState{}, false
	}
	s := HostState{Name: name, Images: h.imageInfos(), Containers: slices.Clone(h.containers)}
	slices.Reverse(s.Containers)
	for _, v := range h.volumes {
		s.Volumes = append(s.Volumes, v)
	}
	sort.Slice(s.Volumes, func(i, j int) bool { return s.Volumes[i].Name < s.Volumes[j].Name })
	return s, true
}

// BaseName names the base image made of exactly these layers, bottom
// first ("python:3.12"), so a host that holds only an image built on it can
// still say what it stands on; "" when no base image is made of them. The
// whole chain counts: two bases may end with the same layer.
func (e *Engine) BaseName(chain []digest.Digest) string {
	same := func(ls []*layer.Layer) bool {
		if len(ls) != len(chain) {
			return false
		}
		for i, l := range ls {
			if l.DiffID() != chain[i] {
				return false
			}
		}
		return true
	}
	var names []string
	for b, img := range e.lib.images {
		if same(img.Layers()) {
			names = append(names, b.Ref)
		}
	}
	for ref, img := range e.lib.imported {
		if same(img.Layers()) {
			names = append(names, ref)
		}
	}
	sort.Strings(names)
	if len(names) == 0 {
		return ""
	}
	return names[0]
}

// WastedBytes is, per layer of an image (bottom first), the bytes of its
// files that a later layer of the same image hides, by a whiteout or a new
// copy: they are still stored and pulled, and nothing can read them (what
// dive calls wasted space). Images never change, so it is computed once
// per image and shared.
func (e *Engine) WastedBytes(img *image.Image) []int64 {
	l := e.lib
	l.views.mu.Lock()
	w, ok := l.views.wasted[img.ID()]
	l.views.mu.Unlock()
	if ok {
		return w
	}
	layers := img.Layers()
	w = make([]int64, len(layers))
	// Not the shared view cache: an embed's one-off image would fill it.
	top := union.New(layers...)
	for i, ly := range layers[:max(len(layers)-1, 0)] {
		for _, ent := range ly.Entries() {
			if ent.Size == 0 {
				continue
			}
			if n, ok := top.Lookup(ent.Path); !ok || n.Layer != i {
				w[i] += ent.Size
			}
		}
	}
	l.views.mu.Lock()
	if l.views.wasted == nil {
		l.views.wasted = map[digest.Digest][]int64{}
	}
	if len(l.views.wasted) < maxViews {
		l.views.wasted[img.ID()] = w
	}
	l.views.mu.Unlock()
	return w
}
