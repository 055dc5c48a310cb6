package web

import (
	"strconv"
	"strings"
	"sync"
	"unicode"

	"github.com/opencontainers/go-digest"

	"github.com/layerlab/layerlab/sim"
	"github.com/layerlab/layerlab/sim/engine"
	"github.com/layerlab/layerlab/web/ui"
)

// Caption lengths: a layer's instruction is wrapped in full up to
// maxInstruction characters (the layer's details show the rest); a base
// layer's long script gets one line.
const (
	maxInstruction     = 400
	maxBaseInstruction = 90
	maxProcess         = 40
)

// vizView turns the engine's state into what the visualizer draws: the
// current host, and any other host or the registry once they hold something.
func vizView(e *engine.Engine) ui.VizView {
	v := ui.VizView{
		Host:     e.Host().Name,
		Registry: e.RegistryRefs(),
		Note:     "Base images are teaching copies: real layer counts, configs and sizes, with file contents abbreviated.",
	}
	cur, _ := e.HostState(e.Host().Name)
	v.Hosts = append(v.Hosts, hostView(e, cur, true))
	for _, name := range e.Hosts() {
		if name == cur.Name {
			continue
		}
		if st, ok := e.HostState(name); ok && (len(st.Images) > 0 || len(st.Containers) > 0) {
			v.Hosts = append(v.Hosts, hostView(e, st, false))
		}
	}
	v.Disk = diskView(cur)
	return v
}

func hostView(e *engine.Engine, st engine.HostState, current bool) ui.HostView {
	hv := ui.HostView{Name: st.Name, Current: current, Images: len(st.Images)}
	byImage := map[string][]ui.ContainerView{}
	// Containers oldest first, left to right, as they were started.
	for i := len(st.Containers) - 1; i >= 0; i-- {
		cv := containerView(st.Containers[i])
		byImage[cv.ImageID] = append(byImage[cv.ImageID], cv)
	}
	for _, vol := range st.Volumes {
		vv := ui.VolumeView{Name: vol.Name, Anonymous: vol.Anonymous, Size: sim.HumanSize(vol.Data.Size())}
		for _, c := range st.Containers {
			for _, m := range c.Mounts {
				if m.Name == vol.Name {
					vv.Mounts = append(vv.Mounts, c.Name+":"+m.Destination)
				}
			}
		}
		hv.Volumes = append(hv.Volumes, vv)
	}
	hv.Families = families(e, st.Images, byImage)
	return hv
}

func containerView(c *engine.Container) ui.ContainerView {
	cv := ui.ContainerView{
		ID: c.ShortID(), Name: c.Name, Image: c.ImageRef, ImageID: shortID(c.Image.ID().Encoded()),
		State: c.State, ExitCode: c.ExitCode, Size: sim.HumanSize(c.Upper.Size()),
		Process: clip(strings.Join(c.Cmd, " "), maxProcess),
	}
	for _, m := range c.Mounts {
		name := m.Name
		if m.Anonymous && len(name) > 12 {
			name = name[:12]
		}
		cv.Volumes = append(cv.Volumes, name+" → "+m.Destination)
	}
	for _, p := range c.Ports {
		if p.HostPort != "" {
			cv.Ports = append(cv.Ports, ui.PortView{Host: p.HostPort, Container: p.ContainerPort})
		}
	}
	return cv
}

// families groups a host's images by the run of base layers they start
// with, oldest image first. Inside a family an image that extends another
// (a commit, a FROM pageturn) is drawn over that image's name, not over a
// second copy of its layers.
func families(e *engine.Engine, images []engine.ImageInfo, byImage map[string][]ui.ContainerView) []ui.FamilyView {
	type member struct {
		info engine.ImageInfo
		base int // leading base layers
	}
	var order []string
	groups := map[string][]member{}
	for i := len(images) - 1; i >= 0; i-- { // oldest first
		img := images[i]
		k := 0
		for k < len(img.Layers) && e.IsBaseLayer(img.Layers[k].DiffID) {
			k++
		}
		key := ""
		if k > 0 {
			key = img.Layers[k-1].DiffID.String()
		}
		if _, ok := groups[key]; !ok {
			order = append(order, key)
		}
		groups[key] = append(groups[key], member{img, k})
	}
	var out []ui.FamilyView
	for _, key := range order {
		ms := groups[key]
		var fam ui.FamilyView
		if key != "" {
			b := &ui.BaseView{Name: "base layers", Teaching: true}
			chain := make([]digest.Digest, ms[0].base)
			for i := range chain {
				chain[i] = ms[0].info.Layers[i].DiffID
			}
			if n := e.BaseName(chain); n != "" {
				b.Name = n
			}
			first := ms[0]
			for _, m := range ms {
				if m.base == len(m.info.Layers) && (b.ID == "" || len(m.info.Tags) > 0) {
					first = m
					b.ID = shortID(m.info.ID.Encoded())
					b.Name = imageName(m.info)
					b.Teaching = m.info.Base
				}
			}
			if b.ID == "" {
				b.ID = shortID(first.info.ID.Encoded())
			}
			rows := baseRowsOf(e, first.info, first.base, b.ID)
			b.Layers, b.Size, b.Wasted = rows.layers, rows.size, rows.wasted
			b.SharedBy = len(ms)
			fam.Base = b
		}
		for _, m := range ms {
			id := shortID(m.info.ID.Encoded())
			iv := ui.ImageView{
				ID: id, Name: imageName(m.info), Tags: m.info.Tags, Size: sim.HumanSize(m.info.Size),
				AllLayers: len(m.info.Layers), Containers: byImage[id], BaseOnly: m.base == len(m.info.Layers),
			}
			if iv.BaseOnly && len(iv.Containers) == 0 {
				continue // the base block names it
			}
			// The longest other image of the family this one extends.
			from := m.base
			for _, o := range ms {
				n := len(o.info.Layers)
				if o.info.ID != m.info.ID && n > from && n < len(m.info.Layers) && samePrefix(o.info, m.info, n) {
					from, iv.Parent, iv.ParentLen = n, imageName(o.info), n-m.base
				}
			}
			waste := e.WastedBytes(m.info.Image)
			var total, wasted int64
			for i, l := range m.info.Layers {
				total += l.Size
				wasted += waste[i]
			}
			for i := len(m.info.Layers) - 1; i >= from; i-- {
				iv.Layers = append(iv.Layers, layerRowView(m.info.Layers[i], waste[i], id, maxInstruction))
			}
			iv.Efficiency = 100
			if total > 0 {
				iv.Efficiency = int((total - wasted) * 100 / total)
			}
			// The image's efficiency is shown when its own layers waste
			// bytes: that is what the learner can fix.
			var own int64
			for i := from; i < len(m.info.Layers); i++ {
				own += waste[i]
			}
			if own > 0 {
				iv.Wasted, iv.OwnWasted = sim.HumanSize(wasted), sim.HumanSize(own)
				iv.WasteLoud = own >= loudWaste
			}
			fam.Images = append(fam.Images, iv)
		}
		out = append(out, fam)
	}
	return out
}

// loudWaste is where hidden bytes start to matter. Below it (a
// requirements file copied twice: 13B) the picture still says how many
// bytes are hidden, quietly; from it on the layer is striped and the
// image's efficiency is shown in the alarm colour, as dive flags what a
// learner should fix.
const loudWaste = 1_000_000

func layerRowView(l engine.LayerInfo, wasted int64, image string, max int) ui.LayerView {
	lv := ui.LayerView{
		Digest: l.DiffID.String(), Short: shortID(l.DiffID.Encoded()),
		CreatedBy: clip(layerLabel(l.CreatedBy), max), Size: sim.HumanSize(l.Size), Image: image,
	}
	if wasted > 0 {
		lv.Wasted = sim.HumanSize(wasted)
		lv.WasteLoud = wasted >= loudWaste
	}
	return lv
}

// baseRows are the rows of a base block, top layer first, with its size
// and waste: the same for every session that draws the image, so they are
// made once per image and shared, read-only (baseRowCache).
type baseRows struct {
	layers       []ui.LayerView
	size, wasted string
}

// baseRowCache keeps the base blocks drawn lately: every picture of every
// learner who has python:3.12 draws its base block, and making its rows
// anew (clipping each layer's long script) was an eighth of a command.
var baseRowCache = struct {
	sync.Mutex
	m map[string]*baseRows
}{m: map[string]*baseRows{}}

const maxBaseRowCache = 512

func baseRowsOf(e *engine.Engine, img engine.ImageInfo, base int, id string) *baseRows {
	key := img.ID.String() + "/" + strconv.Itoa(base)
	baseRowCache.Lock()
	r := baseRowCache.m[key]
	baseRowCache.Unlock()
	if r != nil {
		return r
	}
	r = &baseRows{}
	waste := e.WastedBytes(img.Image)
	var size, wasted int64
	for i := base - 1; i >= 0; i-- {
		l := img.Layers[i]
		size += l.Size
		wasted += waste[i]
		r.layers = append(r.layers, layerRowView(l, waste[i], id, maxBaseInstruction))
	}
	r.size = sim.HumanSize(size)
	if wasted > 0 {
		r.wasted = sim.HumanSize(wasted)
	}
	baseRowCache.Lock()
	if len(baseRowCache.m) >= maxBaseRowCache {
		clear(baseRowCache.m) // a learner's own images came and went
	}
	baseRowCache.m[key] = r
	baseRowCache.Unlock()
	return r
}

func samePrefix(a, b engine.ImageInfo, n int) bool {
	for i := 0; i < n; i++ {
		if a.Layers[i].DiffID != b.Layers[i].DiffID {
			return false
		}
	}
	return true
}

// imageName is the tag an image is drawn under: a local name before a
// repository path (pageturn:latest before learner/pageturn:1.0).
func imageName(img engine.ImageInfo) string {
	for _, t := range img.Tags {
		if !strings.Contains(t, "/") {
			return t
		}
	}
	if len(img.Tags) > 0 {
		return img.Tags[0]
	}
	return "<none>"
}

func diskView(st engine.HostState) ui.DiskView {
	seen := map[string]bool{}
	var unique, virtual, writable, volumes int64
	for _, img := range st.Images {
		virtual += img.Size
		for _, l := range img.Layers {
			if k := l.DiffID.String(); !seen[k] {
				seen[k] = true
				unique += l.Size
			}
		}
	}
	for _, c := range st.Containers {
		writable += c.Upper.Size()
	}
	for _, vol := range st.Volumes {
		volumes += vol.Data.Size()
	}
	d := ui.DiskView{
		LayersUnique:  sim.HumanSize(unique),
		LayersVirtual: sim.HumanSize(virtual),
		Containers:    sim.HumanSize(writable),
		Volumes:       sim.HumanSize(volumes),
	}
	if total := unique + writable + volumes; total > 0 {
		d.UniquePct = pct(unique, total)
		d.ContainersPct = pct(writable, total)
		d.VolumesPct = pct(volumes, total)
	}
	return d
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

// clip shortens s to at most n characters, on a rune boundary, marking the cut.
//
// It reads no further into s than it keeps: a base layer's script may be
// kilobytes long, and every picture clips every layer's.
func clip(s string, n int) string {
	var b strings.Builder
	b.Grow(min(len(s), 2*n))
	kept := 0    // runes written to b
	cut := 0     // len of b at n-1 runes
	gap := false // a space is owed before the next word
	for _, r := range s {
		if unicode.IsSpace(r) {
			gap = kept > 0
			continue
		}
		for _, c := range [2]rune{' ', r} {
			if c == ' ' && !gap {
				continue
			}
			if kept == n-1 {
				cut = b.Len()
			}
			if kept == n {
				return strings.TrimSpace(b.String()[:cut]) + "…"
			}
			b.WriteRune(c)
			kept++
		}
		gap = false
	}
	return b.String()
}

func shortID(s string) string {
	if len(s) > 12 {
		return s[:12]
	}
	return s
}
