package web

import (
	"context"
	"io"
	"testing"

	"github.com/layerlab/layerlab/web/ui"
)

// BenchmarkVizRender is the picture drawn after each command: the view
// model (with every image's wasted bytes) and its HTML, for the playground
// with Pageturn built and three containers.
func BenchmarkVizRender(b *testing.B) {
	srv := &Server{}
	_ = srv
	sess := testServer(b).newSession(playground{})
	ctx := context.Background()
	for _, line := range []string{"docker build -t pageturn .", "docker run -d --name a pageturn", "docker run -d --name b pageturn", "docker run -d --name c -v data:/data pageturn"} {
		sess.run(ctx, line)
	}
	b.ReportAllocs()
	for b.Loop() {
		if err := ui.Viz(vizView(sess.console.Engine())).Render(ctx, io.Discard); err != nil {
			b.Fatal(err)
		}
	}
}
