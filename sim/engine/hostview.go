package engine

import (
	"slices"
	"sort"
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
