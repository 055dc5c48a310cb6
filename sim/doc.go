// Package sim is the root of layerlab's engine: a pure, deterministic model of
// how Docker builds images and runs containers. It holds the small types every
// part of the engine shares (events, errors); each verb lives in a package of
// its own below it (layer, union, dockerfile, shell, base, image, build, …).
//
// Nothing under sim touches the network, the host filesystem, the wall clock or
// global randomness, and nothing starts a goroutine: given the same seed and
// the same commands it produces the same state, IDs, digests and output.
package sim
