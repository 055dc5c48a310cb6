package engine

import (
	"github.com/layerlab/layerlab/sim/layer"
	"github.com/layerlab/layerlab/sim/union"
)

// quota is what every writable layer of the session may store: the limits
// per file and per layer, and the session's shared budget.
func (e *Engine) quota() union.Quota {
	return union.Quota{FileBytes: e.limits.FileBytes, Entries: e.limits.LayerEntries, Session: e.budget}
}

// refreshBudget counts again what the session stores, exactly, so that
// the budget gives back what removed containers, volumes and images held.
// Between refreshes writes and removals keep it up to date themselves.
func (e *Engine) refreshBudget() {
	e.budget.Limit = e.limits.SessionBytes
	e.budget.Left = e.limits.SessionBytes - e.StoredBytes()
}

// Work is what the session's commands did so far, in shell steps (see
// sim.Meter): a server may share its CPU between sessions by it.
func (e *Engine) Work() int64 { return e.meter.Steps }

// StoredBytes is what the session holds in memory, as union.Quota counts
// it: the writable layers of its containers, its volumes, and every layer
// it made (built, committed or imported) that its images, build caches or
// the registry still hold. The teaching copies of the base images are
// shared by every session and count for none.
func (e *Engine) StoredBytes() int64 {
	var n int64
	seen := map[*layer.Layer]bool{}
	addLayer := func(l *layer.Layer) {
		if l == nil || seen[l] || e.lib.layers[l.DiffID()] {
			return
		}
		seen[l] = true
		size, ok := e.layerBytes[l]
		if !ok {
			size = union.StoredBytes(l)
			e.layerBytes[l] = size
		}
		n += size
	}
	for _, name := range e.order {
		h := e.hosts[name]
		for _, c := range h.containers {
			n += c.Upper.Stored()
		}
		for _, v := range h.volumes {
			n += v.Data.Stored()
		}
		for _, rec := range h.images {
			for _, l := range rec.img.Layers() {
				addLayer(l)
			}
		}
		h.cache.Layers(addLayer)
	}
	for _, img := range e.registry.repos {
		for _, l := range img.Layers() {
			addLayer(l)
		}
	}
	for l := range e.layerBytes {
		if !seen[l] {
			delete(e.layerBytes, l) // gone: forget it
		}
	}
	return n
}
