package engine

import (
	"fmt"

	"github.com/layerlab/layerlab/sim"
	"github.com/layerlab/layerlab/sim/errdefs"
	"github.com/layerlab/layerlab/sim/image"
)

// SaveImages resolves what docker save names: each ref's image, saved
// under the tags that name it (a ref by ID saves every tag of the image,
// an image with none is saved by ID alone).
func (e *Engine) SaveImages(refs []string) ([]image.Saved, error) {
	h := e.Host()
	var out []image.Saved
	at := map[string]int{}
	for _, ref := range refs {
		img, err := h.resolve(ref)
		if err != nil {
			return nil, err
		}
		var tags []string
		if name := NormalizeRef(ref); h.tags[name] == img.ID() {
			tags = []string{name}
		} else {
			for t, id := range h.tags {
				if id == img.ID() {
					tags = append(tags, t)
				}
			}
		}
		if i, ok := at[img.ID().String()]; ok {
			out[i].RepoTags = append(out[i].RepoTags, tags...)
			continue
		}
		at[img.ID().String()] = len(out)
		out = append(out, image.Saved{Image: img, RepoTags: tags})
	}
	return out, nil
}

// LoadImage puts a loaded image on the current host under tag ("" for
// none), as docker load does.
func (e *Engine) LoadImage(img *image.Image, tag string) error {
	h := e.Host()
	if _, ok := h.images[img.ID()]; !ok && len(h.images) >= e.limits.Images {
		return errdefs.Unavailable(sim.LimitError("too many images on this host", e.limits.Images))
	}
	if tag != "" {
		if err := ValidRef(tag); err != nil {
			return errdefs.InvalidParameter(fmt.Errorf("loading %s: %w", tag, err))
		}
	}
	h.addImage(img, false, e.now)
	if tag != "" {
		e.tag(h, NormalizeRef(tag), img.ID())
	}
	return nil
}
