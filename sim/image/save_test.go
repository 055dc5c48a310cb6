package image

import (
	"bytes"
	"slices"
	"testing"
)

// TestDockerSaveRoundTrip: a saved tar reads back through the importer
// layerlab play --base uses, to the very image, and saves to the same bytes
// twice.
func TestDockerSaveRoundTrip(t *testing.T) {
	img := saveImage(t)
	var a, b bytes.Buffer
	saved := []Saved{{Image: img, RepoTags: []string{"learner/pageturn:1.0", "pageturn:latest"}}}
	if err := WriteDockerSave(&a, saved); err != nil {
		t.Fatal(err)
	}
	if err := WriteDockerSave(&b, saved); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a.Bytes(), b.Bytes()) {
		t.Error("two saves of one image differ")
	}
	for _, ref := range []string{"pageturn:latest", "learner/pageturn:1.0", "pageturn"} {
		got, err := ImportDockerSave(bytes.NewReader(a.Bytes()), ref, Limits{})
		if err != nil {
			t.Fatalf("import %s: %v", ref, err)
		}
		if got.ID() != img.ID() || got.ManifestDigest() != img.ManifestDigest() {
			t.Errorf("import %s: ID %s, want %s", ref, got.ID(), img.ID())
		}
	}
	tags, err := SavedTags(bytes.NewReader(a.Bytes()), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"learner/pageturn:1.0", "pageturn:latest"}; !slices.Equal(tags, want) {
		t.Errorf("tags %q, want %q", tags, want)
	}
	// Saved by ID: no tags, and still importable by picking the only image.
	var c bytes.Buffer
	if err := WriteDockerSave(&c, []Saved{{Image: img}}); err != nil {
		t.Fatal(err)
	}
	if got, err := ImportDockerSave(bytes.NewReader(c.Bytes()), "", Limits{}); err != nil || got.ID() != img.ID() {
		t.Errorf("import of an untagged save: %v", err)
	}
}
