package engine

import (
	"errors"
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"

	"github.com/opencontainers/go-digest"

	"github.com/layerlab/layerlab/sim"
	"github.com/layerlab/layerlab/sim/errdefs"

	"github.com/layerlab/layerlab/sim/image"
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
// progress: layers the host already has print "Already exists". A ref with
// a digest (name@sha256:…) pulls that very manifest and tags nothing.
func (e *Engine) PullImage(ref string, out io.Writer) error {
	r, err := ParseReference(ref)
	if err != nil {
		return err
	}
	img, teaching, err := e.findInRegistry(r)
	if err != nil {
		return err
	}
	e.receive(r, img, teaching, out)
	return nil
}

// PullAllTags is docker pull -a: every tag the registry holds of a
// repository, one after the other.
func (e *Engine) PullAllTags(repo string, out io.Writer) error {
	r, err := ParseReference(repo)
	if err != nil {
		return err
	}
	if r.Tag != "" || r.Digest != "" {
		return errors.New("tag can't be used with --all-tags/-a")
	}
	tags := e.registryTags(r.Name())
	if len(tags) == 0 {
		_, _, err := e.findInRegistry(r)
		return err
	}
	for _, t := range tags {
		rt := r
		rt.Tag = t
		img, teaching, err := e.findInRegistry(rt)
		if err != nil {
			return err
		}
		e.receive(rt, img, teaching, out)
	}
	return nil
}

// registryTags lists the tags the shared registry and the base catalog hold
// for a repository, sorted.
func (e *Engine) registryTags(name string) []string {
	seen := map[string]bool{}
	for k := range e.registry.repos {
		if i := strings.LastIndex(k, ":"); k[:i] == name {
			seen[k[i+1:]] = true
		}
	}
	for _, t := range e.lib.tagsOf(name) {
		seen[t] = true
	}
	out := make([]string, 0, len(seen))
	for t := range seen {
		out = append(out, t)
	}
	sort.Strings(out)
	return out
}

// findInRegistry finds what a pull of r gets: the registry's image, or a
// base image of the catalog (teaching). Its errors are the registry's: no
// such repository (or no right to it), or no such tag or digest in it.
func (e *Engine) findInRegistry(r Reference) (*image.Image, bool, error) {
	name := r.Name()
	if r.Digest != "" {
		for k, img := range e.registry.repos {
			if k[:strings.LastIndex(k, ":")] == name && img.ManifestDigest().String() == r.Digest {
				return img, false, nil
			}
		}
		if b, img, ok := e.lib.lookup(name + "@" + r.Digest); ok {
			return img, b != nil, nil
		}
		if img, ok := e.lib.lookupDigest(name, r.Digest); ok {
			return img, true, nil
		}
	} else {
		if img, ok := e.registry.image(r.String()); ok {
			return img, false, nil
		}
		if b, img, ok := e.lib.lookup(r.String()); ok {
			return img, b != nil, nil
		}
	}
	if len(e.registryTags(name)) == 0 {
		return nil, false, errdefs.NotFound(fmt.Errorf("pull access denied for %s, repository does not exist or may require 'docker login': denied: requested access to the resource is denied", name))
	}
	return nil, false, errdefs.NotFound(fmt.Errorf("manifest for %s not found: manifest unknown: manifest unknown", r.String()))
}

// receive puts a pulled image on the current host, printing the progress.
func (e *Engine) receive(r Reference, img *image.Image, teaching bool, out io.Writer) {
	h := e.Host()
	repo := registryPath(r)
	what := r.Tag
	if what == "" {
		what = "latest"
	}
	if r.Digest != "" {
		what = r.Digest
	}
	fmt.Fprintf(out, "%s: Pulling from %s\n", what, repo)
	have := map[digest.Digest]bool{}
	for _, rec := range h.images {
		for _, l := range rec.img.Layers() {
			have[l.DiffID()] = true
		}
	}
	name := r.String()
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
	_, had := h.images[img.ID()]
	upToDate := h.tags[name] == img.ID() || (r.Digest != "" && had)
	if upToDate {
		fmt.Fprintf(out, "Status: Image is up to date for %s\n", name)
	} else {
		fmt.Fprintf(out, "Status: Downloaded newer image for %s\n", name)
	}
	h.addImage(img, teaching, e.now)
	if r.Digest == "" {
		e.tag(h, name, img.ID())
	}
	h.addDigest(img, r.Name())
	e.emit.Send(sim.EvImagePulled, sim.ImagePulled{ID: img.ID().String(), Ref: name})
}

// registryPath is the repository's path in its registry: an official image
// of the default registry lives under library/.
func registryPath(r Reference) string {
	if r.Domain == "" && !strings.Contains(r.Path, "/") {
		return "library/" + r.Path
	}
	return r.Path
}

// addDigest records that img is known to a registry as name@digest, which
// docker images --digests shows.
func (h *Host) addDigest(img *image.Image, name string) {
	if h.digests == nil {
		h.digests = map[digest.Digest][]string{}
	}
	d := name + "@" + img.ManifestDigest().String()
	if !slices.Contains(h.digests[img.ID()], d) {
		h.digests[img.ID()] = append(h.digests[img.ID()], d)
		sort.Strings(h.digests[img.ID()])
	}
}

// repoDigests are the registry digests a host knows for an image.
func (e *Engine) repoDigests(h *Host, id digest.Digest) []string {
	return slices.Clone(h.digests[id])
}

// PushImage pushes ref from the current host to the registry with docker
// push's per-layer progress, top layer first: a blob the registry already
// holds prints "Layer already exists". The registry keeps the very image,
// so a pull elsewhere yields the same ID and manifest digest.
//
// A name without a namespace (pageturn:1.0) would go to the default
// registry's library/ namespace, where only official images live: the
// registry refuses it, as it refuses anyone but their maintainers.
func (e *Engine) PushImage(ref string, out io.Writer) error {
	return e.push(ref, false, out)
}

// PushAllTags is docker push -a: every local tag of a repository.
func (e *Engine) PushAllTags(repo string, out io.Writer) error {
	return e.push(repo, true, out)
}

func (e *Engine) push(ref string, allTags bool, out io.Writer) error {
	h := e.Host()
	r, err := ParseReference(ref)
	if err != nil {
		return err
	}
	if allTags && (r.Tag != "" || r.Digest != "") {
		return errors.New("tag can't be used with --all-tags/-a")
	}
	if r.Digest != "" {
		return errdefs.InvalidParameter(errors.New("cannot push a digest reference"))
	}
	var tags []string
	if allTags {
		for t := range h.tags {
			if i := strings.LastIndex(t, ":"); t[:i] == r.Name() {
				tags = append(tags, t[i+1:])
			}
		}
		sort.Strings(tags)
	} else {
		if r.Tag == "" {
			fmt.Fprintln(out, "Using default tag: latest")
			r.Tag = "latest"
		}
		tags = []string{r.Tag}
	}
	fmt.Fprintf(out, "The push refers to repository [%s]\n", registryPath(r))
	if len(tags) == 0 {
		return &StreamError{Message: "An image does not exist locally with the tag: " + r.Name()}
	}
	for _, t := range tags {
		if _, ok := h.tags[r.Name()+":"+t]; !ok {
			return &StreamError{Message: "An image does not exist locally with the tag: " + r.Name()}
		}
	}
	if r.Domain == "" && !strings.Contains(r.Path, "/") {
		return &StreamError{Message: "denied: requested access to the resource is denied"}
	}
	for _, t := range tags {
		name := r.Name() + ":" + t
		img := h.images[h.tags[name]].img
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
		h.addDigest(img, r.Name())
		fmt.Fprintf(out, "%s: digest: %s size: %d\n", t, img.ManifestDigest(), len(img.ManifestJSON()))
	}
	return nil
}

// StreamError is an error the daemon reports inside a progress stream (a
// push's or a pull's JSON messages) after the request itself succeeded. The
// CLI prints it as it is, without "Error response from daemon: ", because it
// is not the API's answer: it has no errdefs class.
type StreamError struct{ Message string }

func (e *StreamError) Error() string { return e.Message }
