// Package union is the merged view of a stack of layers (what a container's
// root filesystem looks like) and the writable layer on top of it, which
// records copy-ups and whiteouts exactly as overlay2 does.
//
// FS is built once per stack and never changes, so every container and every
// session started from the same image can share one. Overlay is the part
// that is per container: it holds only what the container changed, so an
// idle container costs a few words.
//
// Paths are resolved the way the kernel resolves them, one element at a
// time, with symlinks followed inside the virtual root: an absolute target
// starts again at the root, ".." never climbs above it, and a chain of more
// than 40 links fails with ELOOP, as on Linux.
package union
