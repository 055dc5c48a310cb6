package build

import (
	"fmt"
	"path"
	"slices"
	"strings"
	"time"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	dockerspec "github.com/moby/docker-image-spec/specs-go/v1"
	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/layerlab/layerlab/sim"
	"github.com/layerlab/layerlab/sim/dockerfile"
	"github.com/layerlab/layerlab/sim/image"
	"github.com/layerlab/layerlab/sim/layer"
	"github.com/layerlab/layerlab/sim/union"
)

// historyComment marks history entries the way BuildKit's Dockerfile
// frontend does.
const historyComment = "buildkit.dockerfile.v0"

// defaultPath is the PATH BuildKit gives RUN when the image sets none.
const defaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

func (b *builder) runStage(i int, st dockerfile.Stage) (*stage, *failure) {
	s := &stage{name: st.Name, index: i, shell: []string{"/bin/sh", "-c"}, total: b.stageTotal(i, st)}
	if s.name == "" {
		s.name = fmt.Sprintf("stage-%d", i)
	}
	multi := b.multiStage()
	switch {
	case st.BaseName == "scratch":
		s.cfg = dockerspec.DockerOCIImage{Image: ocispec.Image{Platform: ocispec.Platform{Architecture: "amd64", OS: "linux"}, RootFS: ocispec.RootFS{Type: "layers"}}}
		s.key = keyOf("", "scratch")
	case b.isStage(st.BaseName, i):
		j, _ := b.stageIndex(st.BaseName, i)
		from := b.stages[j]
		s.layers = slices.Clone(from.layers)
		s.cfg = cloneConfig(from.cfg)
		s.key = from.key
		s.created = from.created
		s.fsCache = from.fsCache
	default:
		name := s.prefix(multi) + "FROM " + st.BaseName
		v := b.prog.add(name)
		b.opts.Emit.Send(sim.EvStepStarted, sim.StepStarted{Stage: st.Name, Index: s.step, Total: s.total, Text: "FROM " + st.BaseName, Line: st.Line})
		img := b.bases[i]
		if img == nil {
			v.failed = true
			return nil, b.fail(fmt.Sprintf("%s: not found", st.BaseName), st.Line, st.Line)
		}
		v.name = name + "@" + img.ManifestDigest().String()
		b.done++
		b.steps++
		s.layers = slices.Clone(img.Layers())
		s.cfg = cloneConfig(b.baseCfg[i])
		s.fsCache = b.view(img)
		s.key = keyOf("", "from", img.ID().String())
		if s.cfg.Created != nil {
			s.created = *s.cfg.Created
		}
	}
	s.cfg.Created = nil
	// The triggers run now (b.triggers) and never carry over; a SHELL the
	// base set stays the default for RUN, CMD and ENTRYPOINT.
	s.cfg.Config.OnBuild = nil
	if len(s.cfg.Config.Shell) > 0 {
		s.shell = slices.Clone(s.cfg.Config.Shell)
	}
	b.showContext()
	for _, c := range b.commands(i, st) {
		if err := b.ctx.Err(); err != nil {
			return nil, b.fail("build canceled: "+err.Error(), c.StartLine, c.EndLine)
		}
		if f := b.dispatch(s, c, multi); f != nil {
			return nil, f
		}
	}
	return s, nil
}

// env is the stage's environment as BuildKit's shell lexer wants it: the
// image's Env plus the declared build args (Env wins over args).
func (s *stage) env(buildArgs map[string]string) []string {
	out := slices.Clone(s.cfg.Config.Env)
	for _, a := range s.args {
		if hasKey(out, a.Key) {
			continue
		}
		v, ok := buildArgs[a.Key]
		if !ok {
			if a.Value == nil {
				continue
			}
			v = *a.Value
		}
		out = append(out, a.Key+"="+v)
	}
	return out
}

func hasKey(env []string, key string) bool {
	for _, kv := range env {
		if k, _, _ := strings.Cut(kv, "="); k == key {
			return true
		}
	}
	return false
}

func setEnv(env []string, key, value string) []string {
	for i, kv := range env {
		if k, _, _ := strings.Cut(kv, "="); k == key {
			out := slices.Clone(env)
			out[i] = key + "=" + value
			return out
		}
	}
	return append(slices.Clone(env), key+"="+value)
}

func envMap(env []string) map[string]string {
	m := make(map[string]string, len(env))
	for _, kv := range env {
		k, v, _ := strings.Cut(kv, "=")
		m[k] = v
	}
	return m
}

func cloneConfig(c dockerspec.DockerOCIImage) dockerspec.DockerOCIImage {
	c.Config.Env = slices.Clone(c.Config.Env)
	c.Config.Cmd = slices.Clone(c.Config.Cmd)
	c.Config.Entrypoint = slices.Clone(c.Config.Entrypoint)
	c.History = slices.Clone(c.History)
	c.RootFS.DiffIDs = slices.Clone(c.RootFS.DiffIDs)
	if c.Config.Labels != nil {
		m := make(map[string]string, len(c.Config.Labels))
		for k, v := range c.Config.Labels {
			m[k] = v
		}
		c.Config.Labels = m
	}
	if c.Config.ExposedPorts != nil {
		m := make(map[string]struct{}, len(c.Config.ExposedPorts))
		for k := range c.Config.ExposedPorts {
			m[k] = struct{}{}
		}
		c.Config.ExposedPorts = m
	}
	if c.Config.Volumes != nil {
		m := make(map[string]struct{}, len(c.Config.Volumes))
		for k := range c.Config.Volumes {
			m[k] = struct{}{}
		}
		c.Config.Volumes = m
	}
	return c
}

// history appends one history entry.
func (b *builder) history(s *stage, msg string, withLayer bool, created time.Time) {
	t := created
	s.cfg.History = append(s.cfg.History, ocispec.History{
		Created:    &t,
		CreatedBy:  msg,
		Comment:    historyComment,
		EmptyLayer: !withLayer,
	})
}

// lower is the merged view of the stage's layers. It starts as the shared
// view of the base image and grows one layer at a time with FS.With, only
// when a step needs it: a cached step never merges anything, and a step
// that runs never re-merges the layers below it.
func (s *stage) lower() *union.FS {
	if s.fsCache != nil {
		have := s.fsCache.Layers()
		if len(have) <= len(s.layers) && (len(have) == 0 || have[len(have)-1] == s.layers[len(have)-1]) {
			for _, l := range s.layers[len(have):] {
				s.fsCache = s.fsCache.With(l)
			}
			return s.fsCache
		}
	}
	s.fsCache = union.New(s.layers...)
	return s.fsCache
}

// commit finishes a filesystem step: the overlay's diff becomes a layer even
// when it is empty, as BuildKit's exporter keeps it (an empty layer is the
// empty tar, sha256:5f70bf18…).
func (b *builder) commit(s *stage, c dockerfile.Command, text, history string, key digest.Digest, ov *union.Overlay, started time.Time) *failure {
	l, err := ov.Diff()
	if err != nil {
		return b.fail(fmt.Sprintf("%s: %v", text, err), c.StartLine, c.EndLine)
	}
	b.opts.Cache.put(key, cached{layer: l, created: started})
	return b.apply(s, c, text, history, key, l, started, ov)
}

func (b *builder) apply(s *stage, c dockerfile.Command, text, history string, key digest.Digest, l *layer.Layer, created time.Time, ov *union.Overlay) *failure {
	if l != nil {
		if len(s.layers)+1 > b.opts.Limits.Layers {
			return b.fail("max depth exceeded: "+sim.LimitError("too many layers", b.opts.Limits.Layers).Error(), c.StartLine, c.EndLine)
		}
		s.layers = append(slices.Clone(s.layers), l)
		if ov != nil {
			added, changed, deleted := summarize(ov, l)
			b.opts.Emit.Send(sim.EvLayerCreated, sim.LayerCreated{
				Stage: s.name, Index: s.step, Text: text, Line: c.StartLine,
				DiffID: l.DiffID().String(), Size: l.Size(), Added: added, Changed: changed, Deleted: deleted,
			})
		}
	}
	s.key = key
	s.created = created
	b.history(s, history, l != nil, created)
	return nil
}

// summarize sorts a new layer's paths into added, changed and deleted.
func summarize(ov *union.Overlay, l *layer.Layer) (added, changed, deleted []string) {
	lower := ov.Lower()
	for _, e := range l.Entries() {
		base := path.Base(e.Path)
		dir := path.Dir(e.Path)
		switch {
		case base == layer.OpaqueWhiteout:
			continue
		case strings.HasPrefix(base, layer.WhiteoutPrefix):
			deleted = append(deleted, "/"+path.Join(dir, strings.TrimPrefix(base, layer.WhiteoutPrefix)))
		case e.Type == layer.TypeDir:
			continue
		default:
			if _, ok := lower.Lookup(e.Path); ok {
				changed = append(changed, "/"+e.Path)
			} else {
				added = append(added, "/"+e.Path)
			}
		}
	}
	return added, changed, deleted
}

// export makes the image of the last stage.
func (b *builder) export(s *stage) (*image.Image, *failure) {
	v := b.prog.add("exporting to image")
	cfg := cloneConfig(s.cfg)
	// The image is as old as its newest layer step, so a build whose steps
	// all come from the cache makes the very same image.
	created := s.created
	cfg.Created = &created
	cfg.RootFS = ocispec.RootFS{Type: "layers"}
	img, err := image.New(s.layers, cfg)
	if err != nil {
		v.failed = true
		return nil, &failure{msg: "exporting to image: " + err.Error()}
	}
	b.done++
	v.subs = append(v.subs, "exporting layers", "writing image "+img.ID().String())
	for _, t := range b.opts.Tags {
		v.subs = append(v.subs, "naming to "+t)
	}
	b.opts.Emit.Send(sim.EvImageBuilt, sim.ImageBuilt{ID: img.ID().String(), Tags: b.opts.Tags, Layers: len(img.Layers()), Size: img.Size()})
	return img, nil
}

// byteCount prints sizes the way BuildKit's transfer lines do.
func byteCount(n int64) string {
	switch {
	case n < 1000:
		return fmt.Sprintf("%dB", n)
	case n < 1000*1000:
		return fmt.Sprintf("%.2fkB", float64(n)/1000)
	default:
		return fmt.Sprintf("%.2fMB", float64(n)/1e6)
	}
}

var _ = instructions.Parse
