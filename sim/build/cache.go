package build

import (
	"crypto/sha256"
	"encoding/binary"
	"time"

	"github.com/opencontainers/go-digest"

	"github.com/layerlab/layerlab/sim/layer"
)

// Cache remembers what each step produced, keyed on everything the step
// depends on: its parent, the instruction and, for COPY and ADD, the checksums
// of the files it copies. One cache belongs to one engine host, as BuildKit's
// cache belongs to one builder.
type Cache struct {
	steps map[digest.Digest]cached
}

type cached struct {
	layer   *layer.Layer // nil when the step changed nothing
	created time.Time
}

// NewCache returns an empty build cache.
func NewCache() *Cache { return &Cache{steps: map[digest.Digest]cached{}} }

// Layers calls fn with the layer of every cached step that made one.
func (c *Cache) Layers(fn func(*layer.Layer)) {
	for _, e := range c.steps {
		if e.layer != nil {
			fn(e.layer)
		}
	}
}

// Len is the number of cached steps.
func (c *Cache) Len() int { return len(c.steps) }

// Prune forgets every cached step (docker builder prune -a).
func (c *Cache) Prune() { clear(c.steps) }

// Keep forgets every cached step except those whose layer keep says yes
// to (docker builder prune keeps what images still share). Steps that made
// no layer are forgotten: they hold nothing and cost nothing to redo.
func (c *Cache) Keep(keep func(diffID digest.Digest) bool) {
	for k, e := range c.steps {
		if e.layer == nil || !keep(e.layer.DiffID()) {
			delete(c.steps, k)
		}
	}
}

func (c *Cache) get(k digest.Digest) (cached, bool) {
	if c == nil {
		return cached{}, false
	}
	e, ok := c.steps[k]
	return e, ok
}

func (c *Cache) put(k digest.Digest, e cached) {
	if c != nil {
		c.steps[k] = e
	}
}

// keyOf hashes a parent key and the parts of a step, each length-prefixed so
// that no two different lists hash alike.
func keyOf(parent digest.Digest, parts ...string) digest.Digest {
	h := sha256.New()
	var n [8]byte
	write := func(s string) {
		binary.BigEndian.PutUint64(n[:], uint64(len(s)))
		h.Write(n[:])
		h.Write([]byte(s))
	}
	write(parent.String())
	for _, p := range parts {
		write(p)
	}
	return digest.NewDigest(digest.SHA256, h)
}
