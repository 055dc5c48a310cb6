package validate

import (
	"archive/tar"
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"strings"

	dockerspec "github.com/moby/docker-image-spec/specs-go/v1"
	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/layerlab/layerlab/sim/image"
	"github.com/layerlab/layerlab/sim/layer"
)

// Image checks every invariant of img and returns all the broken ones joined
// into one error, or nil.
//
//   - the config digest is the image ID and the config lists the layers'
//     diffIDs, in order;
//   - the history entries without empty_layer are as many as the layers;
//   - the manifest names the config by digest and size, and lists one
//     descriptor per layer whose digest is the diffID and whose size is the
//     tar's (the layers are stored uncompressed);
//   - each layer's tar hashes to its diffID, has its TarSize, and reads back
//     with archive/tar to the same entries, in the same order;
//   - whiteouts are empty regular files with a name, and opaque markers sit
//     inside a directory the layer also holds.
func Image(img *image.Image) error {
	var c Checker
	return c.Image(img)
}

// Checker validates many images and checks each distinct layer once: images
// built on the same base share its layers, and re-reading a teaching copy's
// large sparse files for every image of a test suite would cost seconds. The
// zero value is ready to use; a Checker is not safe for concurrent use.
type Checker struct {
	good map[digest.Digest]bool // layers that passed Layer
}

// Image is the package's Image, skipping layers this Checker has passed.
func (c *Checker) Image(img *image.Image) error {
	if img == nil {
		return errors.New("validate: nil image")
	}
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }

	cfgJSON := img.ConfigJSON()
	if got := digest.FromBytes(cfgJSON); got != img.ID() {
		bad("config digest %s is not the image ID %s", got, img.ID())
	}
	var cfg dockerspec.DockerOCIImage
	if err := json.Unmarshal(cfgJSON, &cfg); err != nil {
		bad("config does not parse: %w", err)
	}
	layers := img.Layers()
	if cfg.RootFS.Type != "layers" {
		bad("config rootfs type is %q, not \"layers\"", cfg.RootFS.Type)
	}
	if len(cfg.RootFS.DiffIDs) != len(layers) {
		bad("config lists %d diffIDs for %d layers", len(cfg.RootFS.DiffIDs), len(layers))
	}
	for i := 0; i < len(layers) && i < len(cfg.RootFS.DiffIDs); i++ {
		if cfg.RootFS.DiffIDs[i] != layers[i].DiffID() {
			bad("config diffID %d is %s, the layer's is %s", i, cfg.RootFS.DiffIDs[i], layers[i].DiffID())
		}
	}
	if len(cfg.History) > 0 {
		n := 0
		for _, h := range cfg.History {
			if !h.EmptyLayer {
				n++
			}
		}
		if n != len(layers) {
			bad("history has %d entries with a layer for %d layers", n, len(layers))
		}
	}

	manJSON := img.ManifestJSON()
	if got := digest.FromBytes(manJSON); got != img.ManifestDigest() {
		bad("manifest digest %s is not the one the image reports, %s", got, img.ManifestDigest())
	}
	var man ocispec.Manifest
	if err := json.Unmarshal(manJSON, &man); err != nil {
		bad("manifest does not parse: %w", err)
	}
	if man.SchemaVersion != 2 {
		bad("manifest schemaVersion is %d, not 2", man.SchemaVersion)
	}
	if man.Config.Digest != img.ID() || man.Config.Size != int64(len(cfgJSON)) {
		bad("manifest config descriptor %s (%d bytes) is not the config %s (%d bytes)", man.Config.Digest, man.Config.Size, img.ID(), len(cfgJSON))
	}
	if len(man.Layers) != len(layers) {
		bad("manifest lists %d layers, the image has %d", len(man.Layers), len(layers))
	}
	var size int64
	for i, l := range layers {
		size += l.Size()
		if i < len(man.Layers) {
			d := man.Layers[i]
			if d.Digest != l.DiffID() || d.Size != l.TarSize() {
				bad("manifest layer %d is %s (%d bytes), the layer tar is %s (%d bytes)", i, d.Digest, d.Size, l.DiffID(), l.TarSize())
			}
			if d.MediaType != ocispec.MediaTypeImageLayer {
				bad("manifest layer %d has media type %q, want %q for an uncompressed layer", i, d.MediaType, ocispec.MediaTypeImageLayer)
			}
		}
		if c.good[l.DiffID()] {
			continue
		}
		if err := Layer(l); err != nil {
			bad("layer %d (%s): %w", i, l.DiffID().Encoded()[:12], err)
			continue
		}
		if c.good == nil {
			c.good = map[digest.Digest]bool{}
		}
		c.good[l.DiffID()] = true
	}
	if size != img.Size() {
		bad("image size %d is not the sum of its layers' sizes %d", img.Size(), size)
	}
	return errors.Join(errs...)
}

// Layer checks one layer: its tar hashes to its diffID, has its TarSize and
// re-reads with archive/tar to the same entries, and its whiteouts are well
// formed.
func Layer(l *layer.Layer) error {
	h := sha256.New()
	var tarBuf bytes.Buffer
	if err := l.WriteTar(io.MultiWriter(h, &tarBuf)); err != nil {
		return fmt.Errorf("writing tar: %w", err)
	}
	if got := digest.NewDigest(digest.SHA256, h); got != l.DiffID() {
		return fmt.Errorf("tar digest %s is not the diffID %s", got, l.DiffID())
	}
	if int64(tarBuf.Len()) != l.TarSize() {
		return fmt.Errorf("tar is %d bytes, TarSize says %d", tarBuf.Len(), l.TarSize())
	}
	entries := l.Entries()
	tr := tar.NewReader(&tarBuf)
	var size int64
	for i := 0; ; i++ {
		hdr, err := tr.Next()
		if err == io.EOF {
			if i != len(entries) {
				return fmt.Errorf("tar has %d entries, the layer %d", i, len(entries))
			}
			break
		}
		if err != nil {
			return fmt.Errorf("reading tar entry %d: %w", i, err)
		}
		if i >= len(entries) {
			return fmt.Errorf("tar has more entries than the layer's %d", len(entries))
		}
		e := entries[i]
		if err := sameEntry(hdr, tr, e); err != nil {
			return fmt.Errorf("tar entry %d %q: %w", i, hdr.Name, err)
		}
		if err := whiteout(e, entries); err != nil {
			return fmt.Errorf("entry %q: %w", e.Path, err)
		}
		if e.Type == layer.TypeReg {
			size += e.Size
		}
	}
	if size != l.Size() {
		return fmt.Errorf("size %d is not the sum of its files' sizes %d", l.Size(), size)
	}
	return nil
}

// sameEntry compares one tar header and its content with a layer entry.
func sameEntry(hdr *tar.Header, r io.Reader, e layer.Entry) error {
	name := strings.TrimSuffix(hdr.Name, "/")
	if name != e.Path {
		return fmt.Errorf("path is %q in the layer", e.Path)
	}
	want := map[layer.Type]byte{layer.TypeReg: tar.TypeReg, layer.TypeDir: tar.TypeDir, layer.TypeSymlink: tar.TypeSymlink}[e.Type]
	if hdr.Typeflag != want {
		return fmt.Errorf("type %q, want %q", hdr.Typeflag, want)
	}
	if got := fs.FileMode(hdr.Mode) & fs.ModePerm; got != e.Mode.Perm() {
		return fmt.Errorf("mode %v, want %v", got, e.Mode.Perm())
	}
	if hdr.Uid != e.UID || hdr.Gid != e.GID {
		return fmt.Errorf("owner %d:%d, want %d:%d", hdr.Uid, hdr.Gid, e.UID, e.GID)
	}
	if hdr.Linkname != e.Linkname {
		return fmt.Errorf("link target %q, want %q", hdr.Linkname, e.Linkname)
	}
	if !hdr.ModTime.IsZero() && hdr.ModTime.Unix() != layer.ModTime {
		return fmt.Errorf("modification time %v, want the epoch", hdr.ModTime)
	}
	if e.Type != layer.TypeReg {
		return nil
	}
	if hdr.Size != e.Size {
		return fmt.Errorf("size %d, want %d", hdr.Size, e.Size)
	}
	return sameContent(r, e.Data, e.Size)
}

// sameContent reads size bytes and checks they are data followed by zeros,
// in chunks, so a teaching copy's large sparse file costs no memory.
func sameContent(r io.Reader, data []byte, size int64) error {
	buf := make([]byte, 256<<10)
	var off int64
	for off < size {
		chunk := buf[:min(int64(len(buf)), size-off)]
		if _, err := io.ReadFull(r, chunk); err != nil {
			return fmt.Errorf("reading content at %d: %w", off, err)
		}
		for len(chunk) > 0 {
			if off < int64(len(data)) {
				n := min(int64(len(chunk)), int64(len(data))-off)
				if !bytes.Equal(chunk[:n], data[off:off+n]) {
					return fmt.Errorf("content differs within bytes %d..%d", off, off+n)
				}
				chunk, off = chunk[n:], off+n
				continue
			}
			if !allZero(chunk) {
				return fmt.Errorf("byte %d past the stored data is not zero", off)
			}
			off += int64(len(chunk))
			chunk = nil
		}
	}
	return nil
}

func allZero(b []byte) bool {
	var zero [4096]byte
	for len(b) > 0 {
		n := min(len(b), len(zero))
		if !bytes.Equal(b[:n], zero[:n]) {
			return false
		}
		b = b[n:]
	}
	return true
}

// whiteout checks a deletion marker: an empty regular file whose target has
// a name, with an opaque marker only inside a directory the layer holds, and
// no whiteout of a path the same layer adds.
func whiteout(e layer.Entry, all []layer.Entry) error {
	base := path.Base(e.Path)
	if !strings.HasPrefix(base, layer.WhiteoutPrefix) {
		return nil
	}
	if e.Type != layer.TypeReg || e.Size != 0 {
		return errors.New("whiteout is not an empty regular file")
	}
	if base == layer.OpaqueWhiteout {
		dir := path.Dir(e.Path)
		if dir == "." {
			return errors.New("opaque marker at the root of the layer")
		}
		for _, o := range all {
			if o.Path == dir {
				if o.Type != layer.TypeDir {
					return fmt.Errorf("opaque marker inside %q, which is not a directory", dir)
				}
				return nil
			}
		}
		return fmt.Errorf("opaque marker inside %q, which the layer does not hold", dir)
	}
	target := strings.TrimPrefix(base, layer.WhiteoutPrefix)
	if target == "" || strings.HasPrefix(target, layer.WhiteoutPrefix) {
		return fmt.Errorf("malformed whiteout name %q", base)
	}
	full := path.Join(path.Dir(e.Path), target)
	for _, o := range all {
		if o.Path == full {
			return fmt.Errorf("whiteout of %q, which the same layer adds", full)
		}
	}
	return nil
}
