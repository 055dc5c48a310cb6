package web_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// browser starts the system's Chromium headless for one test. Chromium is a
// test dependency that make test installs; its absence is a failure, not a
// reason to skip.
func browser(t *testing.T, width, height int) context.Context {
	t.Helper()
	path := ""
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			path = p
			break
		}
	}
	if path == "" {
		t.Fatal("Chromium not found: run `make test`, which installs it, or apt-get install chromium")
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path),
		chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun, chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(width, height),
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(actx)
	ctx, cancelTimeout := context.WithTimeout(ctx, 90*time.Second)
	t.Cleanup(func() {
		if t.Failed() {
			keepScreenshot(t, ctx)
		}
		cancelTimeout()
		cancelCtx()
		cancelAlloc()
	})
	return ctx
}

// keepScreenshot saves what the page looked like when a test failed.
func keepScreenshot(t *testing.T, ctx context.Context) {
	shot, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		return
	}
	dir := os.Getenv("LAYERLAB_ARTIFACTS")
	if dir == "" {
		dir = os.TempDir()
	}
	name := filepath.Join(dir, fmt.Sprintf("layerlab-%s.png", filepath.Base(t.Name())))
	if os.WriteFile(name, shot, 0o644) == nil {
		t.Logf("screenshot of the failure: %s", name)
	}
}

// waitFor polls a JavaScript condition until it holds: no fixed sleeps.
func waitFor(t *testing.T, ctx context.Context, what, js string) {
	t.Helper()
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](js))
		if err == nil && ok {
			return
		}
		select {
		case <-ctx.Done():
			t.Fatalf("waiting for %s: %v (last error: %v)", what, ctx.Err(), err)
		case <-tick.C:
		}
	}
}

func evalInt(t *testing.T, ctx context.Context, js string) int {
	t.Helper()
	n, err := chromedp.Run(ctx, chromedp.Evaluate[int](js))
	if err != nil {
		t.Fatalf("evaluating %s: %v", js, err)
	}
	return n
}

// typeCommand types a line into the console and presses Enter, as a learner.
func typeCommand(t *testing.T, ctx context.Context, line string) {
	t.Helper()
	if err := chromedp.Do(ctx, chromedp.SendKeys(chromedp.CSS(`[data-testid="console-input"]`), line+kb.Enter)); err != nil {
		t.Fatalf("typing %q: %v", line, err)
	}
}

func TestBrowserBuildRunAndAnswer(t *testing.T) {
	ts := newServer(t)
	ctx := browser(t, 1440, 1000)
	if err := chromedp.Do(ctx, chromedp.Navigate(ts.URL)); err != nil {
		t.Fatal(err)
	}
	waitFor(t, ctx, "the console to connect", `document.querySelector('[data-testid="console-status"]').textContent === "connected"`)
	baseLayers := evalInt(t, ctx, `document.querySelectorAll('[data-testid="layer"]').length`)
	if baseLayers == 0 {
		t.Fatal("the python:3.12 image shows no layers")
	}

	typeCommand(t, ctx, "docker build -t pageturn .")
	waitFor(t, ctx, "the pageturn image", `[...document.querySelectorAll('[data-testid="image"] .image-name strong')].some(e => e.textContent === "pageturn:latest")`)
	pageturn := `[...document.querySelectorAll('[data-testid="image"]')].find(i => i.querySelector('.image-name strong').textContent === "pageturn:latest")`
	if n := evalInt(t, ctx, pageturn+`.querySelectorAll('[data-testid="layer"]').length`); n <= baseLayers {
		t.Fatalf("pageturn has %d layers, want more than python's %d", n, baseLayers)
	}
	waitFor(t, ctx, "the build output", `document.querySelector('[data-testid="console-output"]').textContent.includes("naming to pageturn:latest")`)

	typeCommand(t, ctx, "docker run -d --name web pageturn")
	waitFor(t, ctx, "a running container", `document.querySelectorAll('[data-testid="container"][data-state="running"]').length === 1`)
	if n := evalInt(t, ctx, pageturn+`.querySelectorAll('[data-testid="writable-layer"]').length`); n != 1 {
		t.Fatalf("pageturn shows %d writable layers, want 1", n)
	}
	waitFor(t, ctx, "narration", `document.querySelector('[data-testid="narration"]').textContent.length > 0`)

	if err := chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`[data-testid="quiz"] input[value="a"]`)),
		chromedp.Click(chromedp.CSS(`[data-testid="quiz"] button[type="submit"]`)),
	); err != nil {
		t.Fatal(err)
	}
	waitFor(t, ctx, "quiz feedback", `document.querySelector('[data-testid="quiz-feedback"]').textContent.startsWith("Correct")`)
	answers, err := ts.db.Answers(context.Background(), "image-vs-container")
	if err != nil {
		t.Fatal(err)
	}
	if len(answers) != 1 || !answers[0].Correct || answers[0].Question != "what-is-an-image" {
		t.Fatalf("database holds %+v, want the one correct answer just given", answers)
	}
	if dir := os.Getenv("LAYERLAB_SCREENSHOTS"); dir != "" {
		shot, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
		if err == nil {
			os.WriteFile(filepath.Join(dir, "playground.png"), shot, 0o644)
		}
	}
}
