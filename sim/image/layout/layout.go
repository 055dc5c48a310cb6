package layout

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"regexp"
	"slices"

	"github.com/opencontainers/go-digest"
	specs "github.com/opencontainers/image-spec/specs-go"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/layerlab/layerlab/sim/image"
)

// refName is the grammar the OCI image spec gives for the
// org.opencontainers.image.ref.name annotation.
var refName = regexp.MustCompile(`^[A-Za-z0-9]+(?:(?:[-._:@+]|--)[A-Za-z0-9]+)*(?:/[A-Za-z0-9]+(?:(?:[-._:@+]|--)[A-Za-z0-9]+)*)*$`)

// Write writes imgs (tag -> image) into the OCI image layout at dir, creating
// it if needed. Each tag becomes an index.json entry annotated with
// org.opencontainers.image.ref.name, so `skopeo inspect oci:DIR:TAG` and
// `umoci unpack --image DIR:TAG` find it. An existing layout is added to:
// its other entries stay, an entry with one of the tags is replaced, and
// blobs already present are kept (they are named by their digest).
//
// Layers are stored uncompressed, exactly the bytes of their diffID.
func Write(dir string, imgs map[string]*image.Image) error {
	tags := slices.Sorted(maps.Keys(imgs))
	for _, tag := range tags {
		if !refName.MatchString(tag) {
			return fmt.Errorf("writing OCI layout %s: %q is not a valid ref name (letters, digits and -._:@+ separators)", dir, tag)
		}
		if imgs[tag] == nil {
			return fmt.Errorf("writing OCI layout %s: image for %q is nil", dir, tag)
		}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("writing OCI layout: %w", err)
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return fmt.Errorf("writing OCI layout: %w", err)
	}
	defer root.Close()
	if err := write(root, tags, imgs); err != nil {
		return fmt.Errorf("writing OCI layout %s: %w", dir, err)
	}
	return nil
}

func write(root *os.Root, tags []string, imgs map[string]*image.Image) error {
	if err := writeLayoutFile(root); err != nil {
		return err
	}
	idx, err := readIndex(root)
	if err != nil {
		return err
	}
	if err := root.MkdirAll("blobs/sha256", 0o755); err != nil {
		return err
	}
	written := map[digest.Digest]bool{}
	for _, tag := range tags {
		img := imgs[tag]
		if written[img.ManifestDigest()] {
			continue
		}
		for _, l := range img.Layers() {
			if err := writeBlob(root, l.DiffID(), l.TarSize(), l.WriteTar); err != nil {
				return err
			}
		}
		if err := writeBytes(root, img.ID(), img.ConfigJSON()); err != nil {
			return err
		}
		if err := writeBytes(root, img.ManifestDigest(), img.ManifestJSON()); err != nil {
			return err
		}
		written[img.ManifestDigest()] = true
	}

	kept := idx.Manifests[:0]
	for _, d := range idx.Manifests {
		if _, replaced := imgs[d.Annotations[ocispec.AnnotationRefName]]; !replaced {
			kept = append(kept, d)
		}
	}
	idx.Manifests = kept
	for _, tag := range tags {
		img := imgs[tag]
		cfg := img.Config()
		idx.Manifests = append(idx.Manifests, ocispec.Descriptor{
			MediaType:   ocispec.MediaTypeImageManifest,
			Digest:      img.ManifestDigest(),
			Size:        int64(len(img.ManifestJSON())),
			Annotations: map[string]string{ocispec.AnnotationRefName: tag},
			Platform: &ocispec.Platform{
				Architecture: cfg.Architecture,
				OS:           cfg.OS,
				OSVersion:    cfg.OSVersion,
				Variant:      cfg.Variant,
			},
		})
	}
	b, err := json.Marshal(idx)
	if err != nil {
		return fmt.Errorf("encoding index.json: %w", err)
	}
	return replaceFile(root, "index.json", b)
}

func writeLayoutFile(root *os.Root) error {
	b, err := root.ReadFile(ocispec.ImageLayoutFile)
	if errors.Is(err, fs.ErrNotExist) {
		b, err := json.Marshal(ocispec.ImageLayout{Version: ocispec.ImageLayoutVersion})
		if err != nil {
			return err
		}
		return replaceFile(root, ocispec.ImageLayoutFile, b)
	}
	if err != nil {
		return err
	}
	var l ocispec.ImageLayout
	if err := json.Unmarshal(b, &l); err != nil || l.Version != ocispec.ImageLayoutVersion {
		return fmt.Errorf("%s exists and is not an image layout version %s", ocispec.ImageLayoutFile, ocispec.ImageLayoutVersion)
	}
	return nil
}

func readIndex(root *os.Root) (ocispec.Index, error) {
	b, err := root.ReadFile("index.json")
	if errors.Is(err, fs.ErrNotExist) {
		return ocispec.Index{
			Versioned: specs.Versioned{SchemaVersion: 2},
			MediaType: ocispec.MediaTypeImageIndex,
			Manifests: []ocispec.Descriptor{},
		}, nil
	}
	if err != nil {
		return ocispec.Index{}, err
	}
	var idx ocispec.Index
	if err := json.Unmarshal(b, &idx); err != nil {
		return ocispec.Index{}, fmt.Errorf("existing index.json: %w", err)
	}
	if idx.SchemaVersion != 2 {
		return ocispec.Index{}, fmt.Errorf("existing index.json: schema version %d, want 2", idx.SchemaVersion)
	}
	return idx, nil
}

func writeBytes(root *os.Root, d digest.Digest, b []byte) error {
	return writeBlob(root, d, int64(len(b)), func(w io.Writer) error {
		_, err := w.Write(b)
		return err
	})
}

// writeBlob stores a blob under its digest unless it is already there,
// checking that what was written hashes to d: a layer whose tar is not
// deterministic would be caught here.
func writeBlob(root *os.Root, d digest.Digest, size int64, content func(io.Writer) error) error {
	name := "blobs/sha256/" + d.Encoded()
	if fi, err := root.Lstat(name); err == nil && fi.Mode().IsRegular() && fi.Size() == size {
		return nil
	}
	tmp := "blobs/sha256/." + d.Encoded() + ".tmp"
	f, err := root.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return err
	}
	h := digest.SHA256.Digester()
	cw := &countingWriter{w: io.MultiWriter(f, h.Hash())}
	err = content(cw)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil && (h.Digest() != d || cw.n != size) {
		err = fmt.Errorf("blob %s: wrote %d bytes hashing to %s, want %d bytes", d, cw.n, h.Digest(), size)
	}
	if err != nil {
		root.Remove(tmp)
		return err
	}
	return root.Rename(tmp, name)
}

// replaceFile writes a small file through a temporary one, so a reader never
// sees it half written.
func replaceFile(root *os.Root, name string, b []byte) error {
	tmp := "." + name + ".tmp"
	if err := root.WriteFile(tmp, b, 0o644); err != nil {
		return err
	}
	if err := root.Rename(tmp, name); err != nil {
		root.Remove(tmp)
		return err
	}
	return nil
}

type countingWriter struct {
	w io.Writer
	n int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

// Read reads the image called ref from the OCI image layout at dir; see
// image.ReadLayout for how ref is matched and what is checked.
func Read(dir, ref string, lim image.Limits) (*image.Image, error) {
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, fmt.Errorf("reading OCI layout: %w", err)
	}
	defer root.Close()
	img, err := image.ReadLayout(root.FS(), ref, lim)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", dir, err)
	}
	return img, nil
}
