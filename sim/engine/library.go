package engine

import (
	"fmt"
	"maps"
	"strings"
	"sync"

	"github.com/opencontainers/go-digest"

	dockerspec "github.com/moby/docker-image-spec/specs-go/v1"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/layerlab/layerlab/sim/base"
	"github.com/layerlab/layerlab/sim/image"
	"github.com/layerlab/layerlab/sim/pkg"
	"github.com/layerlab/layerlab/sim/shell"
	"github.com/layerlab/layerlab/sim/union"
)

// Library is what every engine in a process shares and never changes: the
// base images as OCI images and the simulated programs.
type Library struct {
	views viewCache

	catalog  *base.Catalog
	images   map[*base.Image]*image.Image
	layers   map[digest.Digest]bool  // every layer of the teaching copies
	imported map[string]*image.Image // real images an operator added, by name:tag
	programs shell.Programs
}

// Import adds a real image (read from an OCI image layout or a docker save
// tar) under ref, so FROM, docker run and docker pull find it like a base
// image. Call it before the library is shared: it is not safe to call while
// engines use the library.
func (l *Library) Import(ref string, img *image.Image) error {
	if err := ValidRef(ref); err != nil {
		return fmt.Errorf("importing %s: %w", ref, err)
	}
	if l.imported == nil {
		l.imported = map[string]*image.Image{}
	}
	l.imported[NormalizeRef(ref)] = img
	// Like the teaching copies, an imported base is the library's, shared
	// by every session: its layers count against no session's room.
	if l.layers == nil {
		l.layers = map[digest.Digest]bool{}
	}
	for _, ly := range img.Layers() {
		l.layers[ly.DiffID()] = true
	}
	return nil
}

// NewLibrary converts the base catalog into images once and builds the map
// of simulated programs in one place: coreutils, then the package managers.
func NewLibrary(bases *base.Catalog, pkgs *pkg.Catalog) (*Library, error) {
	lib := &Library{catalog: bases, images: map[*base.Image]*image.Image{}, layers: map[digest.Digest]bool{}}
	for _, b := range bases.Images() {
		if b.Ref == "scratch" {
			continue // FROM scratch is no image at all; the builder knows it
		}
		img, err := image.New(b.Layers, dockerConfig(b.Config))
		if err != nil {
			return nil, fmt.Errorf("base image %s: %w", b.Ref, err)
		}
		lib.images[b] = img
		for _, l := range b.Layers {
			lib.layers[l.DiffID()] = true
		}
	}
	progs := shell.Coreutils()
	if pkgs != nil {
		maps.Copy(progs, pkgs.Programs())
	}
	progs["hello"] = helloProgram // hello-world's one program
	lib.programs = progs
	return lib, nil
}

// lookup finds a base image by reference: an imported real image first,
// then the teaching copies (for which the *base.Image is returned too).
func (l *Library) lookup(ref string) (*base.Image, *image.Image, bool) {
	if img, ok := l.imported[NormalizeRef(ref)]; ok {
		return nil, img, true
	}
	b, ok := l.catalog.Lookup(ref)
	if !ok || l.images[b] == nil {
		return nil, nil, false
	}
	return b, l.images[b], true
}

// viewCache keeps one union view per image ID, shared by every container of
// every session: a view is read-only once made, and the views of a popular
// image would otherwise be rebuilt for each container.
type viewCache struct {
	mu      sync.Mutex
	views   map[digest.Digest]*union.FS
	configs map[digest.Digest]*dockerspec.DockerOCIImage
	wasted  map[digest.Digest][]int64 // hostview.go
}

// config is an image's decoded config, shared and read-only: decoding the
// JSON of an image with a long history costs more than starting a container.
// Callers that change it (commit) decode their own copy.
func (l *Library) config(img *image.Image) *dockerspec.DockerOCIImage {
	l.views.mu.Lock()
	defer l.views.mu.Unlock()
	if c, ok := l.views.configs[img.ID()]; ok {
		return c
	}
	c := img.Config()
	if l.views.configs == nil {
		l.views.configs = map[digest.Digest]*dockerspec.DockerOCIImage{}
	}
	if len(l.views.configs) < maxViews {
		l.views.configs[img.ID()] = &c
	}
	return &c
}

// maxViews bounds the cache; past it, views are made but not kept.
const maxViews = 4096

// view is the merged read-only filesystem of an image's layers.
func (l *Library) view(img *image.Image) *union.FS {
	l.views.mu.Lock()
	defer l.views.mu.Unlock()
	if v, ok := l.views.views[img.ID()]; ok {
		return v
	}
	v := union.New(img.Layers()...)
	if l.views.views == nil {
		l.views.views = map[digest.Digest]*union.FS{}
	}
	if len(l.views.views) < maxViews {
		l.views.views[img.ID()] = v
	}
	return v
}

// Programs is the map of simulated programs.
func (l *Library) Programs() shell.Programs { return l.programs }

// dockerConfig is an OCI config as Docker stores it: the same fields, with
// the runtime config in Docker's extended form.
func dockerConfig(c ocispec.Image) dockerspec.DockerOCIImage {
	d := dockerspec.DockerOCIImage{Image: c}
	d.Config.ImageConfig = c.Config
	d.Image.Config = ocispec.ImageConfig{}
	return d
}

// tagsOf lists the tags the base catalog and the imported images hold for a
// repository ("python", "library/python").
func (l *Library) tagsOf(name string) []string {
	name = strings.TrimPrefix(name, "library/")
	var out []string
	for ref := range l.imported {
		if i := strings.LastIndex(ref, ":"); ref[:i] == name {
			out = append(out, ref[i+1:])
		}
	}
	for _, b := range l.catalog.Images() {
		if i := strings.LastIndex(b.Ref, ":"); i > 0 && b.Ref[:i] == name && l.images[b] != nil {
			out = append(out, b.Ref[i+1:])
		}
	}
	return out
}

// lookupDigest finds a base image of a repository by its manifest digest.
func (l *Library) lookupDigest(name, dgst string) (*image.Image, bool) {
	name = strings.TrimPrefix(name, "library/")
	for _, b := range l.catalog.Images() {
		img := l.images[b]
		if img != nil && strings.HasPrefix(b.Ref, name+":") && img.ManifestDigest().String() == dgst {
			return img, true
		}
	}
	return nil, false
}
