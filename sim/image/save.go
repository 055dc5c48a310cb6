package image

import (
	"archive/tar"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
)

// Saved is one image of a docker save tar, with the names it is saved under.
type Saved struct {
	Image    *Image
	RepoTags []string // "pageturn:latest"; none for an image saved by ID
}

// WriteDockerSave writes images as docker save (25 and later) does: an OCI
// image layout (oci-layout, index.json, blobs/sha256/…) with Docker's
// manifest.json and repositories files beside it, so both docker load and
// OCI tools read it. Layers are stored uncompressed, the exact bytes of
// their diffID; every entry has the Unix epoch as its time, so one image
// saves to the same bytes every time.
func WriteDockerSave(w io.Writer, images []Saved) error {
	tw := tar.NewWriter(w)
	epoch := time.Unix(0, 0).UTC()
	header := func(name string, size int64, dir bool) *tar.Header {
		h := &tar.Header{Name: name, Size: size, Mode: 0o644, ModTime: epoch, Typeflag: tar.TypeReg, Format: tar.FormatPAX}
		if dir {
			h.Typeflag, h.Mode, h.Size = tar.TypeDir, 0o755, 0
		}
		return h
	}
	file := func(name string, b []byte) error {
		if err := tw.WriteHeader(header(name, int64(len(b)), false)); err != nil {
			return err
		}
		_, err := tw.Write(b)
		return err
	}
	for _, d := range []string{"blobs/", "blobs/sha256/"} {
		if err := tw.WriteHeader(header(d, 0, true)); err != nil {
			return err
		}
	}
	type manifestEntry struct {
		Config   string
		RepoTags []string
		Layers   []string
	}
	var manifest []manifestEntry
	var index ocispec.Index
	index.SchemaVersion = 2
	index.MediaType = ocispec.MediaTypeImageIndex
	repos := map[string]map[string]string{}
	written := map[digest.Digest]bool{}
	blob := func(d digest.Digest, size int64, write func(io.Writer) error) error {
		if written[d] {
			return nil
		}
		written[d] = true
		if err := tw.WriteHeader(header("blobs/sha256/"+d.Encoded(), size, false)); err != nil {
			return err
		}
		return write(tw)
	}
	for _, s := range images {
		img := s.Image
		var layers []string
		for _, l := range img.Layers() {
			if err := blob(l.DiffID(), l.TarSize(), l.WriteTar); err != nil {
				return fmt.Errorf("writing layer %s: %w", l.DiffID(), err)
			}
			layers = append(layers, "blobs/sha256/"+l.DiffID().Encoded())
		}
		for _, b := range []struct {
			d    digest.Digest
			data []byte
		}{{img.ID(), img.ConfigJSON()}, {img.ManifestDigest(), img.ManifestJSON()}} {
			data := b.data
			if err := blob(b.d, int64(len(data)), func(w io.Writer) error { _, err := w.Write(data); return err }); err != nil {
				return err
			}
		}
		tags := append([]string(nil), s.RepoTags...)
		sort.Strings(tags)
		manifest = append(manifest, manifestEntry{Config: "blobs/sha256/" + img.ID().Encoded(), RepoTags: tags, Layers: layers})
		desc := ocispec.Descriptor{MediaType: ocispec.MediaTypeImageManifest, Digest: img.ManifestDigest(), Size: int64(len(img.ManifestJSON()))}
		if len(tags) == 0 {
			index.Manifests = append(index.Manifests, desc)
		}
		for _, t := range tags {
			d := desc
			i := strings.LastIndex(t, ":")
			d.Annotations = map[string]string{"io.containerd.image.name": t, ocispec.AnnotationRefName: t[i+1:]}
			index.Manifests = append(index.Manifests, d)
			if repos[t[:i]] == nil {
				repos[t[:i]] = map[string]string{}
			}
			repos[t[:i]][t[i+1:]] = img.ID().Encoded()
		}
	}
	for _, f := range []struct {
		name string
		v    any
	}{{"index.json", index}, {"manifest.json", manifest}, {"oci-layout", ocispec.ImageLayout{Version: ocispec.ImageLayoutVersion}}, {"repositories", repos}} {
		b, err := json.Marshal(f.v)
		if err != nil {
			return err
		}
		if err := file(f.name, b); err != nil {
			return err
		}
	}
	return tw.Close()
}

// SavedTags lists the RepoTags of every image in a docker save tar's
// manifest.json, in order ("" for an image saved by ID alone).
func SavedTags(r io.Reader, lim Limits) ([]string, error) {
	lim = lim.withDefaults()
	files, err := readTarFiles(r, lim.MaxBytes, lim.MaxUnpacked)
	if err != nil {
		return nil, err
	}
	b, ok := files.files["manifest.json"]
	if !ok {
		return nil, fmt.Errorf("neither manifest.json nor index.json found: not a docker save archive")
	}
	var entries []struct{ RepoTags []string }
	if err := json.Unmarshal(b, &entries); err != nil {
		return nil, fmt.Errorf("reading manifest.json: %w", err)
	}
	var out []string
	for _, e := range entries {
		if len(e.RepoTags) == 0 {
			out = append(out, "")
		}
		out = append(out, e.RepoTags...)
	}
	return out, nil
}
