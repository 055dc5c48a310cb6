package web_test

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/layerlab/layerlab/web"
)

// The whole classroom loop in two browsers: an instructor makes a class; a
// learner joins by its link, builds and runs Pageturn in the playground
// and answers its quiz; the class dashboard shows exactly that learner and
// that answer; the learner's page lists them; and the replay steps, by
// keyboard and with Play, through the learner's commands, each step
// showing its command, its output and the picture it left.
func TestBrowserLearnerReplay(t *testing.T) {
	ts := newQuizServer(t, web.Config{AnswerRate: -1}, nil)
	addInstructor(t, ts, "teacher@example.org", "correct horse battery")
	ctx := browser(t, 1440, 1000)
	if err := chromedp.Do(ctx,
		chromedp.Navigate(ts.URL+"/instructor"),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="login-form"]`)),
		chromedp.SendKeys(chromedp.CSS(`input[name="email"]`), "teacher@example.org"),
		chromedp.SendKeys(chromedp.CSS(`input[name="password"]`), "correct horse battery"+kb.Enter),
	); err != nil {
		t.Fatal(err)
	}
	waitFor(t, ctx, "the dashboard", `!!document.querySelector('[data-testid="new-class"]')`)
	if err := chromedp.Do(ctx, chromedp.SendKeys(chromedp.CSS(`[data-testid="new-class"] input[name="name"]`), "Monday group"+kb.Enter)); err != nil {
		t.Fatal(err)
	}
	waitFor(t, ctx, "the new class", `location.search.startsWith("?class=") && !!document.querySelector('[data-testid="join-link"]')`)
	dashboard := ts.URL + "/instructor" + evalString(t, ctx, `location.search`)
	link := evalString(t, ctx, `document.querySelector('[data-testid="join-link"]').textContent`)

	// The learner, in a browser of their own.
	lctx, cancel := chromedp.NewContext(ctx, chromedp.WithNewBrowserContext())
	defer cancel()
	if err := chromedp.Do(lctx, chromedp.Navigate(link)); err != nil {
		t.Fatal(err)
	}
	waitFor(t, lctx, "the join page", `!!document.querySelector('[data-testid="join-form"]')`)
	if err := chromedp.Do(lctx, chromedp.SendKeys(chromedp.CSS(`[data-testid="join-form"] input[name="name"]`), "Ada L."+kb.Enter)); err != nil {
		t.Fatal(err)
	}
	waitFor(t, lctx, "the name saved", `!!document.querySelector('[data-testid="name-saved"]')`)
	if err := chromedp.Do(lctx, chromedp.Navigate(ts.URL+"/")); err != nil {
		t.Fatal(err)
	}
	waitFor(t, lctx, "the console", `document.querySelector('[data-testid="console-status"]').textContent === "connected"`)
	typeCommand(t, lctx, "docker build -t pageturn .")
	waitFor(t, lctx, "the pageturn image", `[...document.querySelectorAll('[data-testid="image"] .image-name strong')].some(e => e.textContent === "pageturn:latest")`)
	typeCommand(t, lctx, "docker run -d --name web pageturn")
	waitFor(t, lctx, "the running container", `document.querySelectorAll('[data-testid="container"][data-state="running"]').length === 1`)
	form := `form[data-question="what-is-an-image"]`
	if !mark(t, lctx, form, "A frozen, read-only stack of layers with the app, its dependencies and the start command, not running anything.") {
		t.Fatal("no choice to pick")
	}
	if err := chromedp.Do(lctx,
		chromedp.Click(chromedp.CSS(form+` [data-pick]`)),
		chromedp.Click(chromedp.CSS(form+` [data-testid="quiz-check"]`)),
	); err != nil {
		t.Fatal(err)
	}
	waitFor(t, lctx, "the quiz feedback", `document.querySelector('`+form+` [data-testid="quiz-result"]').textContent.startsWith("Correct")`)
	deadline := time.Now().Add(20 * time.Second)
	for n := 0; n != 1; {
		var err error
		if n, err = ts.db.CountAnswers(context.Background()); err != nil {
			t.Fatal(err)
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d answers stored, want 1", n)
		}
		time.Sleep(50 * time.Millisecond)
	}

	// The class dashboard: that learner, that answer, from the quiz page.
	if err := chromedp.Do(ctx, chromedp.Navigate(dashboard)); err != nil {
		t.Fatal(err)
	}
	waitFor(t, ctx, "the class dashboard", `!!document.querySelector('[data-testid="member"]')`)
	shown := evalString(t, ctx, `[...document.querySelectorAll('[data-testid="member"]')].map(m => m.textContent.replace(/\s+/g, " ").trim()).join("; ")`)
	if !strings.HasPrefix(shown, "Ada L. (l-") || strings.Contains(shown, ";") {
		t.Errorf("members shown: %q, want Ada L. alone", shown)
	}
	if got := evalString(t, ctx, `document.querySelector('[data-testid="total"]').textContent`); got != "1 answer from the class Monday group." {
		t.Errorf("total: %q", got)
	}
	if got := evalString(t, ctx, `[...document.querySelectorAll('[data-testid="quiz-source"]')].map(s => s.textContent).join("; ")`); got != "the quiz page: 1" {
		t.Errorf("where the answers came from: %q", got)
	}

	a11yAudit(t, ctx, "the class dashboard")
	shoot(t, ctx, "instructor-class.png")

	// The learner's page.
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`[data-testid="member-link"]`))); err != nil {
		t.Fatal(err)
	}
	waitFor(t, ctx, "the learner's page", `!!document.querySelector('[data-testid="learner-name"]')`)
	if got := evalString(t, ctx, `document.querySelector('[data-testid="learner-name"]').textContent`); got != "Ada L." {
		t.Errorf("learner name %q", got)
	}
	answers := evalString(t, ctx, `[...document.querySelectorAll('[data-testid="learner-answer"]')].map(r => r.dataset.question + " | " + r.querySelector('[data-testid="answer-text"]').textContent + " | " + r.dataset.correct + " | " + r.querySelector('[data-testid="answer-source"]').textContent).join("\n")`)
	if want := "what-is-an-image | A frozen, read-only stack of layers with the app, its dependencies and the start command, not running anything. | true | the quiz page"; answers != want {
		t.Errorf("answers listed:\n%s\nwant:\n%s", answers, want)
	}
	a11yAudit(t, ctx, "the learner's page")
	shoot(t, ctx, "instructor-learner.png")

	// The replay, from the start.
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`[data-testid="replay-link"][data-session="play"]`))); err != nil {
		t.Fatal(err)
	}
	step := func(n int, command, want string) {
		t.Helper()
		waitFor(t, ctx, "replay step "+command, `document.querySelector('[data-testid="replay-step"]')?.dataset.step === "`+strconv.Itoa(n)+`"`)
		if got := evalString(t, ctx, `document.querySelector('[data-testid="replay-command"]').textContent`); !strings.Contains(got, command) {
			t.Errorf("step %d shows %q, want %q", n, got, command)
		}
		if got := evalString(t, ctx, `document.querySelector('[data-testid="replay-step"]').textContent.replace(/\s+/g, " ").trim()`); got != "Step "+strconv.Itoa(n)+" of 2" {
			t.Errorf("the counter says %q", got)
		}
		images := evalString(t, ctx, `[...document.querySelectorAll('[data-testid="replay-picture"] [data-testid="image"] .image-name strong')].map(e => e.textContent).join(",")`)
		containers := evalString(t, ctx, `[...document.querySelectorAll('[data-testid="replay-picture"] [data-testid="container"]')].map(c => c.dataset.name + ":" + c.dataset.state).join(",")`)
		if got := images + " / " + containers; got != want {
			t.Errorf("step %d's picture: %q, want %q", n, got, want)
		}
	}
	step(0, "Before the learner's first command", " / ")
	// The base image is drawn as a base block, not an image of its own: no
	// image at the start. The keyboard moves on.
	if err := chromedp.Do(ctx, chromedp.KeyEvent(kb.ArrowRight)); err != nil {
		t.Fatal(err)
	}
	step(1, "$ docker build -t pageturn .", "pageturn:latest / ")
	if out := evalString(t, ctx, `document.querySelector('[data-testid="replay-output"]').textContent`); !strings.Contains(out, "naming to pageturn:latest") {
		t.Errorf("the build's output is not shown: %q", out)
	}
	// Focus stays on the control used; Enter on Next goes on.
	if got := evalString(t, ctx, `document.activeElement.id`); got != "replay-next" {
		t.Errorf("after → the focus is on %q, want replay-next", got)
	}
	if err := chromedp.Do(ctx, chromedp.KeyEvent(kb.Enter)); err != nil {
		t.Fatal(err)
	}
	step(2, "$ docker run -d --name web pageturn", "pageturn:latest / web:running")
	if got := evalString(t, ctx, `document.querySelector('#replay-next').getAttribute("aria-disabled")`); got != "true" {
		t.Errorf("Next at the last step is not disabled")
	}
	a11yAudit(t, ctx, "the replay")
	shoot(t, ctx, "instructor-replay.png")

	// Back to the start, then Play runs through to the end on its own.
	if err := chromedp.Do(ctx, chromedp.KeyEvent(kb.Home)); err != nil {
		t.Fatal(err)
	}
	step(0, "Before the learner's first command", " / ")
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`#replay-play`))); err != nil {
		t.Fatal(err)
	}
	step(1, "$ docker build -t pageturn .", "pageturn:latest / ")
	step(2, "$ docker run -d --name web pageturn", "pageturn:latest / web:running")

	// Nothing the instructor did changed the learner's session.
	members, err := ts.db.ClassMembers(context.Background(), 1)
	if err != nil || len(members) != 1 {
		t.Fatalf("class members: %v %v", members, err)
	}
	sessions, err := ts.db.Sessions(context.Background(), members[0].Learner)
	if err != nil || len(sessions) != 1 {
		t.Fatalf("the learner's sessions: %v %v", sessions, err)
	}
	_, log, _, err := ts.db.LoadSession(context.Background(), members[0].Learner, "play")
	if err != nil || len(log) != 2 {
		t.Errorf("the learner's log has %d entries after the replay (%v), want their 2 commands", len(log), err)
	}
}

// shoot saves the page in both themes to LAYERLAB_SCREENSHOTS, when set.
func shoot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	dir := os.Getenv("LAYERLAB_SCREENSHOTS")
	if dir == "" {
		return
	}
	for _, theme := range []string{"light", "dark"} {
		if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.documentElement.dataset.theme = "`+theme+`"; true`)); err != nil {
			t.Fatal(err)
		}
		shot, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, theme+"-"+name), shot, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`delete document.documentElement.dataset.theme; true`)); err != nil {
		t.Fatal(err)
	}
}
