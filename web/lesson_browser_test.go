package web_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// stepStates reads the step list's states, e.g. "done done current todo".
func stepStates(t *testing.T, ctx context.Context) string {
	t.Helper()
	s, err := chromedp.Run(ctx, chromedp.Evaluate[string](`[...document.querySelectorAll('[data-testid="step-item"]')].map(e => e.dataset.state).join(" ")`))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func waitStates(t *testing.T, ctx context.Context, want string) {
	t.Helper()
	waitFor(t, ctx, "steps "+want, `[...document.querySelectorAll('[data-testid="step-item"]')].map(e => e.dataset.state).join(" ") === "`+want+`"`)
}

func click(t *testing.T, ctx context.Context, css string) {
	t.Helper()
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(css), chromedp.NodeVisible)); err != nil {
		t.Fatalf("clicking %s: %v", css, err)
	}
}

func visible(css string) string {
	return `(() => { const e = document.querySelector('` + css + `'); return !!e && e.offsetParent !== null; })()`
}

// TestBrowserLessonComplete plays "An image at rest, a container running"
// from start to finish as a learner: typing each step's commands (the first
// through the lesson's own type-into-console button), reading a hint and
// the solution, seeing each step tick and the lesson's done moment, and
// finding it marked complete on the course page after a reload.
func TestBrowserLessonComplete(t *testing.T) {
	ts := newServer(t)
	ctx := browser(t, 1440, 1000)
	if err := chromedp.Do(ctx, chromedp.Navigate(ts.URL+"/lessons/images-and-containers")); err != nil {
		t.Fatal(err)
	}
	waitFor(t, ctx, "the console to connect", `document.querySelector('[data-testid="console-status"]').textContent === "connected"`)
	if got := stepStates(t, ctx); got != "current todo todo todo todo" {
		t.Fatalf("a new learner sees steps %q, want the first current", got)
	}
	step0 := `[data-testid="step"][data-index="0"]`

	// Hints come one at a time; the last one disables the button.
	click(t, ctx, step0+` [data-testid="hint-button"]`)
	if n := evalInt(t, ctx, `document.querySelectorAll('`+step0+` .hints li:not([hidden])').length`); n != 1 {
		t.Fatalf("%d hints shown after one click, want 1", n)
	}
	click(t, ctx, step0+` [data-testid="hint-button"]`)
	waitFor(t, ctx, "both hints and no more", `document.querySelectorAll('`+step0+` .hints li:not([hidden])').length === 2 && document.querySelector('`+step0+` [data-testid="hint-button"]').disabled`)

	// The solution asks first; "Not yet" keeps it hidden.
	click(t, ctx, step0+` [data-testid="solution-button"]`)
	waitFor(t, ctx, "the confirm", visible(step0+` [data-testid="solution-confirm"]`))
	click(t, ctx, step0+` [data-testid="solution-no"]`)
	waitFor(t, ctx, "the confirm to close", `!(`+visible(step0+` [data-testid="solution-confirm"]`)+`) && !(`+visible(step0+` [data-testid="solution"]`)+`)`)
	click(t, ctx, step0+` [data-testid="solution-button"]`)
	click(t, ctx, step0+` [data-testid="solution-yes"]`)
	waitFor(t, ctx, "the solution", visible(step0+` [data-testid="solution"]`)+` && document.querySelector('`+step0+` [data-testid="solution"]').textContent.includes("docker build -t pageturn .")`)

	// Step 1 through the narrative's type button, then Enter.
	click(t, ctx, step0+` .lesson-narrative [data-testid="type-button"]`)
	waitFor(t, ctx, "the command typed in", `document.querySelector('[data-testid="console-input"]').value === "docker build -t pageturn ."`)
	if err := chromedp.Do(ctx, chromedp.SendKeys(chromedp.CSS(`[data-testid="console-input"]`), kb.Enter)); err != nil {
		t.Fatal(err)
	}
	waitStates(t, ctx, "done current todo todo todo")
	waitFor(t, ctx, "the step 1 flash", `document.querySelector('[data-testid="step-flash"]').textContent.includes("Step 1 done")`)
	waitFor(t, ctx, "step 2 shown, step 1 hidden", visible(`[data-testid="step"][data-index="1"]`)+` && !(`+visible(step0)+`)`)

	// The rest by typing; a command that does not meet the goal ticks nothing.
	typeCommand(t, ctx, "docker images")
	waitFor(t, ctx, "the images listed", `document.querySelector('[data-testid="console-output"]').textContent.includes("REPOSITORY")`)
	if got := stepStates(t, ctx); got != "done current todo todo todo" {
		t.Fatalf("after docker images, steps %q", got)
	}
	for _, c := range []struct {
		line, want string
	}{
		{"docker run -d --name web pageturn", "done done current todo todo"},
		{"docker stop web", "done done done current todo"},
	} {
		typeCommand(t, ctx, c.line)
		waitStates(t, ctx, c.want)
	}

	// The predict step: a wrong prediction is graded against what the
	// command prints, which then runs in the console, and the step is done.
	step3 := `[data-testid="step"][data-index="3"]`
	if !mark(t, ctx, step3, "web: running") {
		t.Fatal("the predict step lacks the choice \"web: running\"")
	}
	click(t, ctx, step3+` [data-pick]`)
	click(t, ctx, step3+` [data-testid="predict-check"]`)
	waitFor(t, ctx, "the prediction graded", `document.querySelector('`+step3+` [data-testid="predict-form"]').dataset.result === "wrong" && document.querySelector('`+step3+` [data-testid="predict-result"]').textContent.includes("a container lives only as long as that process")`)
	waitFor(t, ctx, "the reveal in the console", `document.querySelector('[data-testid="console-output"]').textContent.includes("web: exited")`)
	waitStates(t, ctx, "done done done done current")

	// The challenge: no commands printed, a goal picture, a par.
	step4 := `[data-testid="step"][data-index="4"]`
	if n := evalInt(t, ctx, `document.querySelectorAll('`+step4+` .lesson-narrative [data-testid="type-button"], `+step4+` .lesson-narrative code.language-console').length`); n != 0 {
		t.Fatalf("the challenge prints %d commands", n)
	}
	waitFor(t, ctx, "the goal picture", visible(`#pane-picture [data-testid="goal"][data-step="4"] [data-testid="image"]`))
	typeCommand(t, ctx, "docker rm web")
	waitStates(t, ctx, "done done done done done")
	waitFor(t, ctx, "the par", `document.querySelector('`+step4+` [data-testid="challenge-count"]').textContent.includes("Solved in 1 command (par 1)")`)
	waitFor(t, ctx, "the next lesson", visible(`[data-testid="next-lesson"]`))
	waitFor(t, ctx, "the done moment", visible(`[data-testid="lesson-done"]`)+` && document.querySelector('[data-testid="step-flash"]').textContent.includes("Lesson complete")`)
	if n := evalInt(t, ctx, `[...document.querySelectorAll('[data-testid="step"]')].filter(e => e.offsetParent !== null).length`); n != 0 {
		t.Fatalf("%d steps still shown after the lesson is complete", n)
	}

	// The course page, reloaded, marks it complete and no other.
	if err := chromedp.Do(ctx, chromedp.Navigate(ts.URL+"/lessons")); err != nil {
		t.Fatal(err)
	}
	waitFor(t, ctx, "the course", `document.querySelectorAll('[data-testid="course-lesson"]').length >= 8`)
	if err := chromedp.Do(ctx, chromedp.Reload()); err != nil {
		t.Fatal(err)
	}
	waitFor(t, ctx, "the course after reload", `document.querySelectorAll('[data-testid="course-lesson"]').length >= 8`)
	got, err := chromedp.Run(ctx, chromedp.Evaluate[string](`[...document.querySelectorAll('[data-testid="course-lesson"][data-complete="true"]')].map(e => e.dataset.id + ": " + e.querySelector('[data-testid="course-progress"]').textContent.trim()).join("; ")`))
	if err != nil {
		t.Fatal(err)
	}
	if got != "images-and-containers: ✓ complete" {
		t.Fatalf("course page marks %q complete, want only images-and-containers", got)
	}

	// Back in the lesson, the replayed session still reads complete: the
	// steps are judged along the way, not on the final state (web is gone,
	// so step 2's "one running container" no longer holds).
	if err := chromedp.Do(ctx, chromedp.Navigate(ts.URL+"/lessons/images-and-containers")); err != nil {
		t.Fatal(err)
	}
	waitFor(t, ctx, "the console to connect", `document.querySelector('[data-testid="console-status"]').textContent === "connected"`)
	waitFor(t, ctx, "the session's scrollback", `document.querySelector('[data-testid="console-output"]').textContent.includes("docker rm web")`)
	if got := stepStates(t, ctx); got != "done done done done done" {
		t.Fatalf("after a reload the lesson shows steps %q, want all done", got)
	}
	if !evalBool(t, ctx, visible(`[data-testid="lesson-done"]`)) {
		t.Fatal("after a reload the lesson no longer shows it is complete")
	}
}

func evalBool(t *testing.T, ctx context.Context, js string) bool {
	t.Helper()
	b, err := chromedp.Run(ctx, chromedp.Evaluate[bool](js))
	if err != nil {
		t.Fatalf("evaluating %s: %v", js, err)
	}
	return b
}

// TestBrowserLessonResetStep goes astray in step 4 of the cache lesson (a
// broken Dockerfile saved in the editor, the image removed) and resets the
// step: the page sends reset plus the solutions of steps 1 to 3, a file
// edit and a prediction's command among them, and the lesson is where
// step 4 began.
func TestBrowserLessonResetStep(t *testing.T) {
	ts := newServer(t)
	ctx := browser(t, 1440, 1000)
	if err := chromedp.Do(ctx, chromedp.Navigate(ts.URL+"/lessons/layers-and-cache")); err != nil {
		t.Fatal(err)
	}
	waitFor(t, ctx, "the console to connect", `document.querySelector('[data-testid="console-status"]').textContent === "connected"`)
	typeCommand(t, ctx, "docker build -t pageturn .")
	waitStates(t, ctx, "done current todo todo todo")

	// Step 2 edits app.py in the editor, then builds.
	click(t, ctx, `.context-files > summary`)
	waitFor(t, ctx, "app.py in the editor", `[...document.querySelectorAll('#editor-tabs button')].some(b => b.textContent === "app.py")`)
	click(t, ctx, `#editor-tabs button[data-path="app.py"]`)
	waitFor(t, ctx, "app.py open", `document.querySelector('[data-testid="editor-text"]').value.includes("Pageturn: your reading list")`)
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`(() => { const t = document.querySelector('[data-testid="editor-text"]'); t.value = t.value.replace("Pageturn:", "Pageturn v2:"); return true; })()`)); err != nil {
		t.Fatal(err)
	}
	click(t, ctx, `[data-testid="file-save"]`)
	typeCommand(t, ctx, "docker build -t pageturn .")
	waitStates(t, ctx, "done done current todo todo")

	// Step 3 is a prediction; running its command is the reveal.
	typeCommand(t, ctx, "docker images --format '{{.Repository}}:{{.Tag}}'")
	waitStates(t, ctx, "done done done current todo")

	// Astray: a Dockerfile that is not the lesson's, and the image gone.
	click(t, ctx, `#editor-tabs button[data-path="Dockerfile"]`)
	waitFor(t, ctx, "the Dockerfile open", `document.querySelector('[data-testid="editor-text"]').value.startsWith("FROM python")`)
	if err := chromedp.Do(ctx, chromedp.SetValue(chromedp.CSS(`[data-testid="editor-text"]`), "FROM alpine:3.20\n")); err != nil {
		t.Fatal(err)
	}
	click(t, ctx, `[data-testid="file-save"]`)
	typeCommand(t, ctx, "docker rmi -f pageturn")
	waitFor(t, ctx, "pageturn removed", `![...document.querySelectorAll('#viz [data-testid="image"] .image-name strong')].some(e => e.textContent.startsWith("pageturn"))`)

	click(t, ctx, `[data-testid="step"][data-index="3"] [data-testid="reset-step"]`)
	waitFor(t, ctx, "the reset to finish", `document.querySelector('[data-testid="step-flash"]').textContent.includes("Step 4 starts again")`)
	if got := stepStates(t, ctx); got != "done done done current todo" {
		t.Fatalf("after reset step, steps %q, want steps 1 to 3 done and 4 current", got)
	}
	if !evalBool(t, ctx, `[...document.querySelectorAll('#viz [data-testid="image"] .image-name strong')].some(e => e.textContent === "pageturn:latest")`) {
		t.Fatal("reset step did not rebuild the pageturn image")
	}
	click(t, ctx, `#editor-tabs button[data-path="Dockerfile"]`)
	waitFor(t, ctx, "the lesson's Dockerfile back", `document.querySelector('[data-testid="editor-text"]').value.includes("COPY . .\nRUN pip install")`)
	click(t, ctx, `#editor-tabs button[data-path="app.py"]`)
	waitFor(t, ctx, "step 2's app.py edit replayed", `document.querySelector('[data-testid="editor-text"]').value.includes("Pageturn v2: your reading list")`)
	out, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector('[data-testid="console-output"]').textContent`))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Count(out, "$ docker build -t pageturn .") != 2 || strings.Contains(out, "rmi") {
		t.Fatalf("the console after reset step should show the two replayed builds only, got:\n%s", out)
	}
}

// inView is true when the element css is drawn at least minHeight px tall
// inside the viewport, without scrolling the page.
func inView(css string, minHeight int) string {
	return fmt.Sprintf(`(() => { const e = document.querySelector('%s'); if (!e || e.offsetParent === null) return false;
		const r = e.getBoundingClientRect(); const top = Math.max(r.top, 0), bottom = Math.min(r.bottom, innerHeight);
		return r.left >= 0 && r.right <= innerWidth + 1 && bottom - top >= %d; })()`, css, minHeight)
}

// TestBrowserLessonLayout: on a lesson page at 1440 and 1024 px the step,
// the console and the picture (with the step's goal) are all on screen
// at once, the page itself does not scroll, and a finished step is told
// right under the console. At 360 px the same one-tap strip as the
// playground's switches between step, console and picture, a "type it"
// button brings up the console, and the strip shows what just changed.
func TestBrowserLessonLayout(t *testing.T) {
	ts := newServer(t)
	for _, size := range [][2]int64{{1440, 900}, {1024, 768}} {
		t.Run(fmt.Sprint(size[0]), func(t *testing.T) {
			ctx := browser(t, int(size[0]), int(size[1]))
			// The viewport itself, not the window around it.
			if err := chromedp.Do(ctx, chromedp.EmulateViewport(size[0], size[1])); err != nil {
				t.Fatal(err)
			}
			if err := chromedp.Do(ctx, chromedp.Navigate(ts.URL+"/lessons/capstone")); err != nil {
				t.Fatal(err)
			}
			waitFor(t, ctx, "the console", `document.getElementById("console-form").dataset.ready === "true"`)
			typeCommand(t, ctx, "docker build -t pageturn:1 .")
			waitStates(t, ctx, "done current todo todo todo")
			for _, c := range []struct {
				what, css string
				min       int
			}{
				{"the step's title", `[data-testid="step"][data-index="1"] h2`, 20},
				{"the console line", `#console-input`, 15},
				{"the console output", `#console-output`, 80},
				{"the picture", `#viz`, 60},
				{"the step's goal", `[data-testid="goal"][data-step="1"] summary`, 20},
				{"the finished step's news", `[data-testid="step-flash"]`, 20},
				{"the narration", `[data-testid="narration"]`, 15},
			} {
				if !evalBool(t, ctx, inView(c.css, c.min)) {
					t.Errorf("%s is not on screen at %dx%d", c.what, size[0], size[1])
				}
			}
			if !evalBool(t, ctx, `document.scrollingElement.scrollHeight <= innerHeight + 1`) {
				t.Errorf("the page scrolls at %dx%d: the panes should scroll, not the page", size[0], size[1])
			}
			if got := evalString(t, ctx, `document.querySelector('[data-testid="step-flash"]').textContent`); !strings.Contains(got, "Step 1 done") {
				t.Errorf("the news under the console reads %q", got)
			}
		})
	}

	t.Run("360", func(t *testing.T) {
		ctx := browser(t, 360, 780)
		if err := chromedp.Do(ctx, chromedp.EmulateViewport(360, 740)); err != nil {
			t.Fatal(err)
		}
		if err := chromedp.Do(ctx, chromedp.Navigate(ts.URL+"/lessons/images-and-containers")); err != nil {
			t.Fatal(err)
		}
		waitFor(t, ctx, "the console", `document.getElementById("console-form").dataset.ready === "true"`)
		if !evalBool(t, ctx, inView(`#tab-picture`, 20)) || !evalBool(t, ctx, inView(`#pane-step`, 150)) {
			t.Fatal("a phone does not open on the step with the tab strip above it")
		}
		if !evalBool(t, ctx, `document.scrollingElement.scrollWidth <= innerWidth`) || !evalBool(t, ctx, inView(`[data-testid="theme-toggle"]`, 20)) {
			t.Error("a phone scrolls sideways, or the theme toggle is off screen")
		}
		if evalBool(t, ctx, visible(`#console-input`)) || evalBool(t, ctx, visible(`#viz`)) {
			t.Error("on a phone the console or the picture is drawn under the step: one pane at a time")
		}
		click(t, ctx, `[data-testid="step"][data-index="0"] .lesson-narrative [data-testid="type-button"]`)
		waitFor(t, ctx, "the console pane with the command typed in", inView(`#console-input`, 15)+` && document.activeElement.id === "console-input" && document.getElementById("console-input").value === "docker build -t pageturn ."`)
		if err := chromedp.Do(ctx, chromedp.SendKeys(chromedp.CSS(`#console-input`), kb.Enter)); err != nil {
			t.Fatal(err)
		}
		waitStates(t, ctx, "done current todo todo todo")
		waitFor(t, ctx, "the news above the console", inView(`[data-testid="step-flash"]`, 20)+` && document.querySelector('[data-testid="step-flash"]').textContent.includes("Step 1 done")`)
		waitFor(t, ctx, "the marks on the tabs", `document.getElementById("tab-picture").classList.contains("changed") && document.getElementById("tab-step").classList.contains("changed")`)
		click(t, ctx, `#tab-picture`)
		waitFor(t, ctx, "the picture pane", inView(`#viz [data-testid="image"]`, 20)+` && !`+visible(`#console-input`))
		if got := evalString(t, ctx, `document.getElementById("picture-news").textContent`); !strings.Contains(got, "pageturn") {
			t.Errorf("the picture pane's news reads %q, want the build's sentence", got)
		}
		if evalBool(t, ctx, `document.getElementById("tab-picture").classList.contains("changed")`) {
			t.Error("the Picture tab stays marked once opened")
		}
		click(t, ctx, `#tab-step`)
		waitFor(t, ctx, "the next step", inView(`[data-testid="step"][data-index="1"] h2`, 15))
	})
}
