package build_test

import (
	"context"
	"os"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/layerlab/layerlab/sim/build"
	"github.com/layerlab/layerlab/sim/image"
	"github.com/layerlab/layerlab/sim/layer"
)

func mustBuild(t *testing.T, h *host, src string, ctx fstest.MapFS) *build.Result {
	t.Helper()
	res, err := h.build(context.Background(), build.Options{Source: []byte(src), Context: ctx})
	if err != nil {
		t.Fatalf("%v\n%s", err, res.Output)
	}
	if err := h.check.Image(res.Image); err != nil {
		t.Fatal(err)
	}
	return res
}

func whiteouts(l *layer.Layer) int {
	n := 0
	for _, e := range l.Entries() {
		if layer.IsWhiteout(e.Path) {
			n++
		}
	}
	return n
}

// Deleting files in a later RUN cannot shrink an image: the earlier layer
// still holds them and the later one only adds whiteouts. Deleting them in
// the same RUN keeps them out of every layer.
func TestDeleteInLaterLayer(t *testing.T) {
	h := newHost(testLibrary(t))
	install := mustBuild(t, h, "FROM debian:bookworm\nRUN apt-get update && apt-get install -y curl\n", nil).Image
	later := mustBuild(t, h, "FROM debian:bookworm\nRUN apt-get update && apt-get install -y curl\nRUN rm -rf /var/lib/apt/lists/*\n", nil).Image
	same := mustBuild(t, h, "FROM debian:bookworm\nRUN apt-get update && apt-get install -y curl && rm -rf /var/lib/apt/lists/*\n", nil).Image

	if later.Size() < install.Size() {
		t.Errorf("deleting in a later layer shrank the image: %d < %d", later.Size(), install.Size())
	}
	ls := later.Layers()
	top := ls[len(ls)-1]
	if whiteouts(top) == 0 || top.Size() != 0 {
		t.Errorf("the deleting layer has %d whiteouts and %d bytes; want whiteouts only", whiteouts(top), top.Size())
	}
	lists := ls[len(ls)-2]
	var listBytes int64
	for _, e := range lists.Entries() {
		if strings.HasPrefix(e.Path, "var/lib/apt/lists/") {
			listBytes += e.Size
		}
	}
	if listBytes < 10<<20 {
		t.Errorf("apt-get update left only %d bytes of lists; the lesson needs real-sized ones", listBytes)
	}
	if d := later.Size() - same.Size(); d != listBytes {
		t.Errorf("one RUN saves %d bytes, want the %d bytes of the lists", d, listBytes)
	}
	if len(same.Layers()) != len(later.Layers())-1 {
		t.Errorf("same-RUN image has %d layers, want %d", len(same.Layers()), len(later.Layers())-1)
	}
}

// A rebuild with nothing changed is all cache and the very same image; a
// change to app.py re-runs only the COPY that reads it.
func TestCachedRebuild(t *testing.T) {
	h := newHost(testLibrary(t))
	dir := "testdata/build/pageturn/"
	src, err := os.ReadFile(dir + "Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	ctx, err := mapContext(os.DirFS(dir + "context"))
	if err != nil {
		t.Fatal(err)
	}
	first := mustBuild(t, h, string(src), ctx)
	again := mustBuild(t, h, string(src), ctx)
	if again.Image.ID() != first.Image.ID() {
		t.Errorf("cached rebuild made %s, want %s", again.Image.ID(), first.Image.ID())
	}
	if first.Cached != 0 || again.Cached != 4 {
		t.Errorf("cached steps %d then %d, want 0 then 4", first.Cached, again.Cached)
	}
	ctx["app.py"] = &fstest.MapFile{Mode: 0o644, Data: []byte("print('v2')\n")}
	changed := mustBuild(t, h, string(src), ctx)
	if changed.Cached != 3 {
		t.Errorf("after an app.py change %d steps were cached, want 3", changed.Cached)
	}
	if !strings.Contains(changed.Output, "CACHED [4/5] RUN pip install") || strings.Contains(changed.Output, "CACHED [5/5]") {
		t.Errorf("want pip cached and the last COPY run:\n%s", changed.Output)
	}
	a, b := first.Image.Layers(), changed.Image.Layers()
	for i := range len(a) - 1 {
		if a[i].DiffID() != b[i].DiffID() {
			t.Errorf("layer %d changed", i)
		}
	}
	if a[len(a)-1].DiffID() == b[len(b)-1].DiffID() {
		t.Error("the last layer did not change")
	}
	noCache, err := h.build(context.Background(), build.Options{Source: src, Context: ctx, NoCache: true})
	if err != nil || noCache.Cached != 0 {
		t.Fatalf("--no-cache: %v, %d cached", err, noCache.Cached)
	}
}

// USER makes later RUN steps run as that user: what they create is theirs.
func TestUserOwnsFiles(t *testing.T) {
	h := newHost(testLibrary(t))
	img := mustBuild(t, h, "FROM alpine:3.20\nRUN adduser -D -u 1000 learner\nUSER learner\nRUN touch /tmp/mine\n", nil).Image
	owner := func(img *image.Image, p string) (int, int, bool) {
		ls := img.Layers()
		for _, e := range ls[len(ls)-1].Entries() {
			if e.Path == p {
				return e.UID, e.GID, true
			}
		}
		return 0, 0, false
	}
	if uid, gid, ok := owner(img, "tmp/mine"); !ok || uid != 1000 || gid != 1000 {
		t.Errorf("tmp/mine owned by %d:%d (found %v), want 1000:1000", uid, gid, ok)
	}
}
