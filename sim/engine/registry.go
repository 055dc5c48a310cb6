package engine

import (
	"fmt"
	"io"
	"strings"

	"github.com/opencontainers/go-digest"

	"layerlab/sim"
	"layerlab/sim/base"
	"layerlab/sim/errdefs"

	"layerlab/sim/image"
)

// Registry is the simulated registry every host of an engine pushes to and
// pulls from. Blobs are kept by digest, so a layer pushed twice is stored
// once, exactly as a real registry does.
type Registry struct {
	repos map[string]*image.Image // "name:tag" -> image
	blobs map[digest.Digest]bool
}

func newRegistry() *Registry {
	return &Registry{repos: map[string]*image.Image{}, blobs: map[digest.Digest]bool{}}
}

func (r *Registry) image(ref string) (*image.Image, bool) {
	img, ok := r.repos[NormalizeRef(ref)]
	return img, ok
}

// PullImage pulls ref onto the current host with docker pull's per-layer
// progress: layers the host already has print "Already exists".
func (e *Engine) PullImage(ref string, out io.Writer) error {
	if err := ValidRef(ref); err != nil {
		return err
	}
	h := e.Host()
	name := NormalizeRef(ref)
	img, ok := e.registry.image(ref)
	teaching := false
	if !ok {
		var b *base.Image
		b, img, ok = e.lib.lookup(ref)
		teaching = b != nil
	}
	if !ok {
		repo := name[:strings.LastIndex(name, ":")]
		return errdefs.NotFound(fmt.Errorf("pull access denied for %s, repository does not exist or may require 'docker login': denied: requested access to the resource is denied", repo))
	}
	tag := name[strings.LastIndex(name, ":")+1:]
	repo := name[:strings.LastIndex(name, ":")]
	if !strings.Contains(repo, "/") && teaching {
		repo = "library/" + repo
	}
	fmt.Fprintf(out, "%s: Pulling from %s\n", tag, repo)
	have := map[digest.Digest]bool{}
	for _, rec := range h.images {
		for _, l := range rec.img.Layers() {
			have[l.DiffID()] = true
		}
	}
	for _, l := range img.Layers() {
		short := l.DiffID().Encoded()[:12]
		if have[l.DiffID()] {
			fmt.Fprintf(out, "%s: Already exists\n", short)
			e.emit.Send(sim.EvBlobPulled, sim.BlobMoved{Ref: name, Digest: l.DiffID().String(), Size: l.Size(), Skipped: true, Host: h.Name})
			continue
		}
		fmt.Fprintf(out, "%s: Pull complete\n", short)
		e.emit.Send(sim.EvBlobPulled, sim.BlobMoved{Ref: name, Digest: l.DiffID().String(), Size: l.Size(), Host: h.Name})
	}
	fmt.Fprintf(out, "Digest: %s\n", img.ManifestDigest())
	if h.tags[name] == img.ID() {
		fmt.Fprintf(out, "Status: Image is up to date for %s\n", name)
	} else {
		fmt.Fprintf(out, "Status: Downloaded newer image for %s\n", name)
	}
	h.addImage(img, teaching, e.now)
	e.tag(h, name, img.ID())
	e.emit.Send(sim.EvImagePulled, sim.ImagePulled{ID: img.ID().String(), Ref: name})
	return nil
}

// PushImage pushes ref from the current host to the registry with docker
// push's per-layer progress, top layer first: a blob the registry already
// holds prints "Layer already exists". The registry keeps the very image,
// so a pull elsewhere yields the same ID and manifest digest.
func (e *Engine) PushImage(ref string, out io.Writer) error {
	h := e.Host()
	if err := ValidRef(ref); err != nil {
		return err
	}
	name := NormalizeRef(ref)
	tag := name[strings.LastIndex(name, ":")+1:]
	repo := name[:strings.LastIndex(name, ":")]
	if !strings.Contains(ref[strings.LastIndex(ref, "/")+1:], ":") {
		fmt.Fprintln(out, "Using default tag: latest")
	}
	fmt.Fprintf(out, "The push refers to repository [%s]\n", repo)
	id, ok := h.tags[name]
	if !ok {
		return &StreamError{Message: "An image does not exist locally with the tag: " + repo}
	}
	img := h.images[id].img
	layers := img.Layers()
	for i := len(layers) - 1; i >= 0; i-- {
		l := layers[i]
		short := l.DiffID().Encoded()[:12]
		if e.registry.blobs[l.DiffID()] {
			fmt.Fprintf(out, "%s: Layer already exists\n", short)
			e.emit.Send(sim.EvBlobPushed, sim.BlobMoved{Ref: name, Digest: l.DiffID().String(), Size: l.Size(), Skipped: true, Host: h.Name})
			continue
		}
		e.registry.blobs[l.DiffID()] = true
		fmt.Fprintf(out, "%s: Pushed\n", short)
		e.emit.Send(sim.EvBlobPushed, sim.BlobMoved{Ref: name, Digest: l.DiffID().String(), Size: l.Size(), Host: h.Name})
	}
	e.registry.repos[name] = img
	fmt.Fprintf(out, "%s: digest: %s size: %d\n", tag, img.ManifestDigest(), len(img.ManifestJSON()))
	return nil
}

// StreamError is an error the daemon reports inside a progress stream (a
// push's or a pull's JSON messages) after the request itself succeeded. The
// CLI prints it as it is, without "Error response from daemon: ", because it
// is not the API's answer: it has no errdefs class.
type StreamError struct{ Message string }

func (e *StreamError) Error() string { return e.Message }
