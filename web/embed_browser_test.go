package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/layerlab/layerlab/web"
)

// The quiz widget embedded by a page of another origin (another port on
// loopback): it renders, grows to its content, answers with feedback,
// re-emits the answer to the host page, and the answer is stored with the
// host page's origin.
func TestBrowserEmbedFromAnotherOrigin(t *testing.T) {
	ts := newQuizServer(t, web.Config{}, nil)
	host := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, `<!DOCTYPE html><html><head><title>A blog</title></head><body>
<h1>A post about containers</h1>
<div id="quiz" data-layerlab-quiz="image-vs-container"></div>
<script>window.answers = []; document.getElementById("quiz").addEventListener("layerlab:answer", e => window.answers.push(e.detail));</script>
<script src="%s/static/embed.js" async></script>
</body></html>`, ts.URL)
	}))
	t.Cleanup(host.Close)
	if host.URL == ts.URL {
		t.Fatal("the host page must come from another origin")
	}

	ctx := browser(t, 900, 800)
	if err := chromedp.Do(ctx, chromedp.Navigate(host.URL)); err != nil {
		t.Fatal(err)
	}
	frameHeight := `Number(document.querySelector("#quiz iframe")?.getAttribute("height") || 0)`
	waitFor(t, ctx, "the iframe to size itself to the quiz", frameHeight+` > 1000`)
	before := evalInt(t, ctx, frameHeight)

	// Both servers are on 127.0.0.1: another origin (port) but the same
	// site, so Chromium keeps the iframe in the page's process and FromNode
	// reaches into it.
	frames, err := chromedp.Run(ctx, chromedp.Nodes(chromedp.CSS("#quiz iframe")))
	if err != nil || len(frames) != 1 {
		t.Fatalf("finding the iframe: %v", err)
	}
	in := chromedp.FromNode(frames[0])
	first := `form[data-question="what-is-an-image"]`
	if err := chromedp.Do(ctx,
		chromedp.WaitVisible(chromedp.CSS(first), in),
	); err != nil {
		t.Fatal(err)
	}
	picked := false
	for i := range 5 { // what-is-an-image has five choices
		text, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(fmt.Sprintf(`%s label.choice:nth-of-type(%d)`, first, i+1)), in))
		if err == nil && strings.HasPrefix(strings.TrimSpace(text), "A screenshot") {
			if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(fmt.Sprintf(`%s label.choice:nth-of-type(%d) input`, first, i+1)), in)); err != nil {
				t.Fatal(err)
			}
			picked = true
		}
	}
	if !picked {
		t.Fatal("no choice reads \"A screenshot…\"")
	}
	if err := chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(first+` [data-testid="quiz-check"]`), in),
	); err != nil {
		t.Fatal(err)
	}
	waitFor(t, ctx, "the answer event on the host page", `window.answers.length === 1 && window.answers[0].question === "what-is-an-image" && window.answers[0].correct === false`)
	feedback, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(first+` .quiz-result`), in))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(feedback, "Not quite.") || !strings.Contains(feedback, "not a picture") {
		t.Errorf("feedback in the widget = %q", feedback)
	}
	waitFor(t, ctx, "the iframe to grow with the feedback", frameHeight+` > `+strconv.Itoa(before))

	answers, err := ts.db.Answers(context.Background(), "image-vs-container")
	if err != nil {
		t.Fatal(err)
	}
	if len(answers) != 1 || answers[0].Source != "embed" || answers[0].Origin != host.URL || answers[0].Correct {
		t.Fatalf("database holds %+v, want one wrong embed answer from %s", answers, host.URL)
	}
	if dir := os.Getenv("LAYERLAB_SCREENSHOTS"); dir != "" {
		if shot, err := chromedp.Run(ctx, chromedp.FullScreenshot(100)); err == nil {
			os.WriteFile(filepath.Join(dir, "embed.png"), shot, 0o644)
		}
	}
}
