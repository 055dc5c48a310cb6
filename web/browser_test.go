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
func browser(t testing.TB, width, height int) context.Context {
	t.Helper()
	return browserFor(t, width, height, 90*time.Second)
}

// browserFor is browser with a longer budget, for a test that plays a lot.
func browserFor(t testing.TB, width, height int, budget time.Duration) context.Context {
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
	ctx, cancelTimeout := context.WithTimeout(ctx, budget)
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
func keepScreenshot(t testing.TB, ctx context.Context) {
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
	if n := evalInt(t, ctx, `+`+pageturn+`.dataset.layers`); n <= baseLayers {
		t.Fatalf("pageturn has %d layers, want more than python's %d", n, baseLayers)
	}
	// python's layers are drawn once, shared: the page holds one element per
	// distinct layer.
	if n := evalInt(t, ctx, `document.querySelectorAll('[data-testid="layer"]').length`); n != evalInt(t, ctx, `+`+pageturn+`.dataset.layers`) {
		t.Fatalf("%d layer elements, want each distinct layer drawn once", n)
	}
	waitFor(t, ctx, "the build output", `document.querySelector('[data-testid="console-output"]').textContent.includes("naming to pageturn:latest")`)

	// The step-through shows every instruction: RUN made a layer, EXPOSE
	// and CMD only set metadata.
	waitFor(t, ctx, "the build steps", `!document.querySelector('[data-testid="steps"]').hidden`)
	kinds, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll('#steps-list .bstep')].map(s => s.dataset.kind)`))
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"base", "layer", "layer", "layer", "layer", "metadata", "metadata"}; fmt.Sprint(kinds) != fmt.Sprint(want) {
		t.Fatalf("build steps %v, want %v", kinds, want)
	}
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`[data-testid="step-next"]`)), chromedp.Click(chromedp.CSS(`[data-testid="step-next"]`))); err != nil {
		t.Fatal(err)
	}
	waitFor(t, ctx, "the WORKDIR layer highlighted", `document.querySelectorAll('.layer.highlight').length === 1 && document.querySelector('.bstep.current').textContent.includes("WORKDIR")`)

	typeCommand(t, ctx, "docker run -d --name web pageturn")
	waitFor(t, ctx, "a running container", `document.querySelectorAll('[data-testid="container"][data-state="running"]').length === 1`)
	if n := evalInt(t, ctx, pageturn+`.querySelectorAll('[data-testid="writable-layer"]').length`); n != 1 {
		t.Fatalf("pageturn shows %d writable layers, want 1", n)
	}
	waitFor(t, ctx, "narration", `document.querySelector('[data-testid="narration"]').textContent.length > 0`)

	// The playground's knowledge check shows one question at a time.
	first := `[data-testid="quiz"] form[data-question="what-is-an-image"]`
	if !mark(t, ctx, first, "A frozen, read-only stack of layers with the app, its dependencies and the start command, not running anything.") {
		t.Fatal("the playground quiz lacks the right choice")
	}
	if err := chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(first+` [data-pick]`)),
		chromedp.Click(chromedp.CSS(first+` [data-testid="quiz-check"]`)),
	); err != nil {
		t.Fatal(err)
	}
	waitFor(t, ctx, "quiz feedback", `document.querySelector('`+first+` [data-testid="quiz-result"]').textContent.startsWith("Correct")`)
	answers, err := ts.db.Answers(context.Background(), "image-vs-container")
	if err != nil {
		t.Fatal(err)
	}
	if len(answers) != 1 || !answers[0].Correct || answers[0].Question != "what-is-an-image" {
		t.Fatalf("database holds %+v, want the one correct answer just given", answers)
	}
}

// TestBrowserContainersShareOneImage walks the image/container story as a
// learner would: three containers over one shared stack, a copy-up in one
// of them only, rm taking a writable layer away, commit adding a layer, a
// reload keeping everything, and undo.
func TestBrowserContainersShareOneImage(t *testing.T) {
	ts := newServer(t)
	ctx := browser(t, 1440, 1000)
	if err := chromedp.Do(ctx, chromedp.Navigate(ts.URL+"/play")); err != nil {
		t.Fatal(err)
	}
	waitFor(t, ctx, "the console to connect", `document.querySelector('[data-testid="console-status"]').textContent === "connected"`)
	typeCommand(t, ctx, "docker build -t pageturn .")
	waitFor(t, ctx, "the pageturn image", `!!document.querySelector('[data-testid="image"] .image-name strong') && [...document.querySelectorAll('[data-testid="image"] .image-name strong')].some(e => e.textContent === "pageturn:latest")`)
	for _, name := range []string{"web1", "web2", "web3"} {
		typeCommand(t, ctx, "docker run -d --name "+name+" pageturn")
	}
	waitFor(t, ctx, "three running containers", `document.querySelectorAll('[data-testid="container"][data-state="running"]').length === 3`)
	layersBefore := evalInt(t, ctx, `document.querySelectorAll('[data-testid="layer"]').length`)
	if n := evalInt(t, ctx, `document.querySelectorAll('[data-testid="writable-layer"]').length`); n != 3 {
		t.Fatalf("%d writable layers, want 3", n)
	}
	// All three stand on the one pageturn image: one tip holds them.
	if n := evalInt(t, ctx, `[...document.querySelectorAll('[data-testid="image"]')].filter(i => i.querySelectorAll('[data-testid="container"]').length === 3).length`); n != 1 {
		t.Fatal("the three containers are not drawn on one shared image")
	}

	// A write to a file from the image copies it up in web2 only.
	typeCommand(t, ctx, `docker exec web2 sh -c "echo '# edited' >> /app/app.py"`)
	waitFor(t, ctx, "the copy-up narration", `document.querySelector('[data-testid="narration"]').textContent.includes("copied up")`)
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`[data-testid="container"][data-name="web2"] .writable-layer`))); err != nil {
		t.Fatal(err)
	}
	waitFor(t, ctx, "web2's file tree", `!!document.querySelector('[data-testid="tree"][data-target="container:web2"]')`)
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`[data-testid="tree"] button[data-open="container:web2:/app"]`))); err != nil {
		t.Fatal(err)
	}
	waitFor(t, ctx, "app.py marked as copied up", `!!document.querySelector('[data-testid="tree"][data-dir="/app"] [data-path="/app/app.py"][data-status="modified"]')`)
	if n := evalInt(t, ctx, `[...document.querySelectorAll('[data-testid="container"]')].filter(c => c.querySelector('.c-size').textContent !== "0B").length`); n != 1 {
		t.Fatalf("%d containers have a non-empty writable layer, want only web2", n)
	}

	// rm takes web1's writable layer away; the image's layers stay.
	typeCommand(t, ctx, "docker rm -f web1")
	waitFor(t, ctx, "web1 gone", `!document.querySelector('[data-testid="container"][data-name="web1"]') && document.querySelectorAll('[data-testid="container"]').length === 2`)
	if n := evalInt(t, ctx, `document.querySelectorAll('[data-testid="layer"]').length`); n != layersBefore {
		t.Fatalf("removing a container changed the image layers: %d, want %d", n, layersBefore)
	}

	// commit freezes web2's writable layer into a new image one layer taller.
	typeCommand(t, ctx, "docker commit web2 pageturn:edited")
	waitFor(t, ctx, "the committed image", `[...document.querySelectorAll('[data-testid="image"] .image-name strong')].some(e => e.textContent === "pageturn:edited")`)
	layersOf := func(tag string) int {
		return evalInt(t, ctx, `+[...document.querySelectorAll('[data-testid="image"]')].find(i => i.querySelector('.image-name strong').textContent === "`+tag+`").dataset.layers`)
	}
	if a, b := layersOf("pageturn:edited"), layersOf("pageturn:latest"); a != b+1 {
		t.Fatalf("committed image has %d layers, want %d", a, b+1)
	}

	// A reload finds everything where it was.
	if err := chromedp.Do(ctx, chromedp.Reload()); err != nil {
		t.Fatal(err)
	}
	waitFor(t, ctx, "the console to reconnect", `document.querySelector('[data-testid="console-status"]').textContent === "connected"`)
	waitFor(t, ctx, "the state after reload", `document.querySelectorAll('[data-testid="container"]').length === 2 && [...document.querySelectorAll('.image-name strong')].some(e => e.textContent === "pageturn:edited")`)
	waitFor(t, ctx, "the scrollback after reload", `document.querySelector('[data-testid="console-output"]').textContent.includes("docker commit web2 pageturn:edited")`)

	// Undo drops the commit: the session replays without it.
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`[data-testid="undo"]`))); err != nil {
		t.Fatal(err)
	}
	waitFor(t, ctx, "the commit undone", `![...document.querySelectorAll('.image-name strong')].some(e => e.textContent === "pageturn:edited") && !document.querySelector('[data-testid="redo"]').disabled`)
	// The console rewinds with the picture: the undone command is gone from it.
	waitFor(t, ctx, "the console rewound", `!document.querySelector('[data-testid="console-output"]').textContent.includes("docker commit web2 pageturn:edited") && document.querySelector('[data-testid="console-output"]').textContent.includes("docker rm -f web1")`)
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`[data-testid="redo"]`))); err != nil {
		t.Fatal(err)
	}
	waitFor(t, ctx, "the commit redone", `[...document.querySelectorAll('.image-name strong')].some(e => e.textContent === "pageturn:edited")`)
	waitFor(t, ctx, "the redone command echoed", `document.querySelector('[data-testid="console-output"]').textContent.split("docker commit web2 pageturn:edited").length === 2`)
}

// TestBrowserEditorAndShare edits the Dockerfile in the editor, rebuilds,
// and opens a share link in a fresh browser profile.
func TestBrowserEditorAndShare(t *testing.T) {
	ts := newServer(t)
	ctx := browser(t, 1280, 900)
	if err := chromedp.Do(ctx, chromedp.Navigate(ts.URL+"/play")); err != nil {
		t.Fatal(err)
	}
	waitFor(t, ctx, "the editor", `[...document.querySelectorAll('#editor-tabs button')].some(b => b.textContent === "Dockerfile")`)
	src := "FROM alpine:3.20\nRUN echo hello > /greeting\nCMD [\"cat\", \"/greeting\"]\n"
	if err := chromedp.Do(ctx,
		chromedp.SetValue(chromedp.CSS(`[data-testid="editor-text"]`), src),
		chromedp.Click(chromedp.CSS(`[data-testid="file-save"]`)),
	); err != nil {
		t.Fatal(err)
	}
	typeCommand(t, ctx, "docker build -t greeter .")
	waitFor(t, ctx, "the greeter image", `[...document.querySelectorAll('.image-name strong')].some(e => e.textContent === "greeter:latest")`)
	typeCommand(t, ctx, "docker run --name hi greeter")
	waitFor(t, ctx, "its output", `document.querySelector('[data-testid="console-output"]').textContent.includes("hello")`)
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`[data-testid="share"]`))); err != nil {
		t.Fatal(err)
	}
	waitFor(t, ctx, "the share link", `(document.querySelector('[data-testid="share-url"]').dataset.url || "").includes("/play?share=")`)
	url, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector('[data-testid="share-url"]').dataset.url`))
	if err != nil {
		t.Fatal(err)
	}
	other := browser(t, 1280, 900) // another profile: another learner
	if err := chromedp.Do(other, chromedp.Navigate(url)); err != nil {
		t.Fatal(err)
	}
	waitFor(t, other, "the shared state", `[...document.querySelectorAll('.image-name strong')].some(e => e.textContent === "greeter:latest") && document.querySelectorAll('[data-testid="container"][data-state="exited"]').length === 1`)
}
