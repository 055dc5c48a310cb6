package web_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/layerlab/layerlab/web"
)

// A learner with work of their own who follows a share link is asked
// first; saying yes (a same-origin POST, which Chromium marks with Origin
// and Sec-Fetch-Site) opens the shared session.
func TestBrowserShareAsksFirst(t *testing.T) {
	ts := newServer(t)
	const id = "00112233aabbccdd"
	shared := []web.LogEntry{{Kind: "cmd", Line: "docker run --name shared python:3.12 true"}}
	if err := ts.db.SaveShare(context.Background(), id, 3, shared); err != nil {
		t.Fatal(err)
	}
	ctx := browser(t, 1100, 800)
	if err := chromedp.Do(ctx, chromedp.Navigate(ts.URL+"/play")); err != nil {
		t.Fatal(err)
	}
	waitFor(t, ctx, "the console", `document.getElementById("console-form").dataset.ready === "true"`)
	typeCommand(t, ctx, "docker run --name mine python:3.12 true")
	waitFor(t, ctx, "the learner's container", `document.querySelectorAll('[data-testid="container"][data-name="mine"]').length === 1`)

	if err := chromedp.Do(ctx, chromedp.Navigate(ts.URL+"/play?share="+id)); err != nil {
		t.Fatal(err)
	}
	waitFor(t, ctx, "the question", `!!document.querySelector('[data-testid="share-confirm"]')`)
	if dir := os.Getenv("LAYERLAB_ARTIFACTS"); dir != "" {
		if shot, err := chromedp.Run(ctx, chromedp.FullScreenshot(100)); err == nil {
			os.WriteFile(filepath.Join(dir, "layerlab-share-confirm.png"), shot, 0o644)
		}
	}
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`[data-testid="share-open"]`))); err != nil {
		t.Fatal(err)
	}
	waitFor(t, ctx, "the shared session", `document.querySelectorAll('[data-testid="container"][data-name="shared"]').length === 1 && document.querySelectorAll('[data-testid="container"][data-name="mine"]').length === 0`)
}
