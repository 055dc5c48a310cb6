package base

import (
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"slices"
	"strings"

	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/layerlab/layerlab/sim/layer"
)

//go:embed data/*.txt
var dataFS embed.FS

// Image is one teaching copy of a real base image. It is shared by every
// session: callers must treat it, its slices, its layers and its Config as
// read-only.
type Image struct {
	Ref     string         // canonical reference, "python:3.12"
	Aliases []string       // other tags naming the same image, "python:3.12-bookworm"
	Layers  []*layer.Layer // bottom first, as many as the real image has
	Config  ocispec.Image  // the image config: platform, runtime config, rootfs diffIDs, history
	// RealSize is what docker images shows for the real image: the sum of its
	// layers' uncompressed sizes. The teaching layers carry the same apparent
	// sizes, so it equals the sum of Layers[i].Size().
	RealSize int64

	id digest.Digest
}

// ID is the image ID: the sha256 of the canonical JSON of Config, which is
// what docker images shows (shortened) and what FROM name@sha256:… may name.
func (i *Image) ID() digest.Digest { return i.id }

// Catalog holds every base image, parsed once from the embedded data. It is
// immutable and safe to share between sessions.
type Catalog struct {
	images []*Image          // sorted by Ref
	byRef  map[string]*Image // canonical refs and aliases
	byID   map[digest.Digest]*Image
}

// Load builds the catalog from the embedded data.
func Load() (*Catalog, error) {
	files, err := fs.Glob(dataFS, "data/*.txt")
	if err != nil {
		return nil, fmt.Errorf("listing base image data: %w", err)
	}
	src := newSource()
	for _, name := range files {
		b, err := dataFS.ReadFile(name)
		if err != nil {
			return nil, fmt.Errorf("reading %s: %w", name, err)
		}
		if err := src.parse(name, string(b)); err != nil {
			return nil, err
		}
	}
	images, err := src.build()
	if err != nil {
		return nil, err
	}
	c := &Catalog{byRef: map[string]*Image{}, byID: map[digest.Digest]*Image{}}
	for _, img := range images {
		cfg, err := json.Marshal(img.Config)
		if err != nil {
			return nil, fmt.Errorf("encoding config of %s: %w", img.Ref, err)
		}
		img.id = digest.FromBytes(cfg)
		for _, ref := range append([]string{img.Ref}, img.Aliases...) {
			if _, dup := c.byRef[ref]; dup {
				return nil, fmt.Errorf("base image data: %s is defined twice", ref)
			}
			c.byRef[ref] = img
		}
		c.byID[img.id] = img
		c.images = append(c.images, img)
	}
	slices.SortFunc(c.images, func(a, b *Image) int { return strings.Compare(a.Ref, b.Ref) })
	return c, nil
}

// Images returns every image once, sorted by Ref. Callers must not modify it.
func (c *Catalog) Images() []*Image { return c.images }

// Lookup finds an image the way FROM names it: "python" means
// "python:latest", "library/python:3.12" is the same as "python:3.12", and
// "python@sha256:…" or "python:3.12@sha256:…" name an image by its ID (the
// tag is then ignored, as Docker ignores it when a digest is given).
// References Docker would reject (upper case, empty) are not found.
func (c *Catalog) Lookup(ref string) (*Image, bool) {
	ref = strings.TrimSpace(ref)
	if ref == "" || ref != strings.ToLower(ref) {
		return nil, false
	}
	name, dgst, hasDigest := strings.Cut(ref, "@")
	name = strings.TrimPrefix(name, "library/")
	if hasDigest {
		d, err := digest.Parse(dgst)
		if err != nil {
			return nil, false
		}
		img, ok := c.byID[d]
		if !ok || repoOf(img.Ref) != repoOf(name) {
			return nil, false
		}
		return img, true
	}
	if name == "scratch" {
		img, ok := c.byRef[name]
		return img, ok
	}
	if !strings.Contains(name, ":") {
		name += ":latest"
	}
	img, ok := c.byRef[name]
	return img, ok
}

// repoOf drops the tag of a reference: "python:3.12" is in repository "python".
func repoOf(ref string) string {
	name, _, _ := strings.Cut(ref, ":")
	return name
}
