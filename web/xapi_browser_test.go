package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/layerlab/layerlab/web/xapi"
	"github.com/layerlab/layerlab/web/xapi/lrstest"
)

// A reader of a blog answers the quiz embedded in it, in Chromium, while
// the LRS is down; when it is back, it receives the answer as an
// "answered" statement that names the blog's origin.
func TestBrowserXAPIEmbedAnswer(t *testing.T) {
	lrs := lrstest.New(t, "key", "secret")
	lrs.Set(lrstest.Down)
	ts, sender := xapiServer(t, filepath.Join(t.TempDir(), "layerlab.db"), lrs)
	runCtx, stop := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { sender.Run(runCtx); close(done) }()
	t.Cleanup(func() { stop(); <-done })
	host := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, `<!DOCTYPE html><html><head><title>A blog</title></head><body>
<h1>A post about containers</h1>
<div id="quiz" data-layerlab-quiz="image-vs-container"></div>
<script src="%s/static/embed.js" async></script>
</body></html>`, ts.URL)
	}))
	t.Cleanup(host.Close)

	ctx := browser(t, 900, 800)
	if err := chromedp.Do(ctx, chromedp.Navigate(host.URL)); err != nil {
		t.Fatal(err)
	}
	// The iframe sizes itself once its quiz has loaded; its document is
	// read only then, or chromedp would hold the blank page it starts with.
	waitFor(t, ctx, "the embedded quiz to load and size itself",
		`Number(document.querySelector("#quiz iframe")?.getAttribute("height") || 0) > 1000`)
	frames, err := chromedp.Run(ctx, chromedp.Nodes(chromedp.CSS("#quiz iframe")))
	if err != nil || len(frames) != 1 {
		t.Fatalf("finding the iframe: %v", err)
	}
	in := chromedp.FromNode(frames[0])
	first := `form[data-question="what-is-an-image"]`
	if err := chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS(first), in)); err != nil {
		t.Fatal(err)
	}
	picked := false
	for i := range 5 {
		choice := fmt.Sprintf(`%s label.choice:nth-of-type(%d)`, first, i+1)
		text, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(choice), in))
		if err == nil && strings.HasPrefix(strings.TrimSpace(text), "A frozen") {
			if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(choice+" input"), in)); err != nil {
				t.Fatal(err)
			}
			picked = true
		}
	}
	if !picked {
		t.Fatal(`no choice reads "A frozen…"`)
	}
	if err := chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(first+` [data-testid="quiz-check"]`), in),
		chromedp.WaitVisible(chromedp.CSS(first+` .quiz-result`), in),
	); err != nil {
		t.Fatal(err)
	}
	// The reader sees their result although the LRS is away.
	feedback, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(first+` .quiz-result`), in))
	if err != nil || strings.TrimSpace(feedback) == "" {
		t.Fatalf("no feedback in the widget: %q %v", feedback, err)
	}

	deadline := time.Now().Add(60 * time.Second)
	for lrs.Failed() == 0 {
		if time.Now().After(deadline) {
			t.Fatal("the sender never tried the LRS")
		}
		time.Sleep(10 * time.Millisecond)
	}
	lrs.Set(lrstest.Up)
	for len(lrs.Statements()) == 0 {
		if time.Now().After(deadline) {
			t.Fatal("the answer never reached the LRS")
		}
		time.Sleep(10 * time.Millisecond)
	}
	sts := lrs.Statements()
	st := sts[0]
	if len(sts) != 1 || field(st, "verb", "id") != xapi.VerbAnswered || field(st, "result", "success") != true {
		t.Fatalf("the LRS holds %v, want one right answer", sts)
	}
	ext := field(st, "context", "extensions")
	if field(ext, xapiBase+xapi.ExtOrigin) != host.URL || field(ext, xapiBase+xapi.ExtSource) != "embed" {
		t.Errorf("extensions %v, want the embed from %s", ext, host.URL)
	}
}
