package web

import (
	"context"
	"io"
	"strings"
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

// TestWasteIsProportionate: the Pageturn build hides 13 bytes (its
// requirements file, copied again by COPY . .); the picture says so
// quietly. A layer whose 1.8MB are deleted by the next one is marked
// loud, with the image's efficiency.
func TestWasteIsProportionate(t *testing.T) {
	sess := testServer(t).newSession(playground{})
	ctx := context.Background()
	render := func() string {
		var b strings.Builder
		if err := ui.Viz(vizView(sess.console.Engine())).Render(ctx, &b); err != nil {
			t.Fatal(err)
		}
		return b.String()
	}
	do := func(e LogEntry) {
		t.Helper()
		if _, err := sess.do(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	do(LogEntry{Kind: "cmd", Line: "docker build -t pageturn ."})
	// The base's own waste (python:3.12 deletes apt lists it downloaded)
	// is drawn on its layers, folded away until the learner opens them.
	html, _, _ := strings.Cut(render(), `<details class="base"`)
	for _, want := range []string{
		`data-loud="false">13B hidden by later layers, too little to matter</span>`,
		`data-loud="false">13B hidden by a later layer</span>`,
	} {
		if !strings.Contains(html, want) {
			t.Errorf("the Pageturn picture lacks the quiet mark %q", want)
		}
	}
	for _, bad := range []string{`data-loud="true"`, "wasteful", "efficient in all"} {
		if strings.Contains(html, bad) {
			t.Errorf("13 hidden bytes are drawn as an alarm: %q in the picture", bad)
		}
	}

	do(LogEntry{Kind: "file", Path: "Dockerfile", Data: []byte("FROM python:3.12\nRUN head -c 900000 /dev/zero > /a.bin && head -c 900000 /dev/zero > /b.bin\nRUN rm /a.bin /b.bin\n")})
	do(LogEntry{Kind: "cmd", Line: "docker build -t fat ."})
	html = render()
	for _, want := range []string{
		`data-loud="true">1.8MB wasted in its own layers · 95% efficient in all</span>`,
		`data-loud="true">1.8MB wasted: hidden by a later layer</span>`,
		`class="layer wasteful"`,
	} {
		if !strings.Contains(html, want) {
			t.Errorf("1.8MB deleted by a later layer is not marked loud: %q missing", want)
		}
	}
	// The quiet mark of the other image stays quiet beside it.
	if !strings.Contains(html, "13B hidden by later layers, too little to matter") {
		t.Error("pageturn's quiet mark went missing once another image wastes more")
	}
}
