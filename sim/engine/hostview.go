package engine

import (
	"slices"
	"sort"

	"github.com/opencontainers/go-digest"
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

// BaseName names the base image whose top layer is top ("python:3.12"), so
// a host that holds only an image built on it can still say what it stands
// on; "" when no base image ends with that layer.
func (e *Engine) BaseName(top digest.Digest) string {
	var names []string
	for b, img := range e.lib.images {
		if ls := img.Layers(); len(ls) > 0 && ls[len(ls)-1].DiffID() == top {
			names = append(names, b.Ref)
		}
	}
	for ref, img := range e.lib.imported {
		if ls := img.Layers(); len(ls) > 0 && ls[len(ls)-1].DiffID() == top {
			names = append(names, ref)
		}
	}
	sort.Strings(names)
	if len(names) == 0 {
		return ""
	}
	return names[0]
}
