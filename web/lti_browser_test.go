package web_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// frameText is the text of sel inside the tool's iframe on the LMS page,
// once it is there: the iframe goes through the login, the platform's
// authorization page and the launch before it shows the tool's page.
func frameText(t *testing.T, ctx context.Context, frame, sel, want string) string {
	t.Helper()
	var last string
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		frames, err := chromedp.Run(ctx, chromedp.Nodes(chromedp.CSS(frame)))
		if err == nil && len(frames) == 1 {
			short, cancel := context.WithTimeout(ctx, time.Second)
			last, err = chromedp.Run(short, chromedp.Text(chromedp.CSS(sel), chromedp.FromNode(frames[0])))
			cancel()
			if err == nil && strings.Contains(last, want) {
				return last
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("the tool's frame never showed %q in %s (last: %q)", want, sel, last)
	return ""
}

func ltiShot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	dir := os.Getenv("LAYERLAB_SCREENSHOTS")
	if dir == "" {
		return
	}
	if shot, err := chromedp.Run(ctx, chromedp.FullScreenshot(100)); err == nil {
		os.WriteFile(filepath.Join(dir, name), shot, 0o644)
	}
}

// A learner opens the lesson from their LMS course page: the tool runs
// inside the LMS's iframe, through the OIDC login and launch, and shows
// the lesson with its console. Then a teacher adds a quiz to the course
// through the deep-linking picker, and the LMS page receives it.
func TestBrowserLTILaunchInLMSFrame(t *testing.T) {
	p := newTestPlatform(t)
	ts := ltiServer(t, p)
	ctx := browser(t, 1300, 900)

	course := p.srv.URL + "/course?hint=" + "resource+" + ts.URL + "/lessons/" + ltiLesson
	if err := chromedp.Do(ctx, chromedp.Navigate(course)); err != nil {
		t.Fatal(err)
	}
	frameText(t, ctx, "#tool", "main h1", "An image at rest, a container running")
	frameText(t, ctx, "#tool", `[data-testid="console-output"]`, "")
	ltiShot(t, ctx, "lti-launch.png")

	// The teacher's deep-linking launch: the picker in the frame.
	if err := chromedp.Do(ctx, chromedp.Navigate(p.srv.URL+"/course?hint=deeplink&target="+ts.URL+"/lti/launch")); err != nil {
		t.Fatal(err)
	}
	frameText(t, ctx, "#tool", "h1", "Add layerlab to your course")
	ltiShot(t, ctx, "lti-picker.png")
	frames, err := chromedp.Run(ctx, chromedp.Nodes(chromedp.CSS("#tool")))
	if err != nil || len(frames) != 1 {
		t.Fatalf("finding the frame: %v", err)
	}
	in := chromedp.FromNode(frames[0])
	if err := chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`input[value="quiz:image-vs-container"]`), in),
		chromedp.Click(chromedp.CSS(`[data-testid="lti-add"]`), in),
	); err != nil {
		t.Fatal(err)
	}
	// The return page posts itself to the LMS, which says what it added.
	frameText(t, ctx, "#tool", "#added", "Added 1 item(s)")
	links := p.DeepLinks()
	if len(links) != 1 || len(links[0]) != 1 || links[0][0]["url"] != ts.URL+"/embed/quiz/image-vs-container" {
		t.Errorf("the LMS received %v", links)
	}
	checkNoProblems(t, p)
}

// An instructor finds the registered LMS from the dashboard, with the
// URLs an LMS administrator enters to register layerlab.
func TestBrowserLTIInstructorPage(t *testing.T) {
	p := newTestPlatform(t)
	ts := ltiServer(t, p)
	addInstructor(t, ts, "teacher@example.org", "correct horse battery")
	ctx := browser(t, 1200, 900)
	if err := chromedp.Do(ctx,
		chromedp.Navigate(ts.URL+"/instructor"),
		chromedp.WaitVisible(chromedp.CSS(`[data-testid="login-form"]`)),
		chromedp.SendKeys(chromedp.CSS(`input[name="email"]`), "teacher@example.org"),
		chromedp.SendKeys(chromedp.CSS(`input[name="password"]`), "correct horse battery"+kb.Enter),
	); err != nil {
		t.Fatal(err)
	}
	waitFor(t, ctx, "the dashboard", `location.pathname === "/instructor" && document.querySelector('[data-testid="lti-link"]') !== null`)
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`[data-testid="lti-link"]`))); err != nil {
		t.Fatal(err)
	}
	waitFor(t, ctx, "the LMS page", `location.pathname === "/instructor/lti" && document.querySelector('[data-testid="lti-platform"]') !== null`)
	row, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`[data-testid="lti-platform"]`)))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{p.Issuer(), p.ClientID, p.Deployment, p.JWKSURL()} {
		if !strings.Contains(row, want) {
			t.Errorf("the platform row %q lacks %q", row, want)
		}
	}
	tool, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`.lti-tool`)))
	if err != nil || !strings.Contains(tool, ts.URL+"/lti/login") || !strings.Contains(tool, ts.URL+"/lti/jwks.json") {
		t.Errorf("the tool's URLs: %q %v", tool, err)
	}
	ltiShot(t, ctx, "lti-instructor.png")
	a11yAudit(t, ctx, "/instructor/lti")

	// The deep-linking picker, opened as its own page, passes the same
	// audit.
	if err := chromedp.Do(ctx, chromedp.Navigate(p.LoginURL("deeplink", ts.URL+"/lti/launch"))); err != nil {
		t.Fatal(err)
	}
	waitFor(t, ctx, "the picker", `!!document.querySelector('[data-testid="lti-picker"]')`)
	a11yAudit(t, ctx, "/lti/launch (picker)")
}
