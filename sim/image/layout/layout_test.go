package layout

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io/fs"
	"math/rand"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	ggcrlayout "github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/validate"
	dockerspec "github.com/moby/docker-image-spec/specs-go/v1"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/layerlab/layerlab/sim/image"
	"github.com/layerlab/layerlab/sim/layer"
)

func dir(p string) layer.Entry { return layer.Entry{Path: p, Type: layer.TypeDir, Mode: 0o755} }

func file(p, data string) layer.Entry {
	return layer.Entry{Path: p, Type: layer.TypeReg, Mode: 0o644, Size: int64(len(data)), Data: []byte(data)}
}

func mustLayer(t *testing.T, entries ...layer.Entry) *layer.Layer {
	t.Helper()
	l, err := layer.New(entries)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// testImage is three layers that exercise what a union of layers must get
// right: a whiteout of a lower file, an opaque directory, a file changed in a
// later layer, a symlink, and a sparse teaching copy of a binary.
func testImage(t *testing.T, cmd string) *image.Image {
	t.Helper()
	tool := layer.Entry{Path: "usr/bin/tool", Type: layer.TypeReg, Mode: 0o755, Size: 4096, Data: []byte("\x7fELF")}
	base := mustLayer(t,
		dir("etc"), file("etc/os-release", "ID=teaching\n"), file("etc/old.conf", "old\n"),
		dir("usr"), dir("usr/bin"), tool,
		layer.Entry{Path: "usr/bin/t", Type: layer.TypeSymlink, Mode: 0o777, Linkname: "tool"},
		dir("var"), dir("var/cache"), file("var/cache/a", "a"), file("var/cache/b", "b"),
	)
	app := mustLayer(t,
		dir("etc"), layer.Entry{Path: "etc/.wh.old.conf", Type: layer.TypeReg}, file("etc/new.conf", "new\n"),
		dir("var"), dir("var/cache"), layer.Entry{Path: "var/cache/" + layer.OpaqueWhiteout, Type: layer.TypeReg}, file("var/cache/c", "c"),
		dir("app"), file("app/app.py", "print('v1')\n"),
	)
	edit := mustLayer(t, dir("app"), file("app/app.py", "print('v2')\n"))

	created := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	var cfg dockerspec.DockerOCIImage
	cfg.Created = &created
	cfg.OS, cfg.Architecture = "linux", "amd64"
	cfg.Config.Cmd = []string{cmd}
	cfg.Config.Env = []string{"PATH=/usr/bin"}
	cfg.History = []ocispec.History{
		{CreatedBy: "base"}, {CreatedBy: "COPY . /app"}, {CreatedBy: "RUN edit"}, {CreatedBy: "CMD", EmptyLayer: true},
	}
	img, err := image.New([]*layer.Layer{base, app, edit}, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return img
}

// wantTree is the merged filesystem of testImage, as `ls -lR` would show it
// in a container: type, permissions and content or link target.
var wantTree = map[string]string{
	"app":            "dir 755",
	"app/app.py":     "file 644 print('v2')\n",
	"etc":            "dir 755",
	"etc/new.conf":   "file 644 new\n",
	"etc/os-release": "file 644 ID=teaching\n",
	"usr":            "dir 755",
	"usr/bin":        "dir 755",
	"usr/bin/t":      "symlink tool",
	"usr/bin/tool":   "file 755 \x7fELF" + strings.Repeat("\x00", 4092),
	"var":            "dir 755",
	"var/cache":      "dir 755",
	"var/cache/c":    "file 644 c",
}

func TestWriteIsValidForGGCR(t *testing.T) {
	out := t.TempDir()
	a, b := testImage(t, "serve"), testImage(t, "test")
	if err := Write(out, map[string]*image.Image{"pageturn:1.0": a, "latest": a, "test": b}); err != nil {
		t.Fatal(err)
	}
	idx, err := ggcrlayout.ImageIndexFromPath(out)
	if err != nil {
		t.Fatal(err)
	}
	im, err := idx.IndexManifest()
	if err != nil {
		t.Fatal(err)
	}
	var refs []string
	for _, d := range im.Manifests {
		ref := d.Annotations[ocispec.AnnotationRefName]
		refs = append(refs, ref)
		want := a
		if ref == "test" {
			want = b
		}
		if d.Digest.String() != want.ManifestDigest().String() {
			t.Errorf("%s: index points at %s, want %s", ref, d.Digest, want.ManifestDigest())
		}
		if d.Platform == nil || d.Platform.OS != "linux" || d.Platform.Architecture != "amd64" {
			t.Errorf("%s: platform %+v", ref, d.Platform)
		}
		img, err := idx.Image(d.Digest)
		if err != nil {
			t.Fatal(err)
		}
		if err := validate.Image(img, validate.Fast); err != nil {
			t.Errorf("%s: validate.Image(fast): %v", ref, err)
		}
		if err := validate.Image(gzipped(t, img)); err != nil {
			t.Errorf("%s: validate.Image: %v", ref, err)
		}
		if id, err := img.ConfigName(); err != nil || id.String() != want.ID().String() {
			t.Errorf("%s: config name %s (%v), want %s", ref, id, err, want.ID())
		}
	}
	if want := []string{"latest", "pageturn:1.0", "test"}; !slices.Equal(refs, want) {
		t.Errorf("index refs %q, want %q", refs, want)
	}
}

func TestWriteIsDeterministic(t *testing.T) {
	read := func() map[string][]byte {
		out := t.TempDir()
		if err := Write(out, map[string]*image.Image{"b": testImage(t, "x"), "a": testImage(t, "y")}); err != nil {
			t.Fatal(err)
		}
		files := map[string][]byte{}
		err := filepath.WalkDir(out, func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			b, err := os.ReadFile(p)
			rel, _ := filepath.Rel(out, p)
			files[rel] = b
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		return files
	}
	first, second := read(), read()
	if len(first) != len(second) {
		t.Fatalf("%d files, then %d", len(first), len(second))
	}
	for name, b := range first {
		if !bytes.Equal(b, second[name]) {
			t.Errorf("%s differs between two writes", name)
		}
	}
}

func TestRoundTrip(t *testing.T) {
	out := t.TempDir()
	img := testImage(t, "serve")
	if err := Write(out, map[string]*image.Image{"pageturn:1.0": img}); err != nil {
		t.Fatal(err)
	}
	got, err := Read(out, "pageturn:1.0", image.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if got.ID() != img.ID() || got.ManifestDigest() != img.ManifestDigest() {
		t.Errorf("read back %s / %s, wrote %s / %s", got.ID(), got.ManifestDigest(), img.ID(), img.ManifestDigest())
	}
	if got.Size() != img.Size() || len(got.Layers()) != 3 {
		t.Errorf("read back size %d with %d layers", got.Size(), len(got.Layers()))
	}
}

func TestWriteAddsToExistingLayout(t *testing.T) {
	out := t.TempDir()
	a, b := testImage(t, "a"), testImage(t, "b")
	if err := Write(out, map[string]*image.Image{"one": a, "two": a}); err != nil {
		t.Fatal(err)
	}
	// Retag "two" and add "three"; "one" must survive untouched.
	if err := Write(out, map[string]*image.Image{"two": b, "three": b}); err != nil {
		t.Fatal(err)
	}
	var idx ocispec.Index
	raw, err := os.ReadFile(filepath.Join(out, "index.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(raw, &idx); err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	var order []string
	for _, d := range idx.Manifests {
		ref := d.Annotations[ocispec.AnnotationRefName]
		got[ref] = d.Digest.String()
		order = append(order, ref)
	}
	if !slices.Equal(order, []string{"one", "three", "two"}) {
		t.Errorf("index order %q", order)
	}
	if got["one"] != a.ManifestDigest().String() || got["two"] != b.ManifestDigest().String() || got["three"] != b.ManifestDigest().String() {
		t.Errorf("index %v", got)
	}
	for ref, want := range map[string]*image.Image{"one": a, "two": b} {
		img, err := Read(out, ref, image.Limits{})
		if err != nil || img.ID() != want.ID() {
			t.Errorf("Read(%s): %v", ref, err)
		}
	}
}

func TestWriteRefuses(t *testing.T) {
	img := testImage(t, "x")
	tests := []struct {
		name string
		imgs map[string]*image.Image
		want string
	}{
		// ref names outside the OCI grammar
		{"space", map[string]*image.Image{"my tag": img}, "not a valid ref name"},
		{"empty", map[string]*image.Image{"": img}, "not a valid ref name"},
		{"leading separator", map[string]*image.Image{":latest": img}, "not a valid ref name"},
		{"path escape", map[string]*image.Image{"../x": img}, "not a valid ref name"},
		// missing image
		{"nil image", map[string]*image.Image{"x": nil}, `image for "x" is nil`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "layout")
			err := Write(out, tt.imgs)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("got %v, want %q", err, tt.want)
			}
			if _, err := os.Stat(out); !os.IsNotExist(err) {
				t.Error("a refused write created the directory")
			}
		})
	}
	// A directory that holds something else is not taken over.
	out := t.TempDir()
	if err := os.WriteFile(filepath.Join(out, "oci-layout"), []byte("not json"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := Write(out, map[string]*image.Image{"x": img}); err == nil || !strings.Contains(err.Error(), "is not an image layout") {
		t.Errorf("got %v, want a refusal", err)
	}
}

func TestReadErrors(t *testing.T) {
	write := func(t *testing.T) (string, *image.Image) {
		out := t.TempDir()
		img := testImage(t, "x")
		if err := Write(out, map[string]*image.Image{"a": img, "b": img}); err != nil {
			t.Fatal(err)
		}
		return out, img
	}
	blob := func(out string, d interface{ Encoded() string }) string {
		return filepath.Join(out, "blobs", "sha256", d.Encoded())
	}
	tests := []struct {
		name  string
		ref   string
		spoil func(t *testing.T, out string, img *image.Image)
		want  string
	}{
		// choosing the image
		{"unknown ref", "c", nil, `no image "c" in it; it holds: a, b`},
		{"ambiguous", "", nil, "it holds 2 images (a, b): say which one"},
		// damaged blobs
		{"layer bytes changed", "a", func(t *testing.T, out string, img *image.Image) {
			p := blob(out, img.Layers()[2].DiffID())
			b, _ := os.ReadFile(p)
			b[len(b)-1100] ^= 1 // inside the file data, not the end blocks
			os.WriteFile(p, b, 0o644)
		}, "blob does not match its digest"},
		{"config missing", "a", func(t *testing.T, out string, img *image.Image) {
			os.Remove(blob(out, img.ID()))
		}, "no such file"},
		{"manifest truncated", "a", func(t *testing.T, out string, img *image.Image) {
			os.WriteFile(blob(out, img.ManifestDigest()), []byte("{}"), 0o644)
		}, "is 2 bytes, its descriptor says"},
		{"index junk", "a", func(t *testing.T, out string, img *image.Image) {
			os.WriteFile(filepath.Join(out, "index.json"), []byte("\x00junk"), 0o644)
		}, "decoding index.json"},
		{"no layout file", "a", func(t *testing.T, out string, img *image.Image) {
			os.Remove(filepath.Join(out, "oci-layout"))
		}, "opening oci-layout"},
		// a symlink must not lead outside the directory
		{"symlinked blob", "a", func(t *testing.T, out string, img *image.Image) {
			p := blob(out, img.ManifestDigest())
			os.Remove(p)
			if err := os.Symlink("/etc/hostname", p); err != nil {
				t.Fatal(err)
			}
		}, "path escapes from parent"},
		// limits
		{"too many bytes", "a", nil, "limit reached"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, img := write(t)
			if tt.spoil != nil {
				tt.spoil(t, out, img)
			}
			lim := image.Limits{}
			if tt.name == "too many bytes" {
				lim.MaxBytes = 3000
			}
			_, err := Read(out, tt.ref, lim)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("got %v, want %q", err, tt.want)
			}
		})
	}
	if _, err := Read(filepath.Join(t.TempDir(), "missing"), "a", image.Limits{}); err == nil {
		t.Error("reading a missing directory succeeded")
	}
}

// TestReadForeignLayout reads a layout another tool wrote, with
// gzip-compressed layers.
func TestReadForeignLayout(t *testing.T) {
	src, err := random.Image(512, 2, random.WithSource(rand.NewSource(1)))
	if err != nil {
		t.Fatal(err)
	}
	out := t.TempDir()
	p, err := ggcrlayout.Write(out, empty.Index)
	if err != nil {
		t.Fatal(err)
	}
	src = withPlatform(t, src)
	if err := p.AppendImage(src, ggcrlayout.WithAnnotations(map[string]string{ocispec.AnnotationRefName: "random"})); err != nil {
		t.Fatal(err)
	}
	img, err := Read(out, "random", image.Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if n := len(img.Layers()); n != 2 {
		t.Fatalf("%d layers, want 2", n)
	}
	// The layers were gzip-compressed; here they are stored uncompressed, and
	// as random's tars are plain USTAR they re-serialize to the same bytes
	// only if the writer agrees with them, which it need not: compare
	// contents instead.
	ls, err := src.Layers()
	if err != nil {
		t.Fatal(err)
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
		if got := img.Layers()[i]; got.DiffID() != want.DiffID() || got.Size() != 512 {
			t.Errorf("layer %d: %s size %d, want %s size 512", i, got.DiffID(), got.Size(), want.DiffID())
		}
	}
}

func TestSkopeoInspect(t *testing.T) {
	skopeo := lookTool(t, "skopeo")
	out := t.TempDir()
	img := testImage(t, "serve")
	if err := Write(out, map[string]*image.Image{"pageturn": img}); err != nil {
		t.Fatal(err)
	}
	run := func(args ...string) []byte {
		t.Helper()
		cmd := exec.Command(skopeo, args...)
		b, err := cmd.Output()
		if err != nil {
			t.Fatalf("skopeo %s: %v\n%s", strings.Join(args, " "), err, stderr(err))
		}
		return b
	}
	ref := "oci:" + out + ":pageturn"
	var info struct {
		Digest       string
		Architecture string
		Os           string
		Layers       []string
		Env          []string
	}
	if err := json.Unmarshal(run("inspect", ref), &info); err != nil {
		t.Fatal(err)
	}
	if info.Digest != img.ManifestDigest().String() || info.Os != "linux" || info.Architecture != "amd64" || len(info.Layers) != 3 {
		t.Errorf("skopeo sees %+v", info)
	}
	if !slices.Equal(info.Env, []string{"PATH=/usr/bin"}) {
		t.Errorf("skopeo env %q", info.Env)
	}
	if raw := run("inspect", "--raw", ref); !bytes.Equal(raw, img.ManifestJSON()) {
		t.Errorf("raw manifest differs:\n%s\n%s", raw, img.ManifestJSON())
	}
	if raw := run("inspect", "--config", "--raw", ref); !bytes.Equal(raw, img.ConfigJSON()) {
		t.Errorf("raw config differs:\n%s\n%s", raw, img.ConfigJSON())
	}
}

func TestUmociUnpack(t *testing.T) {
	umoci := lookTool(t, "umoci")
	tmp := t.TempDir()
	out, bundle := filepath.Join(tmp, "layout"), filepath.Join(tmp, "bundle")
	if err := Write(out, map[string]*image.Image{"pageturn": testImage(t, "serve")}); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(umoci, "unpack", "--rootless", "--image", out+":pageturn", bundle)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("umoci unpack: %v\n%s", err, b)
	}
	rootfs := filepath.Join(bundle, "rootfs")
	got := map[string]string{}
	err := filepath.WalkDir(rootfs, func(p string, d fs.DirEntry, err error) error {
		if err != nil || p == rootfs {
			return err
		}
		rel, _ := filepath.Rel(rootfs, p)
		fi, err := os.Lstat(p)
		if err != nil {
			return err
		}
		switch {
		case fi.Mode()&fs.ModeSymlink != 0:
			target, err := os.Readlink(p)
			got[rel] = "symlink " + target
			return err
		case fi.IsDir():
			got[rel] = "dir " + perm(fi)
		default:
			b, err := os.ReadFile(p)
			got[rel] = "file " + perm(fi) + " " + string(b)
			return err
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for p, want := range wantTree {
		if got[p] != want {
			t.Errorf("%s: unpacked %.40q, want %.40q", p, got[p], want)
		}
	}
	for p := range got {
		if _, ok := wantTree[p]; !ok {
			t.Errorf("%s is in the unpacked rootfs but not in the merged tree (a whiteout not applied?)", p)
		}
	}
}

func perm(fi fs.FileInfo) string { return fmt.Sprintf("%o", fi.Mode().Perm()) }

func lookTool(t *testing.T, name string) string {
	p, err := exec.LookPath(name)
	if err != nil {
		t.Fatalf("%s is not installed: run make test, which installs it (Debian: apt-get install %s)", name, name)
	}
	return p
}

func stderr(err error) string {
	if ee, ok := err.(*exec.ExitError); ok {
		return string(ee.Stderr)
	}
	return ""
}

// gzipped re-expresses img with gzip-compressed layers, as a registry push
// would. validate.Image reads every layer through gzip, so it cannot check
// uncompressed layers in place; on this copy it checks our tars (readable, no
// duplicate paths, hashing to the config's diffIDs) and the config.
func gzipped(t *testing.T, img v1.Image) v1.Image {
	t.Helper()
	ls, err := img.Layers()
	if err != nil {
		t.Fatal(err)
	}
	var gz []v1.Layer
	for _, l := range ls {
		l := l
		g, err := tarball.LayerFromOpener(l.Uncompressed)
		if err != nil {
			t.Fatal(err)
		}
		gz = append(gz, g)
	}
	cf, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	out, err := mutate.AppendLayers(empty.Image, gz...)
	if err != nil {
		t.Fatal(err)
	}
	if out, err = mutate.ConfigFile(out, cf); err != nil {
		t.Fatal(err)
	}
	// Store and reload it, so that validate sees the manifest as bytes, as
	// it would in any layout.
	p, err := ggcrlayout.Write(t.TempDir(), empty.Index)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.AppendImage(out); err != nil {
		t.Fatal(err)
	}
	d, err := out.Digest()
	if err != nil {
		t.Fatal(err)
	}
	if out, err = p.Image(d); err != nil {
		t.Fatal(err)
	}
	return out
}

// withPlatform gives an image the os and architecture every image config
// must carry (random.Image leaves them out).
func withPlatform(t *testing.T, img v1.Image) v1.Image {
	t.Helper()
	cf, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	cf = cf.DeepCopy()
	cf.OS, cf.Architecture = "linux", "amd64"
	img, err = mutate.ConfigFile(img, cf)
	if err != nil {
		t.Fatal(err)
	}
	return img
}
