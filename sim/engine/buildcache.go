package engine

import (
	"crypto/sha256"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/opencontainers/go-digest"

	"github.com/layerlab/layerlab/sim"
	"github.com/layerlab/layerlab/sim/image"
)

// CacheRecord is one entry of a host's build cache, as docker system df -v
// lists it: a layer a build step made, kept so the next build can reuse it.
type CacheRecord struct {
	ID       string // 25 characters, like BuildKit's record IDs
	DiffID   digest.Digest
	Size     int64
	Created  time.Time
	LastUsed time.Time
	Usage    int // how many builds made or reused it
	// Shared says an image on the host holds this layer on the same layers
	// below it. BuildKit then leaves the record out of the cache's size (the
	// image already counts the bytes) and a plain docker builder prune
	// keeps it.
	Shared bool
	chain  digest.Digest // the layer with all below it; "" outside the final image
}

// buildRecords is a host's build cache as BuildKit would list it. The step
// cache itself lives in sim/build; this mirrors it from the build's events,
// one record for each layer a step made.
type buildRecords struct {
	list []*CacheRecord
	made int // records ever made on the host, so IDs never repeat
}

// stepResult is one step's layer as a build reported it: made or reused.
type stepResult struct {
	diffID digest.Digest
	size   int64
	cached bool
	at     time.Time
}

// observe wraps a build's event stream, noting each step's layer in steps
// and passing every event on.
func (e *Engine) observe(steps *[]stepResult, next sim.Emit) sim.Emit {
	return func(ev sim.Event) {
		switch p := ev.Payload.(type) {
		case sim.LayerCreated:
			*steps = append(*steps, stepResult{diffID: digest.Digest(p.DiffID), size: p.Size, at: e.now})
		case sim.StepCached:
			if p.DiffID != "" {
				*steps = append(*steps, stepResult{diffID: digest.Digest(p.DiffID), cached: true, at: e.now})
			}
		}
		next.Send(ev.Type, ev.Payload)
	}
}

// settle turns a finished build's steps into records. A layer the final
// image holds gets its chain (itself and the layers below), so two RUN
// steps that wrote the same bytes on different parents stay two records,
// as BuildKit keeps them. A step that ran again (--no-cache) makes a new
// record, as BuildKit makes a new snapshot. img is nil when the build
// failed: the steps that finished still leave records.
func (r *buildRecords) settle(host string, steps []stepResult, img *image.Image) {
	at := map[digest.Digest][]digest.Digest{} // diffID -> chains, bottom first
	if img != nil {
		chains := chainIDs(img)
		for i, l := range img.Layers() {
			at[l.DiffID()] = append(at[l.DiffID()], chains[i])
		}
	}
	for _, s := range steps {
		var chain digest.Digest
		if q := at[s.diffID]; len(q) > 0 {
			chain, at[s.diffID] = q[len(q)-1], q[:len(q)-1]
		}
		if s.cached {
			if rec := r.newest(s.diffID, chain); rec != nil {
				rec.Usage++
				rec.LastUsed = s.at
				continue
			}
		}
		r.made++
		id := recordID(fmt.Sprintf("%s/%d/%s", host, r.made, s.diffID))
		r.list = append(r.list, &CacheRecord{ID: id, DiffID: s.diffID, Size: s.size, Created: s.at, LastUsed: s.at, Usage: 1, chain: chain})
	}
}

// newest finds the latest record of a layer on the given chain.
func (r *buildRecords) newest(diffID, chain digest.Digest) *CacheRecord {
	for i := len(r.list) - 1; i >= 0; i-- {
		if rec := r.list[i]; rec.DiffID == diffID && (chain == "" || rec.chain == "" || rec.chain == chain) {
			if chain != "" && rec.chain == "" {
				rec.chain = chain
			}
			return rec
		}
	}
	return nil
}

// recordID derives a record ID from its seed in BuildKit's alphabet
// (lower-case letters and digits), without drawing from the session's
// random source, so building does not shift the container IDs after it.
func recordID(seed string) string {
	const alphabet = "abcdefghijklmnopqrstuvwxyz0123456789"
	sum := sha256.Sum256([]byte(seed))
	b := make([]byte, 25)
	for i := range b {
		b[i] = alphabet[int(sum[i])%len(alphabet)]
	}
	return string(b)
}

// BuildCache lists the current host's build cache records, oldest use
// first as the CLI sorts them, each marked Shared when an image holds its
// layer.
func (e *Engine) BuildCache() []CacheRecord {
	h := e.Host()
	held := map[digest.Digest]bool{} // every chain an image holds
	for _, rec := range h.images {
		for _, c := range chainIDs(rec.img) {
			held[c] = true
		}
	}
	out := make([]CacheRecord, 0, len(h.records.list))
	for _, r := range h.records.list {
		c := *r
		c.Shared = r.chain != "" && held[r.chain]
		out = append(out, c)
	}
	slices.SortStableFunc(out, func(a, b CacheRecord) int {
		if c := a.LastUsed.Compare(b.LastUsed); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	return out
}

// PruneBuildCache is docker builder prune: it deletes the records no image
// shares, or with all every record, and returns their IDs and the bytes
// freed. Shared records free nothing: their bytes stay with the image.
//
// The builder's step cache follows: steps whose layer an image still
// shares stay cached, the rest run again on the next build.
func (e *Engine) PruneBuildCache(all bool) (ids []string, reclaimed int64) {
	h := e.Host()
	var keep []*CacheRecord
	for _, r := range e.BuildCache() {
		if r.Shared && !all {
			keep = append(keep, h.records.find(r.ID))
			continue
		}
		ids = append(ids, r.ID)
		if !r.Shared {
			reclaimed += r.Size
		}
	}
	if all {
		keep = nil
	}
	if len(ids) > 0 {
		kept := map[digest.Digest]bool{}
		for _, r := range keep {
			if r != nil {
				kept[r.DiffID] = true
			}
		}
		h.cache.Keep(func(d digest.Digest) bool { return kept[d] })
	}
	h.records.list = keep
	return ids, reclaimed
}

func (r *buildRecords) find(id string) *CacheRecord {
	for _, rec := range r.list {
		if rec.ID == id {
			return rec
		}
	}
	return nil
}
