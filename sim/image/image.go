package image

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"

	dockerspec "github.com/moby/docker-image-spec/specs-go/v1"
	"github.com/opencontainers/go-digest"
	specs "github.com/opencontainers/image-spec/specs-go"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/layerlab/layerlab/sim/layer"
)

// Image is an immutable OCI image: its layers, its config, and the JSON
// documents derived from them.
type Image struct {
	layers         []*layer.Layer
	configJSON     []byte
	id             digest.Digest
	manifestJSON   []byte
	manifestDigest digest.Digest
}

// New makes an image of layers (bottom first) and cfg.
//
// cfg is the config Docker writes: the OCI config with Docker's extra fields
// (Healthcheck, OnBuild, Shell), which `docker inspect` shows. Set cfg.Config;
// cfg.Image.Config is hidden by it in JSON and must stay empty. New fills in
// RootFS from the layers; if cfg already lists diffIDs they must be the
// layers'. When cfg has History, its entries without empty_layer must be as
// many as the layers, as Docker requires.
//
// The manifest lists the layers uncompressed (media type
// application/vnd.oci.image.layer.v1.tar), so each layer descriptor's digest
// is the layer's diffID and its size the layer's TarSize.
func New(layers []*layer.Layer, cfg dockerspec.DockerOCIImage) (*Image, error) {
	for i, l := range layers {
		if l == nil {
			return nil, fmt.Errorf("new image: layer %d is nil", i)
		}
	}
	if cfg.OS == "" || cfg.Architecture == "" {
		return nil, errors.New("new image: config needs os and architecture")
	}
	if shadowed, err := json.Marshal(cfg.Image.Config); err != nil || string(shadowed) != "{}" {
		return nil, errors.New("new image: set Config, not Image.Config: Docker's config hides the OCI one in JSON")
	}
	if cfg.RootFS.Type != "" && cfg.RootFS.Type != "layers" {
		return nil, fmt.Errorf("new image: rootfs type %q, want \"layers\"", cfg.RootFS.Type)
	}
	diffIDs := make([]digest.Digest, len(layers))
	for i, l := range layers {
		diffIDs[i] = l.DiffID()
	}
	if len(cfg.RootFS.DiffIDs) > 0 && !slices.Equal(cfg.RootFS.DiffIDs, diffIDs) {
		return nil, fmt.Errorf("new image: config lists %d diffIDs that are not the %d layers' own", len(cfg.RootFS.DiffIDs), len(layers))
	}
	if len(cfg.History) > 0 {
		n := 0
		for _, h := range cfg.History {
			if !h.EmptyLayer {
				n++
			}
		}
		if n != len(layers) {
			return nil, fmt.Errorf("new image: history has %d entries that make a layer, but there are %d layers", n, len(layers))
		}
	}
	cfg.RootFS = ocispec.RootFS{Type: "layers", DiffIDs: diffIDs}

	// encoding/json writes struct fields in declaration order and map keys
	// sorted, so equal configs give equal bytes and equal IDs.
	configJSON, err := json.Marshal(cfg)
	if err != nil {
		return nil, fmt.Errorf("new image: encoding config: %w", err)
	}
	img := &Image{
		layers:     slices.Clone(layers),
		configJSON: configJSON,
		id:         digest.FromBytes(configJSON),
	}
	m := ocispec.Manifest{
		Versioned: specs.Versioned{SchemaVersion: 2},
		MediaType: ocispec.MediaTypeImageManifest,
		Config: ocispec.Descriptor{
			MediaType: ocispec.MediaTypeImageConfig,
			Digest:    img.id,
			Size:      int64(len(configJSON)),
		},
		Layers: make([]ocispec.Descriptor, len(layers)),
	}
	for i, l := range layers {
		m.Layers[i] = ocispec.Descriptor{MediaType: ocispec.MediaTypeImageLayer, Digest: l.DiffID(), Size: l.TarSize()}
	}
	if img.manifestJSON, err = json.Marshal(m); err != nil {
		return nil, fmt.Errorf("new image: encoding manifest: %w", err)
	}
	img.manifestDigest = digest.FromBytes(img.manifestJSON)
	return img, nil
}

// ID is the config digest: what `docker images` shows as IMAGE ID, in its
// first 12 hex digits (ShortID).
func (i *Image) ID() digest.Digest { return i.id }

// ShortID is the 12 hex digits `docker images` shows.
func (i *Image) ShortID() string { return i.id.Encoded()[:12] }

// Layers returns the layers, bottom first.
func (i *Image) Layers() []*layer.Layer { return slices.Clone(i.layers) }

// Config returns a copy of the config.
func (i *Image) Config() dockerspec.DockerOCIImage {
	var c dockerspec.DockerOCIImage
	if err := json.Unmarshal(i.configJSON, &c); err != nil {
		// New wrote these bytes from the same type.
		panic(fmt.Sprintf("image %s: decoding own config: %v", i.id, err))
	}
	return c
}

// ConfigJSON returns the config blob; ID is its digest.
func (i *Image) ConfigJSON() []byte { return slices.Clone(i.configJSON) }

// Manifest returns a copy of the OCI manifest.
func (i *Image) Manifest() ocispec.Manifest {
	var m ocispec.Manifest
	if err := json.Unmarshal(i.manifestJSON, &m); err != nil {
		panic(fmt.Sprintf("image %s: decoding own manifest: %v", i.id, err))
	}
	return m
}

// ManifestJSON returns the manifest blob.
func (i *Image) ManifestJSON() []byte { return slices.Clone(i.manifestJSON) }

// ManifestDigest is the manifest's digest: what `docker push` prints after
// "digest:" and what RepoDigests record.
func (i *Image) ManifestDigest() digest.Digest { return i.manifestDigest }

// Size is the sum of the layers' sizes, which `docker images` shows as SIZE.
func (i *Image) Size() int64 {
	var n int64
	for _, l := range i.layers {
		n += l.Size()
	}
	return n
}
