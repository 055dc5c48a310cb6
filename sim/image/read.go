package image

import (
	"archive/tar"
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"slices"
	"strings"
	"time"

	dockerspec "github.com/moby/docker-image-spec/specs-go/v1"
	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/layerlab/layerlab/sim"
	"github.com/layerlab/layerlab/sim/layer"
)

// Defaults for the zero fields of Limits.
const (
	DefaultMaxBytes  = 1 << 30 // what may be read from the source, compressed
	DefaultMaxLayers = 125     // Docker refuses deeper images ("max depth exceeded")
	// DefaultMaxUnpacked is what an import may decompress in all, tars
	// and layers together: real images the simulator can use are far
	// smaller, and a gzip bomb stops here instead of filling memory.
	DefaultMaxUnpacked = 256 << 20
	maxJSONBytes       = 4 << 20 // one index, manifest or config document
	// Past bombFloor decompressed bytes, data that grew more than
	// bombRatio times in decompression is refused as a bomb: real layers
	// compress a few times, not a thousand.
	bombFloor = 16 << 20
	bombRatio = 100
)

// Limits bound what reading an image accepts, so that an uploaded file cannot
// exhaust memory or time. A zero field means its default.
type Limits struct {
	MaxBytes    int64        // bytes read from the source: blobs as stored, JSON documents, tar headers
	MaxUnpacked int64        // bytes decompressed in all (a gzipped tar and its gzipped layers)
	MaxLayers   int          //
	Layer       layer.Limits // applied to each layer's tar
}

func (l Limits) withDefaults() Limits {
	if l.MaxBytes <= 0 {
		l.MaxBytes = DefaultMaxBytes
	}
	if l.MaxLayers <= 0 {
		l.MaxLayers = DefaultMaxLayers
	}
	if l.MaxUnpacked <= 0 {
		l.MaxUnpacked = DefaultMaxUnpacked
	}
	return l
}

// The annotations that name an image inside an OCI layout: the OCI one
// (usually just the tag), and the full name containerd and `docker save` add.
const (
	AnnotationRefName       = ocispec.AnnotationRefName // "org.opencontainers.image.ref.name"
	annotationContainerName = "io.containerd.image.name"
)

// Media types of Docker's own manifest format, which `docker save` and older
// registries still use alongside the OCI ones.
const (
	mediaTypeDockerManifest = "application/vnd.docker.distribution.manifest.v2+json"
	mediaTypeDockerList     = "application/vnd.docker.distribution.manifest.list.v2+json"
)

// DefaultPlatform is the platform picked from a multi-platform index.
const DefaultPlatform = "linux/amd64"

// ReadLayout reads the image called ref from an OCI image layout held in fsys
// (oci-layout, index.json, blobs/sha256/…). ref matches an index entry's
// org.opencontainers.image.ref.name, or the full image name in its
// io.containerd.image.name ("alpine:3.20" matches ".../alpine:3.20"); an empty
// ref picks the only image. From a multi-platform index it takes linux/amd64,
// or the only platform there is.
//
// Every blob is checked against its digest, and each layer against the
// config's diffIDs; gzip-compressed layers are decompressed. The layers are
// then re-serialized by package layer, so the image's ID equals the source's
// only when its layers were written by this simulator.
func ReadLayout(fsys fs.FS, ref string, lim Limits) (*Image, error) {
	r := &reader{src: fsys, lim: lim.withDefaults()}
	img, err := r.layout(ref)
	if err != nil {
		return nil, fmt.Errorf("reading OCI layout: %w", err)
	}
	return img, nil
}

// ImportDockerSave reads the image called ref from a tar written by
// `docker save` (plain or gzip-compressed): the classic format with
// manifest.json, <id>.json configs and <id>/layer.tar layers, and the newer one
// that is an OCI layout with a manifest.json beside it. A tar holding only an
// OCI layout (an oci-archive) is read too. ref matches a RepoTags entry
// ("pageturn:latest"; a ref without a tag means ":latest"); an empty ref
// picks the only image. See ReadLayout for what is checked.
func ImportDockerSave(r io.Reader, ref string, lim Limits) (*Image, error) {
	lim = lim.withDefaults()
	files, err := readTarFiles(r, lim.MaxBytes, lim.MaxUnpacked)
	if err != nil {
		return nil, fmt.Errorf("reading docker save tar: %w", err)
	}
	rd := &reader{src: files, lim: lim}
	var img *Image
	if _, ok := files.files["manifest.json"]; ok {
		img, err = rd.dockerSave(ref)
	} else if _, ok := files.files["index.json"]; ok {
		img, err = rd.layout(ref)
	} else {
		err = errors.New("neither manifest.json nor index.json found: not a docker save or OCI archive")
	}
	if err != nil {
		return nil, fmt.Errorf("reading docker save tar: %w", err)
	}
	return img, nil
}

// reader reads one image from src while counting bytes against lim.
type reader struct {
	src      fs.FS
	lim      Limits
	read     int64 // bytes counted so far
	unpacked int64 // bytes decompressed so far
}

// errBomb is the error of an import that decompresses past its limits.
func errBomb(limit int64) error {
	return sim.LimitError("the image unpacks to more than an import may (a decompression bomb?)", fmt.Sprintf("%d bytes unpacked, and at most %d times its compressed size", limit, bombRatio))
}

// bombGuard reads decompressed data and fails once it passes limit bytes
// or, past bombFloor, grows more than bombRatio times the compressed
// bytes read so far (in).
type bombGuard struct {
	r     io.Reader
	in    *countingReader
	n     int64
	limit int64
}

func (g *bombGuard) Read(p []byte) (int, error) {
	n, err := g.r.Read(p)
	g.n += int64(n)
	if g.n > g.limit || g.n > bombFloor && g.n > bombRatio*g.in.n {
		return n, errBomb(g.limit)
	}
	return n, err
}

func (r *reader) count(n int64) error {
	r.read += n
	if r.read > r.lim.MaxBytes {
		return sim.LimitError("the image is too large to import", fmt.Sprintf("%d bytes", r.lim.MaxBytes))
	}
	return nil
}

// readJSON decodes a small document, refusing unknown garbage and oversize.
func (r *reader) readJSON(name string, v any) ([]byte, error) {
	b, err := r.readSmall(name)
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal(b, v); err != nil {
		return nil, fmt.Errorf("decoding %s: %w", name, err)
	}
	return b, nil
}

func (r *reader) readSmall(name string) ([]byte, error) {
	f, err := r.src.Open(name)
	if err != nil {
		return nil, fmt.Errorf("opening %s: %w", name, err)
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxJSONBytes+1))
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", name, err)
	}
	if len(b) > maxJSONBytes {
		return nil, fmt.Errorf("reading %s: larger than %d bytes", name, maxJSONBytes)
	}
	if err := r.count(int64(len(b))); err != nil {
		return nil, err
	}
	return b, nil
}

// blobPath is where a layout keeps the blob d. Only sha256 is accepted, and
// its hex is validated, so a descriptor cannot point outside blobs/.
func blobPath(d digest.Digest) (string, error) {
	if err := d.Validate(); err != nil {
		return "", fmt.Errorf("descriptor digest %q: %w", d, err)
	}
	if d.Algorithm() != digest.SHA256 {
		return "", fmt.Errorf("descriptor digest %q: only sha256 is supported", d)
	}
	return "blobs/sha256/" + d.Encoded(), nil
}

// readBlob reads a small blob named by desc and checks its size and digest.
func (r *reader) readBlob(desc ocispec.Descriptor, v any) ([]byte, error) {
	p, err := blobPath(desc.Digest)
	if err != nil {
		return nil, err
	}
	b, err := r.readJSON(p, v)
	if err != nil {
		return nil, err
	}
	if int64(len(b)) != desc.Size {
		return nil, fmt.Errorf("blob %s is %d bytes, its descriptor says %d", desc.Digest, len(b), desc.Size)
	}
	if digest.FromBytes(b) != desc.Digest {
		return nil, fmt.Errorf("blob %s does not match its digest", desc.Digest)
	}
	return b, nil
}

func (r *reader) layout(ref string) (*Image, error) {
	var ol ocispec.ImageLayout
	if _, err := r.readJSON(ocispec.ImageLayoutFile, &ol); err != nil {
		return nil, err
	}
	if ol.Version != ocispec.ImageLayoutVersion {
		return nil, fmt.Errorf("unsupported image layout version %q", ol.Version)
	}
	var idx ocispec.Index
	if _, err := r.readJSON("index.json", &idx); err != nil {
		return nil, err
	}
	desc, err := pickRef(idx.Manifests, ref)
	if err != nil {
		return nil, err
	}
	// An index entry may itself be an index of platforms; follow at most a
	// couple of levels, which is all real layouts use.
	for depth := 0; isIndex(desc.MediaType); depth++ {
		if depth == 2 {
			return nil, errors.New("image indexes nested too deep")
		}
		var sub ocispec.Index
		if _, err := r.readBlob(desc, &sub); err != nil {
			return nil, err
		}
		if desc, err = pickPlatform(sub.Manifests); err != nil {
			return nil, err
		}
	}
	if !isManifest(desc.MediaType) {
		return nil, fmt.Errorf("%s is a %q, not an image manifest", desc.Digest, desc.MediaType)
	}
	var m ocispec.Manifest
	if _, err := r.readBlob(desc, &m); err != nil {
		return nil, err
	}
	if m.SchemaVersion != 2 {
		return nil, fmt.Errorf("manifest %s: schema version %d, want 2", desc.Digest, m.SchemaVersion)
	}
	var cfg dockerspec.DockerOCIImage
	if _, err := r.readBlob(m.Config, &cfg); err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	var blobs []layerBlob
	for _, l := range m.Layers {
		p, err := blobPath(l.Digest)
		if err != nil {
			return nil, err
		}
		blobs = append(blobs, layerBlob{name: p, digest: l.Digest, size: l.Size, mediaType: l.MediaType})
	}
	return r.image(cfg, blobs)
}

func isIndex(mt string) bool {
	return mt == ocispec.MediaTypeImageIndex || mt == mediaTypeDockerList
}

func isManifest(mt string) bool {
	return mt == ocispec.MediaTypeImageManifest || mt == mediaTypeDockerManifest
}

// pickRef finds the index entry called ref.
func pickRef(descs []ocispec.Descriptor, ref string) (ocispec.Descriptor, error) {
	var names []string
	for _, d := range descs {
		n, full := d.Annotations[AnnotationRefName], d.Annotations[annotationContainerName]
		if ref != "" && (n == ref || full == ref || matchesName(full, ref)) {
			return d, nil
		}
		switch {
		case full != "":
			names = append(names, full)
		case n != "":
			names = append(names, n)
		}
	}
	if ref == "" && len(descs) == 1 {
		return descs[0], nil
	}
	if len(descs) == 0 {
		return ocispec.Descriptor{}, errors.New("index.json lists no images")
	}
	slices.Sort(names)
	if ref == "" {
		return ocispec.Descriptor{}, fmt.Errorf("it holds %d images (%s): say which one", len(descs), strings.Join(names, ", "))
	}
	return ocispec.Descriptor{}, fmt.Errorf("no image %q in it; it holds: %s", ref, strings.Join(names, ", "))
}

// matchesName reports whether the full image name full ("host/library/alpine:3.20")
// is ref written short ("alpine:3.20", "library/alpine:3.20"), a missing tag
// meaning "latest".
func matchesName(full, ref string) bool {
	if full == "" {
		return false
	}
	if !hasTag(ref) {
		ref += ":latest"
	}
	return full == ref || strings.HasSuffix(full, "/"+ref)
}

func hasTag(ref string) bool {
	if strings.Contains(ref, "@") {
		return true // a digest reference needs no tag
	}
	return strings.LastIndex(ref, ":") > strings.LastIndex(ref, "/")
}

// pickPlatform chooses linux/amd64 from a multi-platform index, or its only
// image. Attestation manifests (platform unknown/unknown) are not images.
func pickPlatform(descs []ocispec.Descriptor) (ocispec.Descriptor, error) {
	var images []ocispec.Descriptor
	var plats []string
	for _, d := range descs {
		if d.Platform != nil && d.Platform.OS == "unknown" {
			continue
		}
		images = append(images, d)
		if d.Platform != nil {
			p := d.Platform.OS + "/" + d.Platform.Architecture
			if p == DefaultPlatform {
				return d, nil
			}
			plats = append(plats, p)
		}
	}
	if len(images) == 1 {
		return images[0], nil
	}
	return ocispec.Descriptor{}, fmt.Errorf("no %s image in the index (it has %s)", DefaultPlatform, strings.Join(plats, ", "))
}

// dockerManifestEntry is one image in docker save's manifest.json.
type dockerManifestEntry struct {
	Config   string
	RepoTags []string
	Layers   []string
}

func (r *reader) dockerSave(ref string) (*Image, error) {
	var entries []dockerManifestEntry
	if _, err := r.readJSON("manifest.json", &entries); err != nil {
		return nil, err
	}
	var e *dockerManifestEntry
	var tags []string
	want := ref
	if want != "" && !hasTag(want) {
		want += ":latest"
	}
	for i := range entries {
		if want != "" && slices.Contains(entries[i].RepoTags, want) {
			e = &entries[i]
			break
		}
		tags = append(tags, entries[i].RepoTags...)
	}
	if e == nil && ref == "" && len(entries) == 1 {
		e = &entries[0]
	}
	if e == nil {
		switch {
		case len(entries) == 0:
			return nil, errors.New("manifest.json lists no images")
		case ref == "":
			return nil, fmt.Errorf("it holds %d images (%s): say which one", len(entries), strings.Join(tags, ", "))
		}
		return nil, fmt.Errorf("no image %q in it; it holds: %s", ref, strings.Join(tags, ", "))
	}

	var cfg dockerspec.DockerOCIImage
	cfgJSON, err := r.readJSON(cleanName(e.Config), &cfg)
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	// The config's file name is its digest, in both formats; check it when
	// it looks like one.
	if hex := strings.TrimSuffix(path.Base(e.Config), ".json"); digest.SHA256.Validate(hex) == nil {
		if d := digest.NewDigestFromEncoded(digest.SHA256, hex); digest.FromBytes(cfgJSON) != d {
			return nil, fmt.Errorf("config %s does not match its digest", e.Config)
		}
	}
	var blobs []layerBlob
	for _, name := range e.Layers {
		blobs = append(blobs, layerBlob{name: cleanName(name)})
	}
	return r.image(cfg, blobs)
}

// cleanName turns a name from manifest.json into a path inside the tar.
func cleanName(name string) string {
	return strings.TrimPrefix(path.Clean("/"+name), "/")
}

// layerBlob is where a layer is stored and what its descriptor says, when
// there is one.
type layerBlob struct {
	name      string
	digest    digest.Digest // "" when unknown (classic docker save)
	size      int64
	mediaType string
}

// image reads the layers and makes the Image.
func (r *reader) image(cfg dockerspec.DockerOCIImage, blobs []layerBlob) (*Image, error) {
	if len(blobs) > r.lim.MaxLayers {
		return nil, sim.LimitError(fmt.Sprintf("the image has %d layers", len(blobs)), r.lim.MaxLayers)
	}
	if len(cfg.RootFS.DiffIDs) != len(blobs) {
		return nil, fmt.Errorf("config lists %d diffIDs for %d layers", len(cfg.RootFS.DiffIDs), len(blobs))
	}
	layers := make([]*layer.Layer, len(blobs))
	for i, b := range blobs {
		l, err := r.readLayer(b, cfg.RootFS.DiffIDs[i])
		if err != nil {
			return nil, fmt.Errorf("layer %d (%s): %w", i+1, b.name, err)
		}
		layers[i] = l
	}
	// The layers were re-serialized; the config must list their diffIDs.
	cfg.RootFS.DiffIDs = nil
	if cfg.OS == "" {
		cfg.OS = "linux" // very old images leave it out
	}
	img, err := New(layers, cfg)
	if err != nil {
		return nil, err
	}
	return img, nil
}

// readLayer streams one layer blob: it counts and hashes the bytes as stored,
// decompresses gzip, hashes the tar against the config's diffID and hands it
// to layer.FromTar.
func (r *reader) readLayer(b layerBlob, diffID digest.Digest) (*layer.Layer, error) {
	if err := diffID.Validate(); err != nil {
		return nil, fmt.Errorf("config diffID %q: %w", diffID, err)
	}
	switch {
	case strings.HasSuffix(b.mediaType, "+zstd"), strings.HasSuffix(b.mediaType, ".zstd"):
		return nil, fmt.Errorf("zstd-compressed layers (%s) are not supported; export the image with gzip or no compression", b.mediaType)
	}
	f, err := r.src.Open(b.name)
	if err != nil {
		return nil, fmt.Errorf("opening blob: %w", err)
	}
	defer f.Close()

	remaining := r.lim.MaxBytes - r.read
	stored := &countingReader{r: io.LimitReader(f, remaining+1)}
	blobHash := digest.SHA256.Digester()
	br := bufio.NewReader(io.TeeReader(stored, blobHash.Hash()))

	var tarStream io.Reader = br
	magic, _ := br.Peek(4)
	switch {
	case bytes.HasPrefix(magic, []byte{0x1f, 0x8b}):
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, fmt.Errorf("decompressing: %w", err)
		}
		defer zr.Close()
		guard := &bombGuard{r: zr, in: stored, limit: r.lim.MaxUnpacked - r.unpacked}
		defer func() { r.unpacked += guard.n }()
		tarStream = guard
	case bytes.Equal(magic, []byte{0x28, 0xb5, 0x2f, 0xfd}):
		return nil, errors.New("zstd-compressed layers are not supported; export the image with gzip or no compression")
	}
	// A tar is never much bigger than its files; stop a decompression bomb
	// long before memory runs out.
	tarLimit := r.lim.Layer.MaxBytes
	if tarLimit <= 0 {
		tarLimit = layer.DefaultMaxBytes
	}
	tarLimit += tarLimit/8 + 1<<20
	tarBytes := &countingReader{r: io.LimitReader(tarStream, tarLimit+1)}
	diffHash := digest.SHA256.Digester()
	l, err := layer.FromTar(io.TeeReader(tarBytes, diffHash.Hash()), r.lim.Layer)
	if err != nil {
		if errors.Is(err, sim.ErrLimit) {
			return nil, err
		}
		// A limit cuts the stream short, which the tar reader sees as a
		// truncated tar; report the limit instead.
		if stored.n > remaining {
			return nil, sim.LimitError("the image is too large to import", fmt.Sprintf("%d bytes", r.lim.MaxBytes))
		}
		if tarBytes.n > tarLimit {
			return nil, sim.LimitError("a layer's tar is too large", fmt.Sprintf("%d bytes", tarLimit))
		}
		return nil, err
	}
	// The tar reader stops at the end-of-archive blocks; hash what follows
	// too, since the diffID covers every byte.
	if _, err := io.Copy(io.Discard, io.TeeReader(tarBytes, diffHash.Hash())); err != nil {
		if errors.Is(err, sim.ErrLimit) {
			return nil, err
		}
		return nil, fmt.Errorf("reading after the tar: %w", err)
	}
	if tarBytes.n > tarLimit {
		return nil, sim.LimitError("a layer's tar is too large", fmt.Sprintf("%d bytes", tarLimit))
	}
	if _, err := io.Copy(io.Discard, br); err != nil {
		return nil, fmt.Errorf("reading blob: %w", err)
	}
	if err := r.count(stored.n); err != nil {
		return nil, err
	}
	if b.digest != "" {
		if b.size != stored.n {
			return nil, fmt.Errorf("blob is %d bytes, its descriptor says %d", stored.n, b.size)
		}
		if blobHash.Digest() != b.digest {
			return nil, errors.New("blob does not match its digest")
		}
	}
	if diffHash.Digest() != diffID {
		return nil, fmt.Errorf("uncompressed layer is %s, the config says %s", diffHash.Digest(), diffID)
	}
	return l, nil
}

type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// tarFiles is the regular files of a tar, held in memory as an fs.FS.
type tarFiles struct {
	files map[string][]byte
}

// readTarFiles reads every regular file of a (possibly gzipped) tar, at most
// maxBytes in all, and at most maxUnpacked once decompressed.
func readTarFiles(r io.Reader, maxBytes, maxUnpacked int64) (*tarFiles, error) {
	counted := &countingReader{r: io.LimitReader(r, maxBytes+1)}
	br := bufio.NewReader(counted)
	var src io.Reader = br
	if magic, _ := br.Peek(2); bytes.Equal(magic, []byte{0x1f, 0x8b}) {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, fmt.Errorf("decompressing: %w", err)
		}
		defer zr.Close()
		src = &bombGuard{r: zr, in: counted, limit: maxUnpacked}
	}
	// Decompressed, the tar may grow; bound it by the same limit.
	plain := &countingReader{r: io.LimitReader(src, maxBytes+1)}
	tr := tar.NewReader(plain)
	files := &tarFiles{files: map[string][]byte{}}
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			if errors.Is(err, sim.ErrLimit) {
				return nil, err
			}
			if counted.n > maxBytes || plain.n > maxBytes {
				return nil, sim.LimitError("the file is too large to import", fmt.Sprintf("%d bytes", maxBytes))
			}
			return nil, fmt.Errorf("reading tar: %w", err)
		}
		if hdr.Typeflag != tar.TypeReg {
			continue
		}
		name := cleanName(hdr.Name)
		if hdr.Size < 0 || hdr.Size > maxBytes {
			return nil, sim.LimitError(fmt.Sprintf("%s is too large to import", name), fmt.Sprintf("%d bytes", maxBytes))
		}
		b, err := io.ReadAll(io.LimitReader(tr, hdr.Size))
		if err != nil {
			if errors.Is(err, sim.ErrLimit) {
				return nil, err
			}
			if counted.n > maxBytes || plain.n > maxBytes {
				return nil, sim.LimitError("the file is too large to import", fmt.Sprintf("%d bytes", maxBytes))
			}
			return nil, fmt.Errorf("reading %s: %w", name, err)
		}
		files.files[name] = b
	}
	if counted.n > maxBytes || plain.n > maxBytes {
		return nil, sim.LimitError("the file is too large to import", fmt.Sprintf("%d bytes", maxBytes))
	}
	// The blobs are counted again as they are read, which cannot pass the
	// limit the whole tar has just met.
	return files, nil
}

// Open implements fs.FS.
func (t *tarFiles) Open(name string) (fs.File, error) {
	if !fs.ValidPath(name) {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrInvalid}
	}
	b, ok := t.files[name]
	if !ok {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
	}
	return &memFile{name: path.Base(name), Reader: bytes.NewReader(b), size: int64(len(b))}, nil
}

type memFile struct {
	*bytes.Reader
	name string
	size int64
}

func (f *memFile) Stat() (fs.FileInfo, error) { return memInfo{f.name, f.size}, nil }
func (f *memFile) Close() error               { return nil }

type memInfo struct {
	name string
	size int64
}

func (i memInfo) Name() string       { return i.name }
func (i memInfo) Size() int64        { return i.size }
func (i memInfo) Mode() fs.FileMode  { return 0o444 }
func (i memInfo) ModTime() time.Time { return time.Time{} }
func (i memInfo) IsDir() bool        { return false }
func (i memInfo) Sys() any           { return nil }
