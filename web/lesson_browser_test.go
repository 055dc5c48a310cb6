package web_test

import (
	"context"
	"os"
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
	waitFor(t, ctx, "the goal picture", visible(step4+` [data-testid="goal"] [data-testid="image"]`))
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
	lessonScreenshots(t, ctx)
}

// lessonScreenshots saves the lesson player, hint and solution open, when
// LAYERLAB_SCREENSHOTS names a directory.
func lessonScreenshots(t *testing.T, ctx context.Context) {
	if os.Getenv("LAYERLAB_SCREENSHOTS") == "" {
		return
	}
	// Open the hint and the solution so they are in the picture too.
	click(t, ctx, `[data-testid="step"][data-index="3"] [data-testid="hint-button"]`)
	click(t, ctx, `[data-testid="step"][data-index="3"] [data-testid="solution-button"]`)
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`window.scrollTo(0, 0); true`)); err != nil {
		t.Fatal(err)
	}
	screenshots(t, ctx, "lesson.png", "lesson-dark.png", "lesson-360.png")
}
