package image

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	dockerspec "github.com/moby/docker-image-spec/specs-go/v1"
	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/layerlab/layerlab/sim/layer"
)

func mustLayer(t testing.TB, entries ...layer.Entry) *layer.Layer {
	t.Helper()
	l, err := layer.New(entries)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func dir(p string) layer.Entry { return layer.Entry{Path: p, Type: layer.TypeDir, Mode: 0o755} }

func file(p, data string) layer.Entry {
	return layer.Entry{Path: p, Type: layer.TypeReg, Mode: 0o644, Size: int64(len(data)), Data: []byte(data)}
}

func whiteout(p string) layer.Entry { return layer.Entry{Path: p, Type: layer.TypeReg} }

// testConfig is a config as the builder would make it, with a fixed time so
// that digests can be pinned.
func testConfig(history ...ocispec.History) dockerspec.DockerOCIImage {
	created := time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	var c dockerspec.DockerOCIImage
	c.Created = &created
	c.OS, c.Architecture = "linux", "amd64"
	c.Config.Env = []string{"PATH=/usr/local/bin:/usr/bin:/bin"}
	c.Config.Cmd = []string{"python", "app.py"}
	c.Config.WorkingDir = "/app"
	c.Config.ExposedPorts = map[string]struct{}{"8000/tcp": {}}
	c.History = history
	return c
}

func TestNewValidates(t *testing.T) {
	l1 := mustLayer(t, dir("app"), file("app/app.py", "print('hi')\n"))
	l2 := mustLayer(t, file("README", "read me\n"))
	made := ocispec.History{CreatedBy: "COPY . /app"}
	empty := ocispec.History{CreatedBy: "CMD [\"python\"]", EmptyLayer: true}
	tests := []struct {
		name   string
		layers []*layer.Layer
		cfg    func() dockerspec.DockerOCIImage
		want   string // substring of the error; "" for success
	}{
		// accepted
		{"no history", []*layer.Layer{l1}, func() dockerspec.DockerOCIImage { return testConfig() }, ""},
		{"history matches", []*layer.Layer{l1, l2}, func() dockerspec.DockerOCIImage { return testConfig(made, empty, made) }, ""},
		{"no layers", nil, func() dockerspec.DockerOCIImage { return testConfig(empty) }, ""},
		{"diffIDs given and right", []*layer.Layer{l1}, func() dockerspec.DockerOCIImage {
			c := testConfig()
			c.RootFS.DiffIDs = []digest.Digest{l1.DiffID()}
			return c
		}, ""},
		// refused
		{"history counts too few", []*layer.Layer{l1, l2}, func() dockerspec.DockerOCIImage { return testConfig(made, empty) }, "history has 1 entries that make a layer, but there are 2 layers"},
		{"history counts too many", []*layer.Layer{l1}, func() dockerspec.DockerOCIImage { return testConfig(made, made) }, "history has 2 entries"},
		{"wrong diffIDs", []*layer.Layer{l1}, func() dockerspec.DockerOCIImage {
			c := testConfig()
			c.RootFS.DiffIDs = []digest.Digest{l2.DiffID()}
			return c
		}, "not the 1 layers' own"},
		{"nil layer", []*layer.Layer{nil}, func() dockerspec.DockerOCIImage { return testConfig() }, "layer 0 is nil"},
		{"no os", nil, func() dockerspec.DockerOCIImage {
			c := testConfig()
			c.OS = ""
			return c
		}, "needs os and architecture"},
		{"shadowed config", nil, func() dockerspec.DockerOCIImage {
			c := testConfig()
			c.Image.Config.Cmd = []string{"lost"}
			return c
		}, "set Config, not Image.Config"},
		{"rootfs type", nil, func() dockerspec.DockerOCIImage {
			c := testConfig()
			c.RootFS.Type = "tarballs"
			return c
		}, `rootfs type "tarballs"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			img, err := New(tt.layers, tt.cfg())
			if tt.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				checkImage(t, img)
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("got %v, want an error containing %q", err, tt.want)
			}
		})
	}
}

// checkImage asserts the invariants every image must keep.
func checkImage(t *testing.T, img *Image) {
	t.Helper()
	if got := digest.FromBytes(img.ConfigJSON()); got != img.ID() {
		t.Errorf("ID %s is not the config digest %s", img.ID(), got)
	}
	if got := digest.FromBytes(img.ManifestJSON()); got != img.ManifestDigest() {
		t.Errorf("manifest digest %s, bytes hash to %s", img.ManifestDigest(), got)
	}
	m := img.Manifest()
	if m.SchemaVersion != 2 || m.MediaType != ocispec.MediaTypeImageManifest || m.Config.MediaType != ocispec.MediaTypeImageConfig {
		t.Errorf("manifest header %+v", m)
	}
	if m.Config.Digest != img.ID() || m.Config.Size != int64(len(img.ConfigJSON())) {
		t.Errorf("config descriptor %+v", m.Config)
	}
	cfg := img.Config()
	layers := img.Layers()
	if len(m.Layers) != len(layers) || len(cfg.RootFS.DiffIDs) != len(layers) || cfg.RootFS.Type != "layers" {
		t.Fatalf("%d layers, %d descriptors, %d diffIDs", len(layers), len(m.Layers), len(cfg.RootFS.DiffIDs))
	}
	var size int64
	for i, l := range layers {
		d := m.Layers[i]
		if d.MediaType != ocispec.MediaTypeImageLayer || d.Digest != l.DiffID() || d.Size != l.TarSize() || cfg.RootFS.DiffIDs[i] != l.DiffID() {
			t.Errorf("layer %d: descriptor %+v, diffID %s", i, d, cfg.RootFS.DiffIDs[i])
		}
		var buf bytes.Buffer
		if err := l.WriteTar(&buf); err != nil {
			t.Fatal(err)
		}
		if digest.FromBytes(buf.Bytes()) != l.DiffID() || int64(buf.Len()) != l.TarSize() {
			t.Errorf("layer %d: its tar does not hash to its diffID", i)
		}
		size += l.Size()
	}
	if img.Size() != size {
		t.Errorf("Size %d, layers add up to %d", img.Size(), size)
	}
	if img.ShortID() != img.ID().Encoded()[:12] {
		t.Errorf("ShortID %q", img.ShortID())
	}
}

// TestPinnedDigests pins the bytes of a tiny image. If this fails, every image
// ID and digest a learner has seen changes: only update it on purpose.
func TestPinnedDigests(t *testing.T) {
	empty := ocispec.History{CreatedBy: `CMD ["python" "app.py"]`, EmptyLayer: true}
	img, err := New(nil, testConfig(empty))
	if err != nil {
		t.Fatal(err)
	}
	// Docker's config field comes last because it shadows the OCI one,
	// exactly as in the configs BuildKit writes with the same type.
	wantConfig := `{"created":"2024-05-01T12:00:00Z","architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]},"history":[{"created_by":"CMD [\"python\" \"app.py\"]","empty_layer":true}],"config":{"ExposedPorts":{"8000/tcp":{}},"Env":["PATH=/usr/local/bin:/usr/bin:/bin"],"Cmd":["python","app.py"],"WorkingDir":"/app"}}`
	if got := string(img.ConfigJSON()); got != wantConfig {
		t.Errorf("config JSON\n got %s\nwant %s", got, wantConfig)
	}
	pin(t, "no-layer image ID", img.ID(), "sha256:8a43e5459180de71346841f88186b49f21fb652d8138a766c49a382b99a37f6c")
	pin(t, "no-layer manifest", img.ManifestDigest(), "sha256:dd6607b0bf799a24b778b24c5aca7492a14bd1ed8ccca16b7bdcbf674ec5a980")

	l := mustLayer(t, dir("app"), file("app/app.py", "print('hi')\n"))
	made := ocispec.History{CreatedBy: "COPY app.py /app/"}
	img, err = New([]*layer.Layer{l}, testConfig(made, empty))
	if err != nil {
		t.Fatal(err)
	}
	pin(t, "layer diffID", l.DiffID(), "sha256:dd3a5c3cf1b5adc7dedd0d91c6825f6407823466d774fac199f8d9f8c99b3936")
	pin(t, "one-layer image ID", img.ID(), "sha256:fc33778d95ede7f163a9027af17313fc1ca48929c29f8ea938418b57396473e1")
	pin(t, "one-layer manifest", img.ManifestDigest(), "sha256:5b7eaa1be9fabf8350de9c0cdc510279c4cc2ffc98dfa89dede4fffce3420413")
}

func pin(t *testing.T, what string, got digest.Digest, want string) {
	t.Helper()
	if string(got) != want {
		t.Errorf("%s is %s, pinned %s", what, got, want)
	}
}

func TestSameInputsSameDigests(t *testing.T) {
	build := func() *Image {
		l := mustLayer(t, dir("etc"), file("etc/motd", "welcome\n"))
		img, err := New([]*layer.Layer{l}, testConfig(ocispec.History{CreatedBy: "RUN echo"}))
		if err != nil {
			t.Fatal(err)
		}
		return img
	}
	a, b := build(), build()
	if a.ID() != b.ID() || a.ManifestDigest() != b.ManifestDigest() || !bytes.Equal(a.ConfigJSON(), b.ConfigJSON()) {
		t.Error("two builds of the same image differ")
	}
}

func TestImageIsImmutable(t *testing.T) {
	l := mustLayer(t, file("a", "a"))
	cfg := testConfig()
	img, err := New([]*layer.Layer{l}, cfg)
	if err != nil {
		t.Fatal(err)
	}
	id := img.ID()

	// What New was given…
	cfg.Config.Env[0] = "CHANGED=1"
	cfg.Config.ExposedPorts["1/tcp"] = struct{}{}
	// …and what the accessors return.
	c := img.Config()
	c.Config.Cmd[0] = "changed"
	c.RootFS.DiffIDs[0] = "sha256:changed"
	img.Layers()[0] = nil
	img.ConfigJSON()[0] = 'X'
	img.ManifestJSON()[0] = 'X'
	img.Manifest().Layers[0].Size = 1

	checkImage(t, img)
	if img.ID() != id || img.Config().Config.Env[0] != "PATH=/usr/local/bin:/usr/bin:/bin" || img.Config().Config.Cmd[0] != "python" {
		t.Error("changing inputs or returned values changed the image")
	}
}

func TestConfigKeepsDockerFields(t *testing.T) {
	cfg := testConfig()
	cfg.Config.Healthcheck = &dockerspec.HealthcheckConfig{Test: []string{"CMD-SHELL", "curl -f localhost"}, Interval: 30 * time.Second}
	cfg.Config.Shell = []string{"/bin/bash", "-c"}
	cfg.Config.OnBuild = []string{"COPY . /app"}
	img, err := New(nil, cfg)
	if err != nil {
		t.Fatal(err)
	}
	var raw struct{ Config map[string]json.RawMessage }
	if err := json.Unmarshal(img.ConfigJSON(), &raw); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"Healthcheck", "Shell", "OnBuild", "Cmd"} {
		if _, ok := raw.Config[k]; !ok {
			t.Errorf("config JSON lacks config.%s: %s", k, img.ConfigJSON())
		}
	}
	if got := img.Config().Config.Healthcheck; got == nil || got.Interval != 30*time.Second {
		t.Errorf("healthcheck came back as %+v", got)
	}
}
