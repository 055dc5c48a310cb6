package web

import (
	"strings"

	"layerlab/sim"
	"layerlab/sim/engine"
	"layerlab/web/ui"
)

// vizView turns the engine's state into what the visualizer draws.
func vizView(e *engine.Engine) ui.VizView {
	images := e.Images()
	v := ui.VizView{
		Host:  e.Host().Name,
		Hosts: e.Hosts(),
		Note:  "Base images are teaching copies: real layer counts, configs and sizes, with file contents abbreviated.",
	}
	if refs := e.RegistryRefs(); len(refs) > 0 {
		v.Registry = refs
	}
	shared := map[string]int{}
	var unique, virtual int64
	seen := map[string]bool{}
	for _, img := range images {
		virtual += img.Size
		for _, l := range img.Layers {
			k := l.DiffID.String()
			shared[k]++
			if !seen[k] {
				seen[k] = true
				unique += l.Size
			}
		}
	}
	byImage := map[string][]ui.ContainerView{}
	var writable int64
	for _, c := range e.Containers() {
		cv := ui.ContainerView{
			ID: c.ShortID(), Name: c.Name, Image: c.ImageRef, ImageID: shortID(c.Image.ID().Encoded()),
			State: c.State, Size: sim.HumanSize(c.Upper.Size()),
		}
		for _, m := range c.Mounts {
			name := m.Name
			if m.Anonymous && len(name) > 12 {
				name = name[:12]
			}
			cv.Volumes = append(cv.Volumes, name+" → "+m.Destination)
		}
		writable += c.Upper.Size()
		byImage[cv.ImageID] = append(byImage[cv.ImageID], cv)
		v.Containers = append(v.Containers, cv)
	}
	var volumes int64
	for _, vol := range e.Volumes() {
		vv := ui.VolumeView{Name: vol.Name, Anonymous: vol.Anonymous, Size: sim.HumanSize(vol.Data.Size())}
		volumes += vol.Data.Size()
		for _, c := range e.Containers() {
			for _, m := range c.Mounts {
				if m.Name == vol.Name {
					vv.Mounts = append(vv.Mounts, c.Name+":"+m.Destination)
				}
			}
		}
		v.Volumes = append(v.Volumes, vv)
	}
	// The tree of shared layer runs, built bottom up.
	root := &trieNode{}
	for _, img := range images {
		id := shortID(img.ID.Encoded())
		iv := ui.ImageView{ID: id, Tags: img.Tags, Size: sim.HumanSize(img.Size), Base: img.Base, Containers: byImage[id]}
		n := root
		for _, l := range img.Layers {
			lv := ui.LayerView{
				Digest:    l.DiffID.String(),
				Short:     shortID(l.DiffID.Encoded()),
				CreatedBy: layerLabel(l.CreatedBy),
				Size:      sim.HumanSize(l.Size),
				SharedBy:  shared[l.DiffID.String()],
				Base:      e.IsBaseLayer(l.DiffID),
				Image:     id,
			}
			iv.Layers = append(iv.Layers, lv)
			n = n.child(lv)
		}
		n.tips = append(n.tips, iv)
		v.Images = append(v.Images, iv)
	}
	for _, c := range root.children {
		v.Forest = append(v.Forest, c.stack())
	}
	if len(root.tips) > 0 {
		v.Forest = append(v.Forest, ui.StackNode{Tips: root.tips, Width: len(root.tips)})
	}
	total := unique + writable + volumes
	v.Disk = ui.DiskView{
		LayersUnique:  sim.HumanSize(unique),
		LayersVirtual: sim.HumanSize(virtual),
		Containers:    sim.HumanSize(writable),
		Volumes:       sim.HumanSize(volumes),
	}
	if total > 0 {
		v.Disk.UniquePct = pct(unique, total)
		v.Disk.ContainersPct = pct(writable, total)
		v.Disk.VolumesPct = pct(volumes, total)
	}
	return v
}

// pct is a share of the meter, at least 1 when the part is not empty so a
// small writable layer still shows.
func pct(part, total int64) int {
	if part == 0 {
		return 0
	}
	p := int(part * 100 / total)
	if p < 1 {
		p = 1
	}
	return p
}

// layerLabel shortens a history line for a layer's caption: BuildKit's
// marker and the shell prefix teach nothing there.
func layerLabel(createdBy string) string {
	s := strings.TrimSpace(strings.TrimSuffix(createdBy, " # buildkit"))
	s = strings.Replace(s, "RUN /bin/sh -c ", "RUN ", 1)
	s = strings.TrimPrefix(s, "/bin/sh -c #(nop) ")
	s = strings.TrimPrefix(s, "/bin/sh -c ")
	if s == "" {
		s = "(layer)"
	}
	return s
}

// trieNode is one layer in the tree of images sharing layers.
type trieNode struct {
	layer    ui.LayerView
	children []*trieNode
	tips     []ui.ImageView
}

func (n *trieNode) child(l ui.LayerView) *trieNode {
	for _, c := range n.children {
		if c.layer.Digest == l.Digest {
			return c
		}
	}
	c := &trieNode{layer: l}
	n.children = append(n.children, c)
	return c
}

// stack compresses a chain of single-child nodes into one run of layers.
func (n *trieNode) stack() ui.StackNode {
	var run []ui.LayerView
	cur := n
	for {
		run = append(run, cur.layer)
		if len(cur.children) != 1 || len(cur.tips) > 0 {
			break
		}
		cur = cur.children[0]
	}
	s := ui.StackNode{Tips: cur.tips}
	for i := len(run) - 1; i >= 0; i-- {
		s.Layers = append(s.Layers, run[i])
	}
	for _, c := range cur.children {
		cs := c.stack()
		s.Children = append(s.Children, cs)
		s.Width += cs.Width
	}
	s.Width += len(cur.tips)
	return s
}

func shortID(s string) string {
	if len(s) > 12 {
		return s[:12]
	}
	return s
}
