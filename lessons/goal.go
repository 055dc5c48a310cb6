package lessons

import (
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"

	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/vm"

	"github.com/layerlab/layerlab/sim"
	"github.com/layerlab/layerlab/sim/engine"
	"github.com/layerlab/layerlab/sim/layer"
	"github.com/layerlab/layerlab/sim/union"
)

// Env is the vocabulary of goal expressions: every name an author may use.
// docs/authoring.md lists it with examples; keep the two in step.
type Env struct {
	Images      func() []Image                                      `expr:"images"`
	Image       func(ref string) *Image                             `expr:"image"`
	Containers  func(filter ...map[string]any) ([]Container, error) `expr:"containers"`
	Container   func(ref string) *Container                         `expr:"container"`
	File        func(container, path string) File                   `expr:"file"`
	Changes     func(container string) []string                     `expr:"changes"`
	Volumes     func() []Volume                                     `expr:"volumes"`
	VolumeFile  func(volume, path string) File                      `expr:"volume_file"`
	Hosts       func() []string                                     `expr:"hosts"`
	CurrentHost string                                              `expr:"current_host"`
	RegistryHas func(ref string) bool                               `expr:"registry_has"`
	History     func(ref string) []HistoryEntry                     `expr:"history"`
	ContextFile func(path string) string                            `expr:"context_file"`
	CachedSteps int                                                 `expr:"cached_steps"`
	BuiltLayers int                                                 `expr:"built_layers"`
	Builds      int                                                 `expr:"builds"`
}

// Image is an image on the current host.
type Image struct {
	ID      string   `expr:"id"` // sha256:…
	ShortID string   `expr:"short_id"`
	Tags    []string `expr:"tags"`
	Size    int64    `expr:"size"`
	Layers  []Layer  `expr:"layers"` // bottom first
	Base    bool     `expr:"base"`
}

// Layer is one read-only layer of an image.
type Layer struct {
	Digest    string `expr:"digest"`
	Size      int64  `expr:"size"`
	CreatedBy string `expr:"created_by"`
}

// Container is a container on the current host.
type Container struct {
	ID       string   `expr:"id"`
	Name     string   `expr:"name"`
	Image    string   `expr:"image"`    // the reference it was started from
	ImageID  string   `expr:"image_id"` // sha256:…
	State    string   `expr:"state"`    // created, running, paused, exited
	ExitCode int      `expr:"exit_code"`
	Size     int64    `expr:"size"` // its writable layer
	Volumes  []string `expr:"volumes"`
	// Ports are its published ports as "HOST->CONTAINER", e.g.
	// "8001->8000/tcp"; Restart its restart policy (no, always,
	// unless-stopped, on-failure); Command its main process.
	Ports   []string `expr:"ports"`
	Restart string   `expr:"restart"`
	Command string   `expr:"command"`
}

// File is a path as seen from inside a container (or a volume).
type File struct {
	Exists  bool   `expr:"exists"`
	IsDir   bool   `expr:"is_dir"`
	Content string `expr:"content"`
	Size    int64  `expr:"size"`
}

// Volume is a volume on the current host.
type Volume struct {
	Name      string `expr:"name"`
	Anonymous bool   `expr:"anonymous"`
}

// HistoryEntry is one line of docker history, oldest first.
type HistoryEntry struct {
	CreatedBy  string `expr:"created_by"`
	EmptyLayer bool   `expr:"empty_layer"`
	Size       int64  `expr:"size"`
}

// Goal is a compiled goal expression.
type Goal struct {
	src  string
	prog *vm.Program
}

// CompileGoal compiles a goal; unknown names and non-boolean results are
// errors here, not when a learner is waiting.
func CompileGoal(src string) (*Goal, error) {
	prog, err := expr.Compile(src, expr.Env(Env{}), expr.AsBool())
	if err != nil {
		return nil, fmt.Errorf("%s", firstLine(err.Error()))
	}
	return &Goal{src: src, prog: prog}, nil
}

func firstLine(s string) string {
	if i := strings.Index(s, "\n"); i >= 0 {
		return s[:i]
	}
	return s
}

// String is the goal's source.
func (g *Goal) String() string { return g.src }

// Met evaluates the goal. An expression that fails at run time (a missing
// image's layers, say) is simply not met; the error says why, for authors.
func (g *Goal) Met(env Env) (bool, error) {
	out, err := expr.Run(g.prog, env)
	if err != nil {
		return false, fmt.Errorf("%s", firstLine(err.Error()))
	}
	b, _ := out.(bool)
	return b, nil
}

// BuildFacts is what the last docker build did, gathered from its events:
// the engine keeps no record of past builds.
type BuildFacts struct {
	Builds      int // builds that finished
	CachedSteps int // in the last one
	BuiltLayers int // in the last one
}

// Observe updates the facts with one command's events.
func (b *BuildFacts) Observe(events []sim.Event) {
	cached, built, started := 0, 0, false
	for _, ev := range events {
		switch ev.Type {
		case sim.EvStepStarted:
			started = true
		case sim.EvStepCached:
			started = true
			cached++
		case sim.EvLayerCreated:
			built++
		case sim.EvImageBuilt:
			b.Builds++
			b.CachedSteps, b.BuiltLayers = cached, built
			return
		}
	}
	_ = started
}

// NewEnv binds the vocabulary to one engine.
func NewEnv(e *engine.Engine, facts BuildFacts) Env {
	images := func() []Image {
		var out []Image
		for _, info := range e.Images() {
			out = append(out, imageOf(info))
		}
		return out
	}
	return Env{
		Images: images,
		Image: func(ref string) *Image {
			img, err := e.ResolveImage(ref)
			if err != nil {
				return nil
			}
			for _, info := range e.Images() {
				if info.ID == img.ID() {
					i := imageOf(info)
					return &i
				}
			}
			return nil
		},
		Containers: func(filter ...map[string]any) ([]Container, error) {
			var want map[string]string
			if len(filter) > 1 {
				return nil, fmt.Errorf("containers takes at most one filter, like containers({image: \"pageturn\", state: \"running\"})")
			}
			if len(filter) == 1 {
				want = map[string]string{}
				for k, v := range filter[0] {
					if k != "image" && k != "state" && k != "name" {
						return nil, fmt.Errorf("containers: unknown filter %q (use image, state or name)", k)
					}
					s, ok := v.(string)
					if !ok {
						return nil, fmt.Errorf("containers: filter %s must be a string", k)
					}
					want[k] = s
				}
			}
			var out []Container
			for _, c := range e.Containers() {
				if ref, ok := want["image"]; ok && !fromImage(e, c, ref) {
					continue
				}
				if s, ok := want["state"]; ok && c.State != s {
					continue
				}
				if n, ok := want["name"]; ok && c.Name != n {
					continue
				}
				out = append(out, containerOf(c))
			}
			return out, nil
		},
		Container: func(ref string) *Container {
			c, err := e.FindContainer(ref)
			if err != nil {
				return nil
			}
			v := containerOf(c)
			return &v
		},
		File: func(container, p string) File {
			c, err := e.FindContainer(container)
			if err != nil {
				return File{}
			}
			return containerFile(e, c, p)
		},
		Changes: func(container string) []string {
			c, err := e.FindContainer(container)
			if err != nil {
				return nil
			}
			var out []string
			for _, ch := range e.Diff(c) {
				out = append(out, string(rune(ch.Kind))+" "+ch.Path)
			}
			return out
		},
		Volumes: func() []Volume {
			var out []Volume
			for _, v := range e.Volumes() {
				out = append(out, Volume{Name: v.Name, Anonymous: v.Anonymous})
			}
			return out
		},
		VolumeFile: func(volume, p string) File {
			for _, v := range e.Volumes() {
				if v.Name == volume {
					return overlayFile(v.Data, path.Join("/", p))
				}
			}
			return File{}
		},
		Hosts:       e.Hosts,
		CurrentHost: e.Host().Name,
		RegistryHas: func(ref string) bool {
			want := engine.NormalizeRef(ref)
			for _, r := range e.RegistryRefs() {
				if r == want {
					return true
				}
			}
			return false
		},
		History: func(ref string) []HistoryEntry {
			img, err := e.ResolveImage(ref)
			if err != nil {
				return nil
			}
			layers := img.Layers()
			var out []HistoryEntry
			li := 0
			for _, h := range img.Config().History {
				he := HistoryEntry{CreatedBy: h.CreatedBy, EmptyLayer: h.EmptyLayer}
				if !h.EmptyLayer && li < len(layers) {
					he.Size = layers[li].Size()
					li++
				}
				out = append(out, he)
			}
			return out
		},
		ContextFile: func(p string) string {
			if e.Context() == nil {
				return ""
			}
			b, err := fs.ReadFile(e.Context(), strings.TrimPrefix(path.Clean("/"+p), "/"))
			if err != nil {
				return ""
			}
			return string(b)
		},
		CachedSteps: facts.CachedSteps,
		BuiltLayers: facts.BuiltLayers,
		Builds:      facts.Builds,
	}
}

// fromImage says whether c was started from ref: the reference typed, or
// the image ref names now, or an image ID prefix.
func fromImage(e *engine.Engine, c *engine.Container, ref string) bool {
	if engine.NormalizeRef(c.ImageRef) == engine.NormalizeRef(ref) {
		return true
	}
	id := c.Image.ID()
	if img, err := e.ResolveImage(ref); err == nil && img.ID() == id {
		return true
	}
	return false
}

func imageOf(info engine.ImageInfo) Image {
	img := Image{
		ID: info.ID.String(), ShortID: shortHex(info.ID.Encoded()), Tags: info.Tags,
		Size: info.Size, Base: info.Base,
	}
	for _, l := range info.Layers {
		img.Layers = append(img.Layers, Layer{Digest: l.DiffID.String(), Size: l.Size, CreatedBy: l.CreatedBy})
	}
	return img
}

func containerOf(c *engine.Container) Container {
	v := Container{
		ID: c.ID, Name: c.Name, Image: c.ImageRef, ImageID: c.Image.ID().String(),
		State: c.State, ExitCode: c.ExitCode, Size: c.Upper.Size(),
		Restart: c.Restart, Command: strings.Join(c.Cmd, " "),
	}
	if v.Restart == "" {
		v.Restart = "no"
	}
	for _, p := range c.Ports {
		v.Ports = append(v.Ports, p.HostPort+"->"+p.ContainerPort)
	}
	sort.Strings(v.Ports)
	for _, m := range c.Mounts {
		v.Volumes = append(v.Volumes, m.Name)
	}
	sort.Strings(v.Volumes)
	return v
}

// containerFile reads a path the way a process in the container sees it:
// through a volume when one is mounted there, else the merged view.
func containerFile(e *engine.Engine, c *engine.Container, p string) File {
	p = path.Join("/", p)
	best := -1
	for i, m := range c.Mounts {
		if (p == m.Destination || strings.HasPrefix(p, strings.TrimSuffix(m.Destination, "/")+"/")) &&
			(best < 0 || len(m.Destination) > len(c.Mounts[best].Destination)) {
			best = i
		}
	}
	if best >= 0 {
		m := c.Mounts[best]
		for _, v := range e.Volumes() {
			if v.Name == m.Name {
				return overlayFile(v.Data, path.Join("/", strings.TrimPrefix(p, m.Destination)))
			}
		}
		return File{}
	}
	return overlayFile(c.Upper, p)
}

// overlayFile reads one path of a writable layer's merged view.
func overlayFile(o *union.Overlay, p string) File {
	n, err := o.Stat(p)
	if err != nil {
		return File{}
	}
	if n.Type == layer.TypeDir {
		return File{Exists: true, IsDir: true}
	}
	b, err := o.ReadFile(p)
	if err != nil {
		return File{Exists: true, Size: n.Size}
	}
	return File{Exists: true, Content: string(b), Size: n.Size}
}

func shortHex(s string) string {
	if len(s) > 12 {
		return s[:12]
	}
	return s
}
