package layer

import (
	"crypto/sha256"
	"fmt"
	"io"
	"io/fs"
	"slices"

	"github.com/opencontainers/go-digest"
)

// The OCI names for deletions recorded in a layer.
const (
	WhiteoutPrefix = ".wh."
	OpaqueWhiteout = ".wh..wh..opq"
)

// Type is the kind of a layer entry.
type Type uint8

const (
	TypeReg Type = iota
	TypeDir
	TypeSymlink
)

// Entry is one path in a layer. Whiteouts are regular empty entries whose base
// name starts with WhiteoutPrefix, exactly as they appear in an OCI tar.
//
// Regular files carry their apparent Size (what ls -l and docker report) and
// their Data. When len(Data) < Size the remaining bytes are zero: the teaching
// copies of large binaries keep their real size without storing it, and they
// are serialized as sparse tar entries, so the tar stays small while tar
// readers still see a file of Size bytes.
type Entry struct {
	Path     string      // slash-separated, relative to the root, cleaned: "usr/bin/env"
	Type     Type        //
	Mode     fs.FileMode // permission and special bits only (no type bits)
	UID, GID int         //
	Size     int64       // apparent size of a regular file
	Data     []byte      // leading bytes of a regular file; the rest are zeros
	Linkname string      // target of a symlink
}

// Layer is an immutable OCI layer diff. Build one with New.
type Layer struct {
	entries []Entry
	diffID  digest.Digest
	size    int64
	tarSize int64
}

// New validates entries, sorts them into tar order (parents before children)
// and computes the layer's diffID from its deterministic tar.
//
// New copies the slice but not the Data of each entry: the caller hands that
// over and must not change it afterwards, or the layer and its diffID would
// disagree.
func New(entries []Entry) (*Layer, error) {
	es := slices.Clone(entries)
	for i := range es {
		if err := validate(&es[i]); err != nil {
			return nil, fmt.Errorf("layer entry %q: %w", es[i].Path, err)
		}
	}
	// Entries that come in tar order already (read from a tar written here,
	// or built in order) are only checked, which is much cheaper than sorting.
	byPath := func(a, b Entry) int { return Compare(a.Path, b.Path) }
	if !slices.IsSortedFunc(es, byPath) {
		slices.SortFunc(es, byPath)
	}
	if err := checkTree(es); err != nil {
		return nil, err
	}
	l := &Layer{entries: es}
	for i := range es {
		if es[i].Type == TypeReg {
			l.size += es[i].Size
		}
	}
	// crypto/sha256 directly: go-digest's Digester needs the hash to be
	// linked in by someone else's import.
	h := sha256.New()
	n, err := writeTar(h, es)
	if err != nil {
		return nil, fmt.Errorf("hashing layer tar: %w", err)
	}
	l.diffID, l.tarSize = digest.NewDigest(digest.SHA256, h), n
	return l, nil
}

// Entries returns the layer's entries in tar order. Callers must not modify it.
func (l *Layer) Entries() []Entry { return l.entries }

// DiffID is the sha256 of the layer's uncompressed tar.
func (l *Layer) DiffID() digest.Digest { return l.diffID }

// Size is the sum of the apparent sizes of its regular files, which is what
// docker history and docker system df report for a layer.
func (l *Layer) Size() int64 { return l.size }

// TarSize is the length in bytes of the layer's tar serialization.
func (l *Layer) TarSize() int64 { return l.tarSize }

// WriteTar writes the layer's deterministic tar to w.
func (l *Layer) WriteTar(w io.Writer) error {
	if _, err := writeTar(w, l.entries); err != nil {
		return fmt.Errorf("writing layer %s: %w", l.diffID, err)
	}
	return nil
}
