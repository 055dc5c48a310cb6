package engine

import (
	"context"
	"encoding/hex"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"slices"
	"sort"
	"strings"
	"time"

	dockerspec "github.com/moby/docker-image-spec/specs-go/v1"
	"github.com/opencontainers/go-digest"

	"github.com/layerlab/layerlab/sim"
	"github.com/layerlab/layerlab/sim/build"
	"github.com/layerlab/layerlab/sim/errdefs"
	"github.com/layerlab/layerlab/sim/image"
	"github.com/layerlab/layerlab/sim/layer"
	"github.com/layerlab/layerlab/sim/union"
)

// Epoch is when every engine's virtual clock starts.
var Epoch = time.Date(2026, time.January, 12, 9, 0, 0, 0, time.UTC)

// Config starts an engine.
type Config struct {
	Seed    uint64
	Library *Library
	Context fs.FS // the learner's build context
	Emit    sim.Emit
	Limits  sim.Limits
	Hosts   []string // engine hosts; the first is current. Default: "laptop" and "server".
	// Start is when the virtual clock starts; zero means Epoch. A session
	// beside real images made today (layerlab play --base) starts now, so
	// the images it builds are newer than its bases, as on a real engine.
	Start time.Time
}

// Engine is one learner's Docker: a set of hosts, the current one, and a
// registry they share. It is not safe for concurrent use; a session owns it.
type Engine struct {
	lib      *Library
	emit     sim.Emit
	limits   sim.Limits
	rng      *rand.Rand
	now      time.Time
	hosts    map[string]*Host
	order    []string
	current  string
	context  fs.FS
	registry *Registry

	budget     *union.Budget          // room the session has left for stored bytes (see quota.go)
	meter      sim.Meter              // the work its commands did
	layerBytes map[*layer.Layer]int64 // what each layer the session holds stores
}

// Host is one machine running a Docker engine.
type Host struct {
	Name       string
	images     map[digest.Digest]*imageRecord
	tags       map[string]digest.Digest // "pageturn:latest" -> image ID
	containers []*Container             // in creation order
	volumes    map[string]*Volume
	cache      *build.Cache
	records    buildRecords               // the cache as docker system df -v lists it
	nets       *networks                  // made on first use: bridge, host, none
	digests    map[digest.Digest][]string // image ID -> "repo@sha256:…" after a push or pull
}

// imageRecord is an image present on a host.
type imageRecord struct {
	img     *image.Image
	base    bool      // a teaching copy from the base catalog
	created time.Time // when it arrived on this host
	parent  digest.Digest
	// What the image's config says, decoded once: every listing and every
	// picture of the host reads it, and decoding the JSON of an image with
	// a long history cost more than the command that asked.
	layers []LayerInfo // nil until first listed
	made   time.Time   // the config's creation time, or created
}

// derive decodes what listings need of the record's config, once.
func (r *imageRecord) derive() {
	if r.layers != nil {
		return
	}
	cfg := r.img.Config()
	r.layers = slices.Clip(historyLayers(r.img, cfg))
	r.made = r.created
	if cfg.Created != nil {
		r.made = *cfg.Created
	}
}

// New starts an engine with empty hosts.
func New(cfg Config) *Engine {
	if cfg.Limits == (sim.Limits{}) {
		cfg.Limits = sim.DefaultLimits()
	}
	if len(cfg.Hosts) == 0 {
		cfg.Hosts = []string{"laptop", "server"}
	}
	e := &Engine{
		lib:        cfg.Library,
		emit:       cfg.Emit,
		limits:     cfg.Limits,
		budget:     &union.Budget{Left: cfg.Limits.SessionBytes, Limit: cfg.Limits.SessionBytes},
		layerBytes: map[*layer.Layer]int64{},
		rng:        rand.New(rand.NewPCG(cfg.Seed, cfg.Seed^0x9e3779b97f4a7c15)),
		now:        Epoch,
		hosts:      map[string]*Host{},
		context:    cfg.Context,
		registry:   newRegistry(),
	}
	if !cfg.Start.IsZero() {
		e.now = cfg.Start
	}
	for _, h := range cfg.Hosts {
		e.hosts[h] = newHost(h)
		e.order = append(e.order, h)
	}
	e.current = cfg.Hosts[0]
	return e
}

func newHost(name string) *Host {
	return &Host{
		Name:    name,
		images:  map[digest.Digest]*imageRecord{},
		tags:    map[string]digest.Digest{},
		volumes: map[string]*Volume{},
		cache:   build.NewCache(),
	}
}

// Now is the virtual clock.
func (e *Engine) Now() time.Time { return e.now }

// Sleep advances the virtual clock; nothing ever really waits.
func (e *Engine) Sleep(d time.Duration) {
	if d > 0 {
		e.now = e.now.Add(d)
	}
}

// Tick advances the clock between two console commands, as a learner's typing
// would.
func (e *Engine) Tick() { e.Sleep(2 * time.Second) }

// Host is the current host.
func (e *Engine) Host() *Host { return e.hosts[e.current] }

// Hosts lists the hosts in order.
func (e *Engine) Hosts() []string { return append([]string(nil), e.order...) }

// Use switches the current host (docker context use).
func (e *Engine) Use(name string) error {
	if _, ok := e.hosts[name]; !ok {
		return fmt.Errorf("context %q does not exist", name)
	}
	if name != e.current {
		e.emit.Send(sim.EvContextSwitched, sim.ContextSwitched{From: e.current, To: name})
	}
	e.current = name
	return nil
}

// SetContext replaces the build context (the learner edited a file).
func (e *Engine) SetContext(fsys fs.FS) { e.context = fsys }

// Context is the build context.
func (e *Engine) Context() fs.FS { return e.context }

// randomHex draws n random bytes from the session's seeded source, as hex.
func (e *Engine) randomHex(n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(e.rng.UintN(256))
	}
	return hex.EncodeToString(b)
}

// NormalizeRef adds the default tag: "pageturn" -> "pageturn:latest".
func NormalizeRef(ref string) string {
	if strings.Contains(ref, "@") {
		return ref
	}
	slash := strings.LastIndex(ref, "/")
	if !strings.Contains(ref[slash+1:], ":") {
		return ref + ":latest"
	}
	return ref
}

// ValidRef checks a reference as the CLI does before it asks the daemon
// (ParseReference), with the CLI's words.
func ValidRef(ref string) error {
	_, err := ParseReference(ref)
	return err
}

// ImageInfo is an image as docker images and the visualizer see it.
type ImageInfo struct {
	ID      digest.Digest
	Tags    []string // sorted
	Size    int64
	Created time.Time
	Base    bool
	Layers  []LayerInfo // bottom first
	Image   *image.Image
	// made is the creation time the image's config records, or Created
	// when it records none; ConfigCreated reads it.
	made time.Time
}

// ConfigCreated is the image's creation time as its config records it
// (what `docker images` shows and sorts by), or its arrival on the host
// when the config has none.
func (im ImageInfo) ConfigCreated() time.Time {
	if !im.made.IsZero() {
		return im.made
	}
	if c := im.Image.Config().Created; c != nil {
		return *c
	}
	return im.Created
}

// LayerInfo is one layer of an image, with the history entry that made it.
type LayerInfo struct {
	DiffID    digest.Digest
	Size      int64
	CreatedBy string
}

// Images lists the current host's images, newest first, as docker images does.
func (e *Engine) Images() []ImageInfo {
	return e.Host().imageInfos()
}

func (h *Host) imageInfos() []ImageInfo {
	tagsOf := map[digest.Digest][]string{}
	for t, id := range h.tags {
		tagsOf[id] = append(tagsOf[id], t)
	}
	out := make([]ImageInfo, 0, len(h.images))
	for id, rec := range h.images {
		tags := tagsOf[id]
		sort.Strings(tags)
		rec.derive()
		out = append(out, ImageInfo{
			ID: id, Tags: tags, Size: rec.img.Size(), Created: rec.created, Base: rec.base,
			Layers: rec.layers, Image: rec.img, made: rec.made,
		})
	}
	// The daemon lists images newest first by the creation time in their
	// config, not by when they arrived: a base image pulled just now still
	// sorts below an image built a minute ago.
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i].made, out[j].made
		if !a.Equal(b) {
			return a.After(b)
		}
		if !out[i].Created.Equal(out[j].Created) {
			return out[i].Created.After(out[j].Created)
		}
		return out[i].ID < out[j].ID
	})
	return out
}

// historyLayers pairs each layer of img with the entry of cfg's history
// that made it.
func historyLayers(img *image.Image, cfg dockerspec.DockerOCIImage) []LayerInfo {
	layers := img.Layers()
	out := make([]LayerInfo, 0, len(layers))
	hi := 0
	for _, l := range layers {
		by := ""
		for hi < len(cfg.History) {
			h := cfg.History[hi]
			hi++
			if !h.EmptyLayer {
				by = h.CreatedBy
				break
			}
		}
		out = append(out, LayerInfo{DiffID: l.DiffID(), Size: l.Size(), CreatedBy: by})
	}
	return out
}

// addImage records an image on a host.
func (h *Host) addImage(img *image.Image, base bool, now time.Time) {
	if _, ok := h.images[img.ID()]; ok {
		return
	}
	h.images[img.ID()] = &imageRecord{img: img, base: base, created: now}
}

// tag points ref at id, returning the image it left.
func (e *Engine) tag(h *Host, ref string, id digest.Digest) {
	prev := h.tags[ref]
	h.tags[ref] = id
	p := ""
	if prev != "" {
		p = prev.String()
	}
	e.emit.Send(sim.EvImageTagged, sim.ImageTagged{ID: id.String(), Tag: ref, Previous: p})
}

// ResolveImage finds an image on the current host by reference or ID prefix,
// the way the daemon does for run, rmi, history and inspect.
func (e *Engine) ResolveImage(ref string) (*image.Image, error) {
	return e.Host().resolve(ref)
}

func (h *Host) resolve(ref string) (*image.Image, error) {
	if id, ok := h.tags[NormalizeRef(ref)]; ok {
		return h.images[id].img, nil
	}
	want := strings.TrimPrefix(ref, "sha256:")
	if len(want) >= 1 && isHex(want) {
		var found *image.Image
		for id, rec := range h.images {
			if strings.HasPrefix(id.Encoded(), want) {
				if found != nil {
					return nil, errdefs.InvalidParameter(fmt.Errorf("multiple IDs found with provided prefix: %s", ref))
				}
				found = rec.img
			}
		}
		if found != nil {
			return found, nil
		}
	}
	return nil, notFound("image", ref)
}

func isHex(s string) bool {
	for _, r := range s {
		if !(r >= '0' && r <= '9' || r >= 'a' && r <= 'f') {
			return false
		}
	}
	return true
}

// NotFoundError is the daemon's "No such image" / "No such container",
// classified as errdefs' not found by notFound.
type NotFoundError struct {
	What string // image, container, volume
	Ref  string
}

func (e *NotFoundError) Error() string {
	switch e.What {
	case "image":
		return "No such image: " + NormalizeRef(e.Ref)
	case "container":
		return "No such container: " + e.Ref
	case "volume":
		return "get " + e.Ref + ": no such volume"
	}
	return "no such " + e.What + ": " + e.Ref
}

// notFound is the daemon's answer for a missing object.
func notFound(what, ref string) error {
	return errdefs.NotFound(&NotFoundError{What: what, Ref: ref})
}

// Pull brings a base image from the catalog (standing in for the registry's
// official images) onto the current host without any output; docker pull
// itself prints progress (see PullImage).
func (e *Engine) pullBase(ref string) (*image.Image, bool) {
	b, img, ok := e.lib.lookup(ref)
	if !ok {
		return nil, false
	}
	h := e.Host()
	h.addImage(img, b != nil, e.now)
	name := NormalizeRef(ref)
	if !strings.Contains(ref, "@") && h.tags[name] != img.ID() {
		e.tag(h, name, img.ID())
	}
	e.emit.Send(sim.EvImagePulled, sim.ImagePulled{ID: img.ID().String(), Ref: name})
	return img, true
}

// Preload puts base images on the current host, as a lesson's start state.
func (e *Engine) Preload(refs ...string) error {
	for _, r := range refs {
		if _, ok := e.pullBase(r); !ok {
			return fmt.Errorf("no base image %q in the catalog", r)
		}
	}
	return nil
}

// BuildOptions is one docker build as the CLI asks for it.
type BuildOptions struct {
	Context    fs.FS // nil: the engine's build context
	Dockerfile string
	Tags       []string
	NoCache    bool
	Target     string
	BuildArgs  map[string]string
}

// Build runs a build on the current host and tags the result.
func (e *Engine) Build(ctx context.Context, o BuildOptions) (*build.Result, error) {
	e.refreshBudget()
	h := e.Host()
	tags := make([]string, len(o.Tags))
	for i, t := range o.Tags {
		if err := ValidRef(t); err != nil {
			return nil, errdefs.InvalidParameter(fmt.Errorf("invalid tag %q: %w", t, err))
		}
		tags[i] = NormalizeRef(t)
	}
	fsys := o.Context
	if fsys == nil {
		fsys = e.context
	}
	var steps []stepResult
	res, err := build.Build(ctx, build.Options{
		Context:    fsys,
		Dockerfile: o.Dockerfile,
		Tags:       tags,
		Target:     o.Target,
		NoCache:    o.NoCache,
		BuildArgs:  o.BuildArgs,
		Cache:      h.cache,
		Resolve:    e.resolveForBuild,
		Programs:   e.lib.programs,
		Now:        e.Now,
		Sleep:      e.Sleep,
		Emit:       e.observe(&steps, e.emit),
		Builder:    builderName(h.Name),
		Limits:     e.limits,
		Budget:     e.budget,
		Meter:      &e.meter,
		View:       e.lib.view,
	})
	var img *image.Image
	if err == nil && res != nil {
		img = res.Image
	}
	h.records.settle(h.Name, steps, img)
	if err != nil {
		return res, err
	}
	if len(h.images) >= e.limits.Images {
		return res, errdefs.Unavailable(sim.LimitError("too many images on this host", e.limits.Images))
	}
	h.addImage(res.Image, false, e.now)
	for _, t := range tags {
		e.tag(h, t, res.Image.ID())
	}
	return res, nil
}

func builderName(host string) string {
	if host == "laptop" {
		return "default"
	}
	return host
}

// resolveForBuild finds a FROM image: on the host first, then in the base
// catalog (which a real builder would pull from the registry).
func (e *Engine) resolveForBuild(ref string) (*image.Image, error) {
	h := e.Host()
	if img, err := h.resolve(ref); err == nil {
		return img, nil
	}
	if _, img, ok := e.lib.lookup(ref); ok {
		return img, nil
	}
	if img, ok := e.registry.image(ref); ok {
		return img, nil
	}
	name := NormalizeRef(ref)
	return nil, fmt.Errorf("%s: failed to resolve source metadata for %s: pull access denied, repository does not exist or may require authorization: server message: insufficient_scope: authorization failed", name, name)
}
