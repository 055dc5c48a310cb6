// Package layer models one OCI layer: a filesystem diff whose deterministic tar
// serialization is hashed into the layer's diffID.
//
// The tar is written by hand rather than with archive/tar because the teaching
// copies of large files are stored as a few leading bytes plus an apparent
// size, and only a sparse tar entry can carry that honestly: GNU sparse format
// 1.0 inside PAX, which archive/tar reads but cannot write. Everything that is
// not sparse is written byte for byte as archive/tar would write it (USTAR,
// falling back to PAX records for what USTAR cannot hold), so the layer tars
// look like the ones Docker and BuildKit produce, minus the wall clock: every
// modification time is the Unix epoch, the same normalisation BuildKit applies
// when SOURCE_DATE_EPOCH is set, which is what makes equal content give equal
// diffIDs in every session and on every host.
//
// Entries are kept in the order Docker's overlay2 export walks a layer
// directory: depth first, siblings sorted by name, a directory before its
// contents, a directory's opaque marker right after the directory, and a
// whiteout in the place of the name it deletes.
package layer
