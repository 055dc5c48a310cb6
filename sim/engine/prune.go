package engine

import (
	"slices"
	"sort"

	"github.com/opencontainers/go-digest"
)

// PruneContainers is docker container prune: every container that is not
// running goes, with its writable layer. It returns their IDs, newest
// first, and the bytes their writable layers held.
func (e *Engine) PruneContainers() (ids []string, reclaimed int64) {
	h := e.Host()
	for _, c := range e.Containers() {
		if c.Running() || c.State == Restarting {
			continue
		}
		reclaimed += c.Upper.Size()
		ids = append(ids, c.ID)
		e.remove(h, c)
	}
	return ids, reclaimed
}

// PruneImages is docker image prune: dangling images (no tag, no image
// built on them), or with all every image no container uses. Space
// reclaimed is what the host's layers shrank by: a layer another image
// still holds frees nothing.
func (e *Engine) PruneImages(all bool) (records []ImageDeleteRecord, reclaimed int64) {
	h := e.Host()
	before := e.DiskUsage().LayersSize
	used := map[digest.Digest]bool{}
	for _, c := range h.containers {
		used[c.Image.ID()] = true
	}
	// Each pass can leave a parent dangling; go on until nothing changes,
	// as the daemon removes a chain of untagged parents.
	for {
		children := map[digest.Digest]bool{}
		for _, rec := range h.images {
			if rec.parent != "" {
				children[rec.parent] = true
			}
		}
		tagsOf := map[digest.Digest][]string{}
		for t, id := range h.tags {
			tagsOf[id] = append(tagsOf[id], t)
		}
		var ids []digest.Digest
		for id := range h.images {
			if used[id] || children[id] || (!all && len(tagsOf[id])+len(h.digests[id]) > 0) {
				continue
			}
			ids = append(ids, id)
		}
		if len(ids) == 0 {
			break
		}
		sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
		for _, id := range ids {
			tags := tagsOf[id]
			sort.Strings(tags)
			for _, t := range tags {
				e.untag(h, t, id)
				records = append(records, ImageDeleteRecord{Untagged: t})
			}
			for _, d := range h.digests[id] {
				records = append(records, ImageDeleteRecord{Untagged: d})
			}
			delete(h.digests, id)
			records = append(records, e.deleteImage(h, h.images[id].img)...)
		}
	}
	return records, before - e.DiskUsage().LayersSize
}

// PruneNetworks is docker network prune: every network no container is
// attached to, the built-in ones aside.
func (e *Engine) PruneNetworks() (names []string) {
	h := e.Host()
	if h.nets == nil {
		return nil
	}
	for _, n := range slices.Clone(h.nets.list) {
		if n.builtin {
			continue
		}
		inUse := false
		for _, c := range h.containers {
			if slices.Contains(e.NetworksOf(c), n.Name) {
				inUse = true
			}
		}
		if !inUse {
			names = append(names, n.Name)
			h.nets.list = slices.DeleteFunc(h.nets.list, func(x *Network) bool { return x == n })
		}
	}
	sort.Strings(names)
	return names
}
