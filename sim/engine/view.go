package engine

import "github.com/opencontainers/go-digest"

// IsBaseLayer reports whether a layer belongs to one of the base images'
// teaching copies, so the visualizer can tell them from layers a learner
// built.
func (e *Engine) IsBaseLayer(d digest.Digest) bool { return e.lib.layers[d] }
