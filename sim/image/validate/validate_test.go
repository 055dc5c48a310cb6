package validate

import (
	"bytes"
	"strings"
	"testing"
	"time"

	dockerspec "github.com/moby/docker-image-spec/specs-go/v1"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/layerlab/layerlab/sim/base"
	"github.com/layerlab/layerlab/sim/image"
	"github.com/layerlab/layerlab/sim/layer"
)

// Every teaching base image is a valid image: the checker accepts what the
// catalog makes, sparse files included.
func TestBaseImages(t *testing.T) {
	cat, err := base.Load()
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	n := 0
	for _, b := range cat.Images() {
		if b.Ref == "scratch" {
			continue
		}
		cfg := dockerspec.DockerOCIImage{Image: b.Config}
		cfg.Config.ImageConfig = b.Config.Config
		cfg.Image.Config = ocispec.ImageConfig{}
		img, err := image.New(b.Layers, cfg)
		if err != nil {
			t.Fatalf("%s: %v", b.Ref, err)
		}
		if err := Image(img); err != nil {
			t.Errorf("%s: %v", b.Ref, err)
		}
		n++
	}
	if n < 10 {
		t.Fatalf("only %d base images checked", n)
	}
	t.Logf("%d base images checked in %v", n, time.Since(start))
}

func TestContent(t *testing.T) {
	for _, c := range []struct {
		data, read string
		size       int64
		bad        string
	}{
		// stored data, then zeros up to the apparent size
		{"ab", "ab\x00\x00", 4, ""},
		{"", "\x00\x00\x00", 3, ""},
		{"abc", "abc", 3, ""},
		// what a broken tar would hold
		{"ab", "ax\x00\x00", 4, "content differs"},
		{"ab", "ab\x00z", 4, "not zero"},
		{"ab", "ab", 4, "reading content"},
	} {
		err := sameContent(strings.NewReader(c.read), []byte(c.data), c.size)
		if c.bad == "" && err != nil || c.bad != "" && (err == nil || !strings.Contains(err.Error(), c.bad)) {
			t.Errorf("sameContent(%q, %q, %d) = %v, want %q", c.read, c.data, c.size, err, c.bad)
		}
	}
}

func TestWhiteout(t *testing.T) {
	reg := func(p string) layer.Entry { return layer.Entry{Path: p, Type: layer.TypeReg, Mode: 0o644} }
	dir := func(p string) layer.Entry { return layer.Entry{Path: p, Type: layer.TypeDir, Mode: 0o755} }
	for _, c := range []struct {
		e   layer.Entry
		all []layer.Entry
		bad string
	}{
		// well formed
		{reg("a/.wh.b"), []layer.Entry{dir("a")}, ""},
		{reg("a/.wh..wh..opq"), []layer.Entry{dir("a")}, ""},
		{reg("a/plain"), nil, ""},
		// broken
		{layer.Entry{Path: "a/.wh.b", Type: layer.TypeReg, Size: 3}, nil, "empty regular file"},
		{layer.Entry{Path: "a/.wh.b", Type: layer.TypeDir}, nil, "empty regular file"},
		{reg("a/.wh..wh..opq"), nil, "does not hold"},
		{reg(".wh..wh..opq"), nil, "root"},
		{reg("a/.wh..wh..opq"), []layer.Entry{reg("a")}, "not a directory"},
		{reg("a/.wh.b"), []layer.Entry{dir("a"), reg("a/b")}, "same layer adds"},
		{reg("a/.wh..wh.x"), nil, "malformed"},
	} {
		err := whiteout(c.e, c.all)
		if c.bad == "" && err != nil || c.bad != "" && (err == nil || !strings.Contains(err.Error(), c.bad)) {
			t.Errorf("whiteout(%+v) = %v, want %q", c.e.Path, err, c.bad)
		}
	}
}

func TestLayerRereads(t *testing.T) {
	l, err := layer.New([]layer.Entry{
		{Path: "big", Type: layer.TypeReg, Mode: 0o755, Size: 10 << 20, Data: []byte("\x7fELF")},
		{Path: "etc", Type: layer.TypeDir, Mode: 0o755},
		{Path: "etc/.wh.gone", Type: layer.TypeReg},
		{Path: "etc/link", Type: layer.TypeSymlink, Mode: 0o777, Linkname: "../big"},
		{Path: "etc/" + strings.Repeat("long", 40), Type: layer.TypeReg, Mode: 0o600, UID: 1000, GID: 1000, Size: 2, Data: []byte("hi")},
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := Layer(l); err != nil {
		t.Fatal(err)
	}
	if err := Image(nil); err == nil {
		t.Fatal("nil image accepted")
	}
	var buf bytes.Buffer
	if err := l.WriteTar(&buf); err != nil || int64(buf.Len()) != l.TarSize() {
		t.Fatalf("tar %d bytes, %v", buf.Len(), err)
	}
}
