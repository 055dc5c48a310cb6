package image

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/opencontainers/go-digest"
	specs "github.com/opencontainers/image-spec/specs-go"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/layerlab/layerlab/sim"
	"github.com/layerlab/layerlab/sim/layer"
)

// saveImage is a two-layer image with a whiteout, the kind learners import.
func saveImage(t testing.TB) *Image {
	t.Helper()
	base := mustLayer(t, dir("etc"), file("etc/motd", "hello\n"), file("etc/old", "old\n"))
	app := mustLayer(t, dir("etc"), whiteout("etc/.wh.old"), dir("app"), file("app/app.py", "print('hi')\n"))
	img, err := New([]*layer.Layer{base, app}, testConfig(ocispec.History{CreatedBy: "base"}, ocispec.History{CreatedBy: "COPY"}))
	if err != nil {
		t.Fatal(err)
	}
	return img
}

type tarFile struct {
	name string
	data []byte
}

func makeTar(t testing.TB, files ...tarFile) []byte {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, f := range files {
		if err := tw.WriteHeader(&tar.Header{Name: f.name, Mode: 0o644, Size: int64(len(f.data)), Typeflag: tar.TypeReg}); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write(f.data); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func gzipBytes(t testing.TB, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	if _, err := zw.Write(b); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func layerTar(t testing.TB, l *layer.Layer) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := l.WriteTar(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func mustJSON(t testing.TB, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// classicSave lays img out as `docker save` did before Docker 25:
// manifest.json, <config hex>.json, <layer id>/layer.tar.
func classicSave(t testing.TB, img *Image, tag string, gz bool) []byte {
	t.Helper()
	files := []tarFile{{img.ID().Encoded() + ".json", img.ConfigJSON()}}
	var names []string
	for i, l := range img.Layers() {
		b := layerTar(t, l)
		if gz {
			b = gzipBytes(t, b)
		}
		id := fmt.Sprintf("%064x", i+1)
		files = append(files, tarFile{id + "/VERSION", []byte("1.0")}, tarFile{id + "/layer.tar", b})
		names = append(names, id+"/layer.tar")
	}
	manifest := []dockerManifestEntry{{Config: img.ID().Encoded() + ".json", RepoTags: []string{tag}, Layers: names}}
	files = append(files, tarFile{"manifest.json", mustJSON(t, manifest)})
	return makeTar(t, files...)
}

// ociSave lays img out as `docker save` does since Docker 25: an OCI layout
// with a manifest.json beside it. Without manifest.json it is an oci-archive.
func ociSave(t testing.TB, img *Image, fullName string, withManifestJSON bool) []byte {
	t.Helper()
	blob := func(d digest.Digest) string { return "blobs/sha256/" + d.Encoded() }
	files := []tarFile{{"oci-layout", []byte(`{"imageLayoutVersion":"1.0.0"}`)}}
	var names []string
	for _, l := range img.Layers() {
		files = append(files, tarFile{blob(l.DiffID()), layerTar(t, l)})
		names = append(names, blob(l.DiffID()))
	}
	files = append(files,
		tarFile{blob(img.ID()), img.ConfigJSON()},
		tarFile{blob(img.ManifestDigest()), img.ManifestJSON()},
		tarFile{"index.json", mustJSON(t, ocispec.Index{
			Versioned: specs.Versioned{SchemaVersion: 2},
			MediaType: ocispec.MediaTypeImageIndex,
			Manifests: []ocispec.Descriptor{{
				MediaType: ocispec.MediaTypeImageManifest,
				Digest:    img.ManifestDigest(),
				Size:      int64(len(img.ManifestJSON())),
				Annotations: map[string]string{
					annotationContainerName: fullName,
					AnnotationRefName:       "latest",
				},
			}},
		})},
	)
	if withManifestJSON {
		short := fullName[strings.LastIndex(fullName, "/")+1:]
		manifest := []dockerManifestEntry{{Config: blob(img.ID()), RepoTags: []string{short}, Layers: names}}
		files = append(files, tarFile{"manifest.json", mustJSON(t, manifest)})
	}
	return makeTar(t, files...)
}

func TestImportDockerSaveRoundTrip(t *testing.T) {
	img := saveImage(t)
	tests := []struct {
		name string
		tar  []byte
		ref  string
	}{
		// classic format
		{"classic", classicSave(t, img, "pageturn:latest", false), "pageturn:latest"},
		{"classic, tag implied", classicSave(t, img, "pageturn:latest", false), "pageturn"},
		{"classic, only image", classicSave(t, img, "pageturn:latest", false), ""},
		{"classic, gzip layers", classicSave(t, img, "pageturn:1.0", true), "pageturn:1.0"},
		{"classic, gzip tar", gzipBytes(t, classicSave(t, img, "pageturn:latest", false)), "pageturn"},
		// OCI layout inside
		{"docker 25+", ociSave(t, img, "library/pageturn:latest", true), "pageturn:latest"},
		{"oci-archive by full name", ociSave(t, img, "library/pageturn:latest", false), "library/pageturn:latest"},
		{"oci-archive by short name", ociSave(t, img, "library/pageturn:latest", false), "pageturn"},
		{"oci-archive by ref.name", ociSave(t, img, "library/pageturn:latest", false), "latest"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ImportDockerSave(bytes.NewReader(tt.tar), tt.ref, Limits{})
			if err != nil {
				t.Fatal(err)
			}
			checkImage(t, got)
			if got.ID() != img.ID() || got.ManifestDigest() != img.ManifestDigest() {
				t.Errorf("imported %s, saved %s", got.ID(), img.ID())
			}
		})
	}
}

// TestImportGGCRTarball reads a `docker save`-format tarball written by
// another implementation, with gzip-compressed layers of random content.
func TestImportGGCRTarball(t *testing.T) {
	src, err := random.Image(300, 3, random.WithSource(rand.NewSource(7)))
	if err != nil {
		t.Fatal(err)
	}
	cf, err := src.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	cf = cf.DeepCopy()
	cf.OS, cf.Architecture = "linux", "arm64" // random.Image leaves them out
	if src, err = mutate.ConfigFile(src, cf); err != nil {
		t.Fatal(err)
	}
	tag, err := name.NewTag("pageturn:2.0")
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := tarball.Write(tag, src, &buf); err != nil {
		t.Fatal(err)
	}
	img, err := ImportDockerSave(bytes.NewReader(buf.Bytes()), "pageturn:2.0", Limits{})
	if err != nil {
		t.Fatal(err)
	}
	checkImage(t, img)
	ls, err := src.Layers()
	if err != nil {
		t.Fatal(err)
	}
	if len(img.Layers()) != len(ls) {
		t.Fatalf("%d layers, want %d", len(img.Layers()), len(ls))
	}
	for i, l := range ls {
		rc, err := l.Uncompressed()
		if err != nil {
			t.Fatal(err)
		}
		want, err := layer.FromTar(rc, layer.Limits{})
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		if got := img.Layers()[i]; got.DiffID() != want.DiffID() || got.Size() != 300 {
			t.Errorf("layer %d: %s size %d, want %s size 300", i, got.DiffID(), got.Size(), want.DiffID())
		}
	}
	c := img.Config()
	if c.Architecture != "arm64" || len(c.History) != 3 || c.History[0].Comment != "this is a random history 0 of 3" {
		t.Errorf("config came through as %+v", c)
	}
}

func TestImportDockerSaveErrors(t *testing.T) {
	img := saveImage(t)
	good := classicSave(t, img, "pageturn:latest", false)
	two := func() []byte {
		other, err := New(img.Layers()[:1], testConfig(ocispec.History{CreatedBy: "base"}))
		if err != nil {
			t.Fatal(err)
		}
		files := []tarFile{{img.ID().Encoded() + ".json", img.ConfigJSON()}, {other.ID().Encoded() + ".json", other.ConfigJSON()}}
		var la []string
		for i, l := range img.Layers() {
			n := fmt.Sprintf("l%d.tar", i)
			files = append(files, tarFile{n, layerTar(t, l)})
			la = append(la, n)
		}
		manifest := []dockerManifestEntry{
			{Config: img.ID().Encoded() + ".json", RepoTags: []string{"a:1"}, Layers: la},
			{Config: other.ID().Encoded() + ".json", RepoTags: []string{"b:1"}, Layers: la[:1]},
		}
		return makeTar(t, append(files, tarFile{"manifest.json", mustJSON(t, manifest)})...)
	}()
	replace := func(name string, data []byte) []byte {
		t.Helper()
		tr := tar.NewReader(bytes.NewReader(good))
		var files []tarFile
		for {
			hdr, err := tr.Next()
			if err != nil {
				break
			}
			var buf bytes.Buffer
			buf.ReadFrom(tr)
			if hdr.Name == name {
				if data == nil {
					continue
				}
				files = append(files, tarFile{name, data})
				continue
			}
			files = append(files, tarFile{hdr.Name, buf.Bytes()})
		}
		return makeTar(t, files...)
	}
	firstLayer := fmt.Sprintf("%064x/layer.tar", 1)
	otherTar := layerTar(t, mustLayer(t, file("x", "x")))
	tests := []struct {
		name  string
		tar   []byte
		ref   string
		lim   Limits
		want  string
		limit bool
	}{
		// not an image at all
		{"empty input", nil, "", Limits{}, "neither manifest.json nor index.json", false},
		{"junk", []byte("this is not a tar file, not even close"), "", Limits{}, "reading tar", false},
		{"tar of something else", makeTar(t, tarFile{"hello.txt", []byte("hi")}), "", Limits{}, "neither manifest.json nor index.json", false},
		{"manifest not json", replace("manifest.json", []byte("{")), "", Limits{}, "decoding manifest.json", false},
		{"manifest empty", replace("manifest.json", []byte("[]")), "", Limits{}, "manifest.json lists no images", false},
		// choosing the image
		{"unknown tag", good, "pageturn:2.0", Limits{}, `no image "pageturn:2.0" in it; it holds: pageturn:latest`, false},
		{"ambiguous", two, "", Limits{}, "it holds 2 images (a:1, b:1): say which one", false},
		// damaged content
		{"config missing", replace(img.ID().Encoded()+".json", nil), "", Limits{}, "opening " + img.ID().Encoded() + ".json", false},
		{"config changed", replace(img.ID().Encoded()+".json", append(img.ConfigJSON()[:len(img.ConfigJSON())-1:len(img.ConfigJSON())-1], ' ', '}')), "", Limits{}, "does not match its digest", false},
		{"layer swapped", replace(firstLayer, otherTar), "", Limits{}, "uncompressed layer is sha256:", false},
		{"layer not a tar", replace(firstLayer, []byte("garbage")), "", Limits{}, "layer 1", false},
		{"layer zstd", replace(firstLayer, []byte{0x28, 0xb5, 0x2f, 0xfd, 0, 0, 0}), "", Limits{}, "zstd-compressed layers are not supported", false},
		{"layer bad gzip", replace(firstLayer, []byte{0x1f, 0x8b, 0, 0}), "", Limits{}, "decompressing", false},
		// limits
		{"too many layers", good, "", Limits{MaxLayers: 1}, "the image has 2 layers", true},
		{"too many bytes", good, "", Limits{MaxBytes: 4096}, "too large to import", true},
		{"layer files too large", good, "", Limits{Layer: layer.Limits{MaxBytes: 1}}, "files add up to more than the limit of 1 bytes", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ImportDockerSave(bytes.NewReader(tt.tar), tt.ref, tt.lim)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("got %v, want an error containing %q", err, tt.want)
			}
			if errors.Is(err, sim.ErrLimit) != tt.limit {
				t.Errorf("errors.Is(err, sim.ErrLimit) = %v: %v", !tt.limit, err)
			}
		})
	}
}

// FuzzImportDockerSave checks that no input makes the import panic.
func FuzzImportDockerSave(f *testing.F) {
	img := saveImage(f)
	f.Add(classicSave(f, img, "pageturn:latest", false))
	f.Add(classicSave(f, img, "pageturn:latest", true))
	f.Add(ociSave(f, img, "library/pageturn:latest", true))
	f.Add(ociSave(f, img, "library/pageturn:latest", false))
	f.Add(makeTar(f, tarFile{"manifest.json", []byte(`[{"Config":"c.json","Layers":["../../etc/passwd"]}]`)}, tarFile{"c.json", []byte(`{"os":"linux","architecture":"amd64","rootfs":{"type":"layers","diff_ids":["sha256:00"]}}`)}))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		lim := Limits{MaxBytes: 1 << 20, MaxLayers: 8, Layer: layer.Limits{MaxEntries: 100, MaxBytes: 1 << 20}}
		got, err := ImportDockerSave(bytes.NewReader(b), "", lim)
		if err == nil {
			checkImage(t, got)
		}
	})
}
