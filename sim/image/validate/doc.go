// Package validate checks that an image is what it claims to be: that its
// config, manifest and layers agree with one another the way a registry,
// skopeo or umoci would expect, and that every layer's tar reads back, with a
// standard tar reader, to exactly the entries the layer holds.
//
// It is the invariant checker every test that makes an image runs, so that a
// bug in the builder or the engine shows up as a broken image at once rather
// than as a wrong digest three lessons later.
package validate
