package image

import (
	"archive/tar"
	"bytes"
	"errors"
	"io"
	"runtime"
	"strings"
	"testing"

	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/layerlab/layerlab/sim"
	"github.com/layerlab/layerlab/sim/layer"
)

// withFile adds a file to a tar.
func withFile(t testing.TB, b []byte, extra tarFile) []byte {
	t.Helper()
	var files []tarFile
	tr := tar.NewReader(bytes.NewReader(b))
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		data, err := io.ReadAll(tr)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, tarFile{hdr.Name, data})
	}
	return makeTar(t, append(files, extra)...)
}

// TestImportGzipBomb imports small files that decompress to far more than
// they hold: a gzipped docker save tar, and a gzipped layer inside one.
// Each is refused with the limit's message, having held only a bounded
// amount of memory; the same content within the limits imports.
func TestImportGzipBomb(t *testing.T) {
	zeros := make([]byte, 48<<20)
	img := saveImage(t)
	// 48 MiB of zeros beside a real image, the whole tar gzipped.
	outer := gzipBytes(t, withFile(t, classicSave(t, img, "bomb:latest", false), tarFile{"junk", zeros}))
	// A layer with a 48 MiB file of zeros, gzipped inside a plain tar.
	big := mustLayer(t, dir("app"), layer.Entry{Path: "app/zeros", Type: layer.TypeReg, Mode: 0o644, Size: int64(len(zeros)), Data: zeros})
	withBig, err := New([]*layer.Layer{big}, testConfig(ocispec.History{CreatedBy: "COPY"}))
	if err != nil {
		t.Fatal(err)
	}
	inner := classicSave(t, withBig, "bomb:latest", true)
	for name, tc := range map[string]struct {
		tar []byte
		lim Limits
	}{
		"gzipped tar":              {outer, Limits{}},
		"gzipped layer":            {inner, Limits{}},
		"gzipped tar, low limit":   {gzipBytes(t, classicSave(t, img, "bomb:latest", false)), Limits{MaxUnpacked: 4 << 10}},
		"gzipped layer, low limit": {classicSave(t, img, "bomb:latest", true), Limits{MaxUnpacked: 1 << 10}},
	} {
		if len(tc.tar) > 1<<20 {
			t.Fatalf("%s: the bomb is %d bytes, want a small one", name, len(tc.tar))
		}
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		_, err := ImportDockerSave(bytes.NewReader(tc.tar), "bomb:latest", tc.lim)
		runtime.ReadMemStats(&after)
		if !errors.Is(err, sim.ErrLimit) || !strings.Contains(err.Error(), "decompression bomb") {
			t.Errorf("%s: %v, want the unpacked limit's error", name, err)
		}
		if grew := after.TotalAlloc - before.TotalAlloc; grew > 96<<20 {
			t.Errorf("%s: importing allocated %d MiB", name, grew>>20)
		}
	}
	// Within the limits the same images import.
	for _, tar := range [][]byte{gzipBytes(t, classicSave(t, img, "ok:latest", false)), classicSave(t, img, "ok:latest", true)} {
		if _, err := ImportDockerSave(bytes.NewReader(tar), "ok:latest", Limits{}); err != nil {
			t.Errorf("a small gzipped image: %v", err)
		}
	}
}
