package build_test

import (
	"context"
	"fmt"
	"io/fs"
	"maps"
	"sort"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	dockerspec "github.com/moby/docker-image-spec/specs-go/v1"
	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/layerlab/layerlab/sim"
	"github.com/layerlab/layerlab/sim/base"
	"github.com/layerlab/layerlab/sim/build"
	"github.com/layerlab/layerlab/sim/image"
	"github.com/layerlab/layerlab/sim/image/validate"
	"github.com/layerlab/layerlab/sim/layer"
	"github.com/layerlab/layerlab/sim/pkg"
	"github.com/layerlab/layerlab/sim/shell"
	"github.com/layerlab/layerlab/sim/union"
)

// epoch is when the virtual clock of every test build starts.
var epoch = time.Date(2024, 9, 20, 12, 0, 0, 0, time.UTC)

// library is what every test build shares, as engines share it: the base
// images made into OCI images once, and the simulated programs.
type library struct {
	bases    *base.Catalog
	images   map[string]*image.Image // by every ref and alias
	programs shell.Programs
	baseIDs  map[digest.Digest]bool // diffIDs of base layers

	mu    sync.Mutex
	views map[digest.Digest]*union.FS // one merged view per image, as an engine keeps them
}

// view is the shared merged view of an image, made once.
func (l *library) view(img *image.Image) *union.FS {
	l.mu.Lock()
	defer l.mu.Unlock()
	if v, ok := l.views[img.ID()]; ok {
		return v
	}
	v := union.New(img.Layers()...)
	l.views[img.ID()] = v
	return v
}

var loadLibrary = sync.OnceValues(func() (*library, error) {
	bases, err := base.Load()
	if err != nil {
		return nil, err
	}
	pkgs, err := pkg.Load()
	if err != nil {
		return nil, err
	}
	lib := &library{bases: bases, images: map[string]*image.Image{}, baseIDs: map[digest.Digest]bool{}, views: map[digest.Digest]*union.FS{}}
	for _, b := range bases.Images() {
		if b.Ref == "scratch" {
			continue
		}
		cfg := dockerspec.DockerOCIImage{Image: b.Config}
		cfg.Config.ImageConfig = b.Config.Config
		cfg.Image.Config = ocispec.ImageConfig{}
		img, err := image.New(b.Layers, cfg)
		if err != nil {
			return nil, fmt.Errorf("base image %s: %w", b.Ref, err)
		}
		for _, ref := range append([]string{b.Ref}, b.Aliases...) {
			lib.images[ref] = img
		}
		for _, l := range b.Layers {
			lib.baseIDs[l.DiffID()] = true
		}
	}
	progs := shell.Coreutils()
	maps.Copy(progs, pkgs.Programs())
	lib.programs = progs
	return lib, nil
})

func testLibrary(tb testing.TB) *library {
	tb.Helper()
	lib, err := loadLibrary()
	if err != nil {
		tb.Fatal(err)
	}
	return lib
}

// host is one builder: a build cache, a virtual clock, the images it built
// (which later FROMs may name) and the events of its last build.
type host struct {
	lib    *library
	cache  *build.Cache
	now    time.Time
	built  map[string]*image.Image
	events []sim.Event
	check  validate.Checker
}

func newHost(lib *library) *host {
	return &host{lib: lib, cache: build.NewCache(), now: epoch, built: map[string]*image.Image{}}
}

func (h *host) resolve(ref string) (*image.Image, error) {
	if !strings.Contains(ref, ":") && !strings.Contains(ref, "@") {
		ref += ":latest"
	}
	if img, ok := h.built[ref]; ok {
		return img, nil
	}
	if img, ok := h.lib.images[ref]; ok {
		return img, nil
	}
	return nil, fmt.Errorf("%s: failed to resolve source metadata for %s: pull access denied, repository does not exist or may require authorization", ref, ref)
}

// build runs one build on the host; opts may set Context, Source, Tags,
// NoCache, BuildArgs and Target.
func (h *host) build(ctx context.Context, opts build.Options) (*build.Result, error) {
	h.events = nil
	opts.Cache = h.cache
	opts.Resolve = h.resolve
	opts.View = h.lib.view
	opts.Programs = h.lib.programs
	opts.Now = func() time.Time { return h.now }
	opts.Sleep = func(d time.Duration) { h.now = h.now.Add(d) }
	opts.Emit = func(e sim.Event) { h.events = append(h.events, e) }
	res, err := build.Build(ctx, opts)
	if err == nil && res.Image != nil {
		for _, t := range opts.Tags {
			if !strings.Contains(t, ":") {
				t += ":latest"
			}
			h.built[t] = res.Image
		}
	}
	h.now = h.now.Add(2 * time.Second)
	return res, err
}

// mapContext copies a directory into a MapFS with fixed modes, so that the
// checkout's umask cannot change a digest: 0755 for directories and
// executables, 0644 for other files.
func mapContext(fsys fs.FS) (fstest.MapFS, error) {
	m := fstest.MapFS{}
	err := fs.WalkDir(fsys, ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil || name == "." {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		switch {
		case d.IsDir():
			m[name] = &fstest.MapFile{Mode: fs.ModeDir | 0o755}
		case info.Mode()&fs.ModeSymlink != 0:
			target, err := fs.ReadLink(fsys, name)
			if err != nil {
				return err
			}
			m[name] = &fstest.MapFile{Mode: fs.ModeSymlink | 0o777, Data: []byte(target)}
		default:
			data, err := fs.ReadFile(fsys, name)
			if err != nil {
				return err
			}
			mode := fs.FileMode(0o644)
			if info.Mode()&0o100 != 0 {
				mode = 0o755
			}
			m[name] = &fstest.MapFile{Mode: mode, Data: data}
		}
		return nil
	})
	return m, err
}

// dump is the readable summary of an image the golden files hold.
func (h *host) dump(img *image.Image) string {
	var b strings.Builder
	cfg := img.Config()
	fmt.Fprintf(&b, "image %s (%d layers, %d bytes)\n", img.ShortID(), len(img.Layers()), img.Size())
	for i, l := range img.Layers() {
		if len(l.Entries()) == 0 {
			fmt.Fprintf(&b, "layer %d %s %d bytes (empty)\n", i, l.DiffID().Encoded()[:12], l.Size())
			continue
		}
		if h.lib.baseIDs[l.DiffID()] {
			fmt.Fprintf(&b, "layer %d %s %d bytes (base)\n", i, l.DiffID().Encoded()[:12], l.Size())
			continue
		}
		es := l.Entries()
		wh := 0
		for _, e := range es {
			if layer.IsWhiteout(e.Path) || layer.IsOpaque(e.Path) {
				wh++
			}
		}
		fmt.Fprintf(&b, "layer %d %s %d bytes, %d entries, %d whiteouts\n", i, l.DiffID().Encoded()[:12], l.Size(), len(es), wh)
		shown := 0
		for _, e := range es {
			white := layer.IsWhiteout(e.Path) || layer.IsOpaque(e.Path)
			if shown >= 12 && !white {
				continue
			}
			shown++
			fmt.Fprintf(&b, "  %s\n", entryLine(e))
		}
		if len(es) > shown {
			fmt.Fprintf(&b, "  ... %d more\n", len(es)-shown)
		}
	}
	for _, hi := range cfg.History {
		mark := "layer"
		if hi.EmptyLayer {
			mark = "empty"
		}
		by := hi.CreatedBy
		if len(by) > 110 {
			by = by[:107] + "..."
		}
		fmt.Fprintf(&b, "history %s: %s\n", mark, by)
	}
	c := cfg.Config
	line := func(k string, v any) {
		s := fmt.Sprint(v)
		if s == "" || s == "[]" || s == "map[]" || s == "<nil>" {
			return
		}
		fmt.Fprintf(&b, "config %s: %s\n", k, s)
	}
	line("Env", strings.Join(c.Env, " "))
	line("Cmd", fmt.Sprintf("%q", c.Cmd))
	line("Entrypoint", fmt.Sprintf("%q", c.Entrypoint))
	line("WorkingDir", c.WorkingDir)
	line("ExposedPorts", sortedKeys(c.ExposedPorts))
	line("User", c.User)
	line("Volumes", sortedKeys(c.Volumes))
	line("StopSignal", c.StopSignal)
	line("Shell", fmt.Sprintf("%q", c.Shell))
	line("OnBuild", fmt.Sprintf("%q", c.OnBuild))
	if c.Healthcheck != nil {
		line("Healthcheck", fmt.Sprintf("%q interval=%v timeout=%v start=%v retries=%d", c.Healthcheck.Test, c.Healthcheck.Interval, c.Healthcheck.Timeout, c.Healthcheck.StartPeriod, c.Healthcheck.Retries))
	}
	var labels []string
	for _, k := range sortedKeys(c.Labels) {
		labels = append(labels, k+"="+c.Labels[k])
	}
	line("Labels", strings.Join(labels, " "))
	line("Author", cfg.Author)
	fmt.Fprintf(&b, "id %s\n", img.ID())
	return b.String()
}

func entryLine(e layer.Entry) string {
	switch e.Type {
	case layer.TypeDir:
		return fmt.Sprintf("d %04o %d:%d %s/", e.Mode.Perm(), e.UID, e.GID, e.Path)
	case layer.TypeSymlink:
		return fmt.Sprintf("l %d:%d %s -> %s", e.UID, e.GID, e.Path, e.Linkname)
	}
	return fmt.Sprintf("f %04o %d:%d %s %d", e.Mode.Perm(), e.UID, e.GID, e.Path, e.Size)
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
