package web_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/layerlab/layerlab/web"
)

// An instructor makes a class in the browser; a learner in another
// browser opens its join link, gives a name and answers the playground's
// quiz; the dashboard filtered by the class shows exactly that learner and
// that answer, not the answer of a learner outside the class.
func TestBrowserInstructorClass(t *testing.T) {
	ts := newQuizServer(t, web.Config{AnswerRate: -1}, nil)
	addInstructor(t, ts, "teacher@example.org", "correct horse battery")
	outsider := learnerClient(t)
	ids := dealtIDs(t, outsider, ts.URL, "image-vs-container", "")
	if status, _ := postWith(t, outsider, ts.URL+fmt.Sprintf(answerPath, "what-is-an-image"), "application/json",
		`{"client_id":"outsider1","answer":`+pick(t, ids, "what-is-an-image", "A screenshot")+`}`); status != 200 {
		t.Fatal("the outsider's answer was refused")
	}

	ctx := browser(t, 1200, 900)
	if err := chromedp.Do(ctx,
		chromedp.Navigate(ts.URL+"/instructor"),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="login-form"]`)),
		chromedp.SendKeys(chromedp.CSS(`input[name="email"]`), "teacher@example.org"),
		chromedp.SendKeys(chromedp.CSS(`input[name="password"]`), "correct horse battery"+kb.Enter),
	); err != nil {
		t.Fatal(err)
	}
	waitFor(t, ctx, "the dashboard", `!!document.querySelector('[data-testid="new-class"]')`)
	if err := chromedp.Do(ctx,
		chromedp.SendKeys(chromedp.CSS(`[data-testid="new-class"] input[name="name"]`), "Monday group"+kb.Enter),
	); err != nil {
		t.Fatal(err)
	}
	waitFor(t, ctx, "the new class", `location.search.startsWith("?class=") && !!document.querySelector('[data-testid="join-link"]')`)
	dashboard := ts.URL + "/instructor" + evalString(t, ctx, `location.search`)
	link := evalString(t, ctx, `document.querySelector('[data-testid="join-link"]').textContent`)
	if !strings.HasPrefix(link, ts.URL+"/join/") {
		t.Fatalf("join link %q", link)
	}

	lctx, cancel := chromedp.NewContext(ctx, chromedp.WithNewBrowserContext())
	defer cancel()
	if err := chromedp.Do(lctx, chromedp.Navigate(link)); err != nil {
		t.Fatal(err)
	}
	waitFor(t, lctx, "the join page", `document.querySelector('[data-testid="joined"]')?.dataset.class === "Monday group"`)
	if err := chromedp.Do(lctx, chromedp.SendKeys(chromedp.CSS(`[data-testid="join-form"] input[name="name"]`), "Ada L."+kb.Enter)); err != nil {
		t.Fatal(err)
	}
	waitFor(t, lctx, "the name saved", `!!document.querySelector('[data-testid="name-saved"]')`)
	if err := chromedp.Do(lctx, chromedp.Navigate(ts.URL+"/")); err != nil {
		t.Fatal(err)
	}
	form := `form[data-question="what-is-an-image"]`
	waitFor(t, lctx, "the playground quiz", `!!document.querySelector('`+form+`')`)
	if !mark(t, lctx, form, "A frozen, read-only stack of layers with the app, its dependencies and the start command, not running anything.") {
		t.Fatal("no choice to pick")
	}
	if err := chromedp.Do(lctx,
		chromedp.Click(chromedp.CSS(form+` [data-pick]`)),
		chromedp.Click(chromedp.CSS(form+` [data-testid="quiz-check"]`)),
	); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		n, err := ts.db.CountAnswers(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if n == 2 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d answers stored, want the outsider's and the member's", n)
		}
		time.Sleep(100 * time.Millisecond)
	}

	if err := chromedp.Do(ctx, chromedp.Navigate(dashboard)); err != nil {
		t.Fatal(err)
	}
	waitFor(t, ctx, "the class dashboard", `!!document.querySelector('[data-testid="member"]')`)
	members := evalString(t, ctx, `[...document.querySelectorAll('[data-testid="member"]')].map(m => m.textContent.replace(/\s+/g, " ").trim()).join("; ")`)
	if !strings.HasPrefix(members, "Ada L. (l-") || strings.Contains(members, ";") {
		t.Errorf("members shown: %q, want Ada L. alone", members)
	}
	q := `document.querySelector('[data-question="what-is-an-image"]')`
	if n := evalInt(t, ctx, `Number(`+q+`.dataset.answers)`); n != 1 {
		t.Errorf("the class dashboard counts %d answers to what-is-an-image, want the member's 1", n)
	}
	if n := evalInt(t, ctx, q+`.querySelectorAll('svg rect').length`); n != 1 {
		t.Errorf("the chart has %d bars, want the member's answer alone", n)
	}
	if got := evalString(t, ctx, `document.querySelector('[data-testid="total"]').textContent`); got != "1 answer from the class Monday group." {
		t.Errorf("total: %q", got)
	}
	if dir := os.Getenv("LAYERLAB_SCREENSHOTS"); dir != "" {
		if shot, err := chromedp.Run(ctx, chromedp.FullScreenshot(100)); err == nil {
			os.WriteFile(filepath.Join(dir, "dashboard-class.png"), shot, 0o644)
		}
	}
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`[data-testid="all-learners"]`))); err != nil {
		t.Fatal(err)
	}
	waitFor(t, ctx, "every learner's answers", `location.search === "" && Number(`+q+`?.dataset.answers) === 2`)
}
