package engine

import (
	"fmt"
	"maps"

	dockerspec "github.com/moby/docker-image-spec/specs-go/v1"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"layerlab/sim/base"
	"layerlab/sim/image"
	"layerlab/sim/pkg"
	"layerlab/sim/shell"
)

// Library is what every engine in a process shares and never changes: the
// base images as OCI images and the simulated programs.
type Library struct {
	catalog  *base.Catalog
	images   map[*base.Image]*image.Image
	programs shell.Programs
}

// NewLibrary converts the base catalog into images once and builds the map
// of simulated programs in one place: coreutils, then the package managers.
func NewLibrary(bases *base.Catalog, pkgs *pkg.Catalog) (*Library, error) {
	lib := &Library{catalog: bases, images: map[*base.Image]*image.Image{}}
	for _, b := range bases.Images() {
		if b.Ref == "scratch" {
			continue // FROM scratch is no image at all; the builder knows it
		}
		img, err := image.New(b.Layers, dockerConfig(b.Config))
		if err != nil {
			return nil, fmt.Errorf("base image %s: %w", b.Ref, err)
		}
		lib.images[b] = img
	}
	progs := shell.Coreutils()
	if pkgs != nil {
		maps.Copy(progs, pkgs.Programs())
	}
	lib.programs = progs
	return lib, nil
}

// lookup finds a base image by reference.
func (l *Library) lookup(ref string) (*base.Image, *image.Image, bool) {
	b, ok := l.catalog.Lookup(ref)
	if !ok || l.images[b] == nil {
		return nil, nil, false
	}
	return b, l.images[b], true
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
