package web_test

import (
	"context"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// pressKeys sends keys to whatever has the focus, as a keyboard does.
func pressKeys(t *testing.T, ctx context.Context, keys string) {
	t.Helper()
	if err := chromedp.Do(ctx, chromedp.KeyEvent(keys)); err != nil {
		t.Fatalf("pressing %q: %v", keys, err)
	}
}

func evalString(t *testing.T, ctx context.Context, js string) string {
	t.Helper()
	s, err := chromedp.Run(ctx, chromedp.Evaluate[string](js))
	if err != nil {
		t.Fatalf("evaluating %s: %v", js, err)
	}
	return s
}

// tabTo presses Tab until the element css selects has the focus: what a
// keyboard-only learner does. Never reaching it is a failure: the control
// is not reachable by keyboard, or something traps the focus.
func tabTo(t *testing.T, ctx context.Context, css string) {
	t.Helper()
	is := `(() => { const e = document.querySelector('` + css + `'); return !!e && document.activeElement === e; })()`
	for range 150 {
		if evalBool(t, ctx, is) {
			return
		}
		pressKeys(t, ctx, kb.Tab)
	}
	t.Fatalf("150 presses of Tab never reached %s (focus is on %s)", css,
		evalString(t, ctx, `document.activeElement ? document.activeElement.outerHTML.slice(0, 120) : "nothing"`))
}

// focused is the focused element's id or test id.
const focused = `document.activeElement ? (document.activeElement.id || document.activeElement.dataset.testid || document.activeElement.tagName) : ""`

// TestBrowserConsoleTabMovesOn: Tab completes a word on a line with text
// and leaves an empty line, so the console never traps the keyboard
// (WCAG 2.1.2); Escape clears a line, then moves on.
func TestBrowserConsoleTabMovesOn(t *testing.T) {
	ts := newServer(t)
	ctx := browser(t, 1280, 900)
	if err := chromedp.Do(ctx, chromedp.Navigate(ts.URL+"/play")); err != nil {
		t.Fatal(err)
	}
	waitFor(t, ctx, "the console", `document.getElementById("console-form").dataset.ready === "true"`)
	tabTo(t, ctx, "#console-input")

	pressKeys(t, ctx, "docker bu"+kb.Tab)
	if got := evalString(t, ctx, `document.getElementById("console-input").value`); got != "docker build " {
		t.Errorf("Tab on %q left %q, want the subcommand completed", "docker bu", got)
	}
	if got := evalString(t, ctx, focused); got != "console-input" {
		t.Fatalf("Tab on a line with text moved the focus to %s", got)
	}

	pressKeys(t, ctx, kb.Escape)
	if got := evalString(t, ctx, `document.getElementById("console-input").value`); got != "" {
		t.Errorf("Escape left %q in the console line", got)
	}
	if got := evalString(t, ctx, focused); got != "console-input" {
		t.Fatalf("Escape on a line with text moved the focus to %s; it clears the line first", got)
	}
	pressKeys(t, ctx, kb.Escape)
	if got := evalString(t, ctx, focused); got == "console-input" {
		t.Fatal("Escape on an empty line kept the focus in the console")
	}

	tabTo(t, ctx, "#console-input")
	pressKeys(t, ctx, kb.Tab)
	if got := evalString(t, ctx, focused); got == "console-input" {
		t.Fatal("Tab on an empty line kept the focus in the console: a keyboard user is trapped")
	}
}

// TestBrowserKeyboardOnlyLesson completes "Layers and the build cache",
// whose steps edit app.py and the Dockerfile, with the keyboard alone:
// Tab to reach things, Enter and the arrow keys to work them, typing to
// edit. The edits are never saved by hand: a build saves them first.
func TestBrowserKeyboardOnlyLesson(t *testing.T) {
	ts := newServer(t)
	ctx := browser(t, 1440, 1000)
	if err := chromedp.Do(ctx, chromedp.Navigate(ts.URL+"/lessons/layers-and-cache")); err != nil {
		t.Fatal(err)
	}
	waitFor(t, ctx, "the console", `document.getElementById("console-form").dataset.ready === "true"`)
	build := func(states string) {
		t.Helper()
		tabTo(t, ctx, "#console-input")
		pressKeys(t, ctx, "docker build -t pageturn ."+kb.Enter)
		waitStates(t, ctx, states)
	}
	// openFile reaches the file tabs and arrows along them to path, then
	// tabs into the text.
	openFile := func(path string) {
		t.Helper()
		if !evalBool(t, ctx, `document.querySelector(".context-files").open`) {
			tabTo(t, ctx, ".context-files > summary")
			pressKeys(t, ctx, kb.Enter)
		}
		tabTo(t, ctx, `#editor-tabs [aria-selected="true"]`)
		for range 5 {
			if evalString(t, ctx, `document.activeElement.dataset.path || ""`) == path {
				break
			}
			pressKeys(t, ctx, kb.ArrowRight)
		}
		if got := evalString(t, ctx, `document.activeElement.dataset.path || ""`); got != path {
			t.Fatalf("the arrow keys never reached the %s tab (at %q)", path, got)
		}
		tabTo(t, ctx, "#editor-text")
	}

	build("done current todo todo todo")

	// Step 2: change the greeting.
	openFile("app.py")
	pressKeys(t, ctx, kb.End) // the end of the first line
	pressKeys(t, ctx, "  # v2")
	waitFor(t, ctx, "the unsaved mark", `!document.getElementById("editor-dirty").hidden`)
	build("done done current todo todo")

	// Step 3 is a prediction: running its command is the reveal.
	tabTo(t, ctx, "#console-input")
	pressKeys(t, ctx, "docker images --format '{{.Repository}}:{{.Tag}}'"+kb.Enter)
	waitStates(t, ctx, "done done done current todo")

	// Step 4: reorder the recipe, typed over the old one.
	openFile("Dockerfile")
	n := evalInt(t, ctx, `document.getElementById("editor-text").value.length`)
	pressKeys(t, ctx, strings.Repeat(kb.ArrowDown, 10)+kb.End)
	pressKeys(t, ctx, strings.Repeat(kb.Backspace, n))
	pressKeys(t, ctx, "FROM python:3.12\nWORKDIR /app\nCOPY requirements.txt .\nRUN pip install --no-cache-dir -r requirements.txt\nCOPY . .\nCMD [\"python\", \"app.py\"]\n")
	build("done done done done current")

	// Step 5: change the app again; only the last COPY runs.
	openFile("app.py")
	pressKeys(t, ctx, kb.End)
	pressKeys(t, ctx, " v3")
	build("done done done done done")
	waitFor(t, ctx, "the lesson complete", `document.getElementById("lesson").dataset.complete === "true" || !!document.querySelector(".lesson-done:not([hidden])")`)
}

// TestBrowserUnsavedEditsAreKept: an edited file is marked, switching tabs
// asks first (and staying keeps the edits), and a build uses what the
// learner sees.
func TestBrowserUnsavedEditsAreKept(t *testing.T) {
	ts := newServer(t)
	ctx := browser(t, 1280, 900)
	if err := chromedp.Do(ctx, chromedp.Navigate(ts.URL+"/play")); err != nil {
		t.Fatal(err)
	}
	waitFor(t, ctx, "the editor", `[...document.querySelectorAll('#editor-tabs button')].some(b => b.textContent === "Dockerfile")`)
	tabTo(t, ctx, "#editor-text")
	pressKeys(t, ctx, strings.Repeat(kb.ArrowDown, 20)+kb.End+"\nLABEL edited=yes\n")
	waitFor(t, ctx, "the unsaved mark", `!document.getElementById("editor-dirty").hidden && document.querySelector('#editor-tabs [aria-selected="true"]').dataset.dirty === "true"`)

	// Switching away asks; saying no keeps the learner and the edits here.
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`window.asked = []; window.confirm = (q) => { window.asked.push(q); return false; }; true`)); err != nil {
		t.Fatal(err)
	}
	click(t, ctx, `#editor-tabs button[data-path="app.py"]`)
	if q := evalString(t, ctx, `window.asked.join("|")`); !strings.Contains(q, "Dockerfile has unsaved edits") {
		t.Fatalf("switching tabs with unsaved edits asked %q", q)
	}
	if got := evalString(t, ctx, `document.querySelector('#editor-tabs [aria-selected="true"]').dataset.path`); got != "Dockerfile" {
		t.Fatalf("after saying no, the editor shows %s", got)
	}
	if !evalBool(t, ctx, `document.getElementById("editor-text").value.includes("LABEL edited=yes")`) {
		t.Fatal("saying no lost the edits")
	}

	// The build saves first and builds what the learner sees.
	typeCommand(t, ctx, "docker build -t edited .")
	waitFor(t, ctx, "the edited image", `[...document.querySelectorAll('.image-name strong')].some(e => e.textContent === "edited:latest")`)
	waitFor(t, ctx, "the saved file", `document.getElementById("editor-dirty").hidden`)
	typeCommand(t, ctx, `docker inspect -f "{{.Config.Labels}}" edited`)
	waitFor(t, ctx, "the label in the image", `document.querySelector('[data-testid="console-output"]').textContent.includes("edited:yes")`)
}

// TestBrowserPictureInWords: the text alternative lists what the picture
// draws: images with their layers, containers with their state, volumes.
func TestBrowserPictureInWords(t *testing.T) {
	ts := newServer(t)
	ctx := browser(t, 1280, 900)
	if err := chromedp.Do(ctx, chromedp.Navigate(ts.URL+"/play")); err != nil {
		t.Fatal(err)
	}
	waitFor(t, ctx, "the console", `document.getElementById("console-form").dataset.ready === "true"`)
	for _, line := range []string{
		"docker build -t pageturn .",
		"docker run -d --name web1 pageturn",
		"docker run -d --name web2 -v data:/data pageturn",
		"docker create --name web3 pageturn",
	} {
		typeCommand(t, ctx, line)
	}
	waitFor(t, ctx, "three containers", `document.querySelectorAll('[data-testid="container"]').length === 3`)
	words := evalString(t, ctx, `document.querySelector('[data-testid="viz-text"]').textContent.replace(/\s+/g, " ")`)
	for _, want := range []string{
		"python:3.12: a base image, 7 read-only layers",
		"pageturn:latest: 11 read-only layers",
		"RUN pip install --no-cache-dir -r requirements.txt",
		"web1: running, from image pageturn:latest",
		"web3: created, not started, from image pageturn:latest",
		"volume data → /data",
		"data, 0B, mounted in web2:/data",
	} {
		if !strings.Contains(words, want) {
			t.Errorf("the picture in words lacks %q:\n%s", want, words)
		}
	}
	// Its lists are the structure a screen reader walks: one item a container.
	if n := evalInt(t, ctx, `[...document.querySelectorAll('[data-testid="viz-text"] h4')].find(h => h.textContent === "Containers").nextElementSibling.querySelectorAll(":scope > li").length`); n != 3 {
		t.Errorf("the containers list has %d items, want 3", n)
	}
}

// TestBrowserVisitAWebContainer: docker run -p offers a visit link; it
// opens a preview with what the app serves; a paused container is said to
// be frozen, not answered for.
func TestBrowserVisitAWebContainer(t *testing.T) {
	ts := newServer(t)
	ctx := browser(t, 1280, 900)
	if err := chromedp.Do(ctx, chromedp.Navigate(ts.URL+"/play")); err != nil {
		t.Fatal(err)
	}
	waitFor(t, ctx, "the console", `document.getElementById("console-form").dataset.ready === "true"`)
	typeCommand(t, ctx, "docker build -t pageturn .")
	typeCommand(t, ctx, "docker run -d -p 8000:8000 --name web pageturn")
	waitFor(t, ctx, "the visit link", `!!document.querySelector('[data-testid="container"][data-name="web"] [data-testid="visit"]')`)
	tabTo(t, ctx, `[data-testid="container"][data-name="web"] [data-testid="visit"]`)
	pressKeys(t, ctx, kb.Enter)
	t.Logf("after Enter: focus %s; console ends %q", evalString(t, ctx, focused), evalString(t, ctx, `document.querySelector('[data-testid="console-output"]').textContent.slice(-200)`))
	waitFor(t, ctx, "the preview", `!!document.querySelector('[data-testid="visit-body"]')`)
	if body := evalString(t, ctx, `document.querySelector('[data-testid="visit-body"] pre').textContent`); body != "Pageturn: your reading list" {
		t.Errorf("the preview shows %q", body)
	}
	if got := evalString(t, ctx, focused); got == "" || got == "BODY" {
		t.Error("the preview did not take the focus")
	}
	pressKeys(t, ctx, kb.Enter) // its close button
	waitFor(t, ctx, "the preview closed", `document.getElementById("visit").hidden`)

	typeCommand(t, ctx, "docker pause web")
	waitFor(t, ctx, "web paused", `!!document.querySelector('[data-testid="container"][data-name="web"][data-state="paused"]')`)
	if evalBool(t, ctx, `!!document.querySelector('[data-testid="container"][data-name="web"] [data-testid="visit"]')`) {
		t.Error("a paused container still offers a visit")
	}
}

// TestBrowserReducedMotion: with the system asking for reduced motion the
// animations start off and the toggle says why; the learner may turn them
// on again, and that choice is kept.
func TestBrowserReducedMotion(t *testing.T) {
	ts := newServer(t)
	ctx := browser(t, 1280, 900)
	if _, err := chromedp.Call(ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{
		Features: []*emulation.MediaFeature{{Name: "prefers-reduced-motion", Value: "reduce"}},
	}); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx, chromedp.Navigate(ts.URL+"/play")); err != nil {
		t.Fatal(err)
	}
	waitFor(t, ctx, "the toggle", `document.getElementById("motion").textContent === "Animations: off (system setting)"`)
	if got := evalString(t, ctx, `document.documentElement.dataset.motion + " " + document.getElementById("motion").getAttribute("aria-pressed")`); got != "off false" {
		t.Fatalf("under reduced motion: motion and pressed are %q, want off false", got)
	}
	click(t, ctx, "#motion")
	if got := evalString(t, ctx, `document.documentElement.dataset.motion + " " + document.getElementById("motion").textContent`); got != "on Animations: on" {
		t.Fatalf("after turning them on: %q", got)
	}
	if err := chromedp.Do(ctx, chromedp.Reload()); err != nil {
		t.Fatal(err)
	}
	waitFor(t, ctx, "the kept choice", `document.documentElement.dataset.motion === "on" && document.getElementById("motion").textContent === "Animations: on"`)
}
