package engine

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/opencontainers/go-digest"

	"github.com/layerlab/layerlab/sim"
	"github.com/layerlab/layerlab/sim/errdefs"
	"github.com/layerlab/layerlab/sim/image"
)

// Tag points target at the image source names (docker tag).
func (e *Engine) Tag(source, target string) error {
	h := e.Host()
	img, err := h.resolve(source)
	if err != nil {
		return err
	}
	if err := ValidRef(target); err != nil {
		return fmt.Errorf("Error parsing reference: %q is not a valid repository/tag: %w", target, err)
	}
	e.tag(h, NormalizeRef(target), img.ID())
	return nil
}

// ImageDeleteRecord is one line of docker rmi's output.
type ImageDeleteRecord struct {
	Untagged string
	Deleted  string
}

// RemoveImage is docker rmi: a name untags, and an image that loses its last
// tag is deleted together with the layers no other image holds. The daemon's
// conflict rules apply: a tag a container's image depends on must be forced,
// and an image a running container uses cannot be deleted even with force.
func (e *Engine) RemoveImage(ref string, force bool) ([]ImageDeleteRecord, error) {
	h := e.Host()
	img, err := h.resolve(ref)
	if err != nil {
		return nil, err
	}
	id := img.ID()
	var refs []string
	for t, tid := range h.tags {
		if tid == id {
			refs = append(refs, t)
		}
	}
	sort.Strings(refs)
	var records []ImageDeleteRecord
	byName := false
	if name := NormalizeRef(ref); h.tags[name] == id {
		byName = true
		if !force && len(refs) == 1 {
			if c := h.firstUsing(id, false); c != nil {
				return nil, errdefs.Conflict(fmt.Errorf("conflict: unable to remove repository reference %q (must force) - container %s is using its referenced image %s", ref, c.ShortID(), img.ShortID()))
			}
		}
		e.untag(h, name, id)
		records = append(records, ImageDeleteRecord{Untagged: name})
		if len(refs) > 1 {
			return records, nil
		}
	} else if len(refs) > 1 && !force {
		return nil, errdefs.Conflict(fmt.Errorf("conflict: unable to delete %s (must be forced) - image is referenced in multiple repositories", img.ShortID()))
	}
	if c := h.firstUsing(id, true); c != nil {
		if byName {
			return records, nil // the tag went; the image stays for its container
		}
		return nil, errdefs.Conflict(fmt.Errorf("conflict: unable to delete %s (cannot be forced) - image is being used by running container %s", img.ShortID(), c.ShortID()))
	}
	if c := h.firstUsing(id, false); c != nil && !force {
		if byName {
			return records, nil
		}
		return nil, errdefs.Conflict(fmt.Errorf("conflict: unable to delete %s (must be forced) - image is being used by stopped container %s", img.ShortID(), c.ShortID()))
	}
	if !byName {
		for _, t := range refs {
			e.untag(h, t, id)
			records = append(records, ImageDeleteRecord{Untagged: t})
		}
	}
	records = append(records, e.deleteImage(h, img)...)
	return records, nil
}

// firstUsing finds the oldest container made from image id; running only
// when asked.
func (h *Host) firstUsing(id digest.Digest, running bool) *Container {
	for _, c := range h.containers {
		if c.Image.ID() == id && (!running || c.Running()) {
			return c
		}
	}
	return nil
}

func (e *Engine) untag(h *Host, name string, id digest.Digest) {
	delete(h.tags, name)
	e.emit.Send(sim.EvImageRemoved, sim.ImageRemoved{ID: id.String(), Tag: name})
}

// deleteImage drops an image and lists what went: the image ID, then each
// layer (as its chain ID, top first) that no other image on the host holds.
func (e *Engine) deleteImage(h *Host, img *image.Image) []ImageDeleteRecord {
	delete(h.images, img.ID())
	delete(h.digests, img.ID())
	out := []ImageDeleteRecord{{Deleted: img.ID().String()}}
	kept := map[digest.Digest]bool{}
	for _, rec := range h.images {
		for _, c := range chainIDs(rec.img) {
			kept[c] = true
		}
	}
	for _, c := range h.containers {
		for _, id := range chainIDs(c.Image) {
			kept[id] = true
		}
	}
	chain := chainIDs(img)
	for i := len(chain) - 1; i >= 0; i-- {
		if !kept[chain[i]] {
			out = append(out, ImageDeleteRecord{Deleted: chain[i].String()})
		}
	}
	e.emit.Send(sim.EvImageRemoved, sim.ImageRemoved{ID: img.ID().String(), Deleted: true})
	return out
}

// chainIDs are the OCI chain IDs of an image's layers: a layer's identity
// together with everything beneath it, which is how the daemon stores them.
func chainIDs(img *image.Image) []digest.Digest {
	var out []digest.Digest
	var prev digest.Digest
	for _, l := range img.Layers() {
		if prev == "" {
			prev = l.DiffID()
		} else {
			prev = digest.FromString(prev.String() + " " + l.DiffID().String())
		}
		out = append(out, prev)
	}
	return out
}

// HistoryEntry is one row of docker history, newest first.
type HistoryEntry struct {
	ID        string // the image ID for the top entry of an image built here, else "<missing>"
	Created   time.Time
	CreatedBy string
	Size      int64
	Comment   string
	Empty     bool
}

// History lists an image's history entries, newest first, pairing each
// entry that made a layer with that layer's size. Only images this host
// built or committed (and their parents it still has) show an ID; base
// image entries and steps whose intermediate images are not kept show
// <missing>, as with BuildKit.
func (e *Engine) History(ref string) ([]HistoryEntry, error) {
	h := e.Host()
	img, err := h.resolve(ref)
	if err != nil {
		return nil, err
	}
	cfg := img.Config()
	layers := img.Layers()
	li := 0
	var out []HistoryEntry
	for _, hi := range cfg.History {
		en := HistoryEntry{ID: "<missing>", CreatedBy: hi.CreatedBy, Comment: hi.Comment, Empty: hi.EmptyLayer}
		if hi.Created != nil {
			en.Created = *hi.Created
		}
		if !hi.EmptyLayer && li < len(layers) {
			en.Size = layers[li].Size()
			li++
		}
		out = append(out, en)
	}
	if len(cfg.History) == 0 {
		for _, l := range layers {
			out = append(out, HistoryEntry{ID: "<missing>", Size: l.Size()})
		}
	}
	slices.Reverse(out)
	if len(out) > 0 {
		out[0].ID = img.ID().String()
		// A committed image's parent is kept on this host: its top entry
		// shows the parent's ID.
		if rec := h.images[img.ID()]; rec != nil && rec.parent != "" {
			if p, ok := h.images[rec.parent]; ok {
				n := len(p.img.Config().History)
				if n > 0 && len(out) > n {
					out[len(out)-n].ID = rec.parent.String()
				}
			}
		}
	}
	return out, nil
}

// ImageColumn is what docker ps shows in IMAGE: the name the container was
// made with, or the image's short ID once that name points elsewhere (the
// tag moved on to a newer build).
func (e *Engine) ImageColumn(c *Container) string {
	h := e.Host()
	if id, ok := h.tags[NormalizeRef(c.ImageRef)]; ok && id == c.Image.ID() {
		return c.ImageRef
	}
	if strings.HasPrefix(c.Image.ID().Encoded(), strings.TrimPrefix(c.ImageRef, "sha256:")) {
		return c.ImageRef
	}
	return c.Image.ShortID()
}
