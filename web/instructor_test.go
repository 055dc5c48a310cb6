package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/layerlab/layerlab/web"
)

func addInstructor(t *testing.T, ts *testServer, email, password string) {
	t.Helper()
	hash, err := web.HashPassword(password)
	if err != nil {
		t.Fatal(err)
	}
	if err := ts.db.AddInstructor(context.Background(), email, hash); err != nil {
		t.Fatal(err)
	}
}

func TestPasswordHash(t *testing.T) {
	h, err := web.HashPassword("correct horse battery")
	if err != nil || !strings.HasPrefix(h, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Fatalf("hash %q, %v", h, err)
	}
	h2, _ := web.HashPassword("correct horse battery")
	if h == h2 {
		t.Error("two hashes of one password are equal: the salt is not random")
	}
	for _, tc := range []struct {
		hash, pw string
		ok       bool
		err      bool
	}{
		{h, "correct horse battery", true, false},
		{h, "correct horse batterY", false, false},
		{"$2a$10$abc", "x", false, true},
		{"$argon2id$v=19$m=0,t=1,p=1$AAAA$AAAA", "x", false, true},
	} {
		ok, err := web.CheckPassword(tc.hash, tc.pw)
		if ok != tc.ok || (err != nil) != tc.err {
			t.Errorf("CheckPassword(%.20s, %q) = %v, %v", tc.hash, tc.pw, ok, err)
		}
	}
}

// Without a login every instructor page sends the browser to the login
// page; forms without the CSRF token are refused.
func TestInstructorNeedsLogin(t *testing.T) {
	ts := newQuizServer(t, web.Config{}, nil)
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	for _, path := range []string{"/instructor", "/instructor/", "/instructor/export.csv", "/instructor/anything"} {
		res, err := client.Get(ts.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/instructor/login") {
			t.Errorf("GET %s: %d to %q, want a redirect to the login page", path, res.StatusCode, res.Header.Get("Location"))
		}
	}
	res, err := client.PostForm(ts.URL+"/instructor/login", url.Values{"email": {"a@example.org"}, "password": {"whatever password"}})
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusForbidden {
		t.Errorf("login without the CSRF token: %d, want 403", res.StatusCode)
	}
	if res, _ := get(t, ts.URL+"/instructor/login"); res.StatusCode != 200 {
		t.Errorf("login page: %d", res.StatusCode)
	}
}

// The instructor flow in a browser: answers are given, a wrong password is
// refused, the login lands on the dashboard, which counts the answers just
// given; the CSV holds them with formula-looking cells defused; logout ends
// the session.
func TestBrowserInstructorFlow(t *testing.T) {
	ts := newQuizServer(t, web.Config{AnswerRate: -1}, nil)
	addInstructor(t, ts, "teacher@example.org", "correct horse battery")
	api := ts.URL + fmt.Sprintf(answerPath, "what-is-an-image")
	cl := learnerClient(t)
	ids := dealtIDs(t, cl, ts.URL, "image-vs-container", "")
	// Stored as the quiz file's choices a, a and c: right, right, a picture.
	for i, a := range []string{"A frozen", "A frozen", "A screenshot"} {
		if status, out := postWith(t, cl, api, "application/json", fmt.Sprintf(`{"client_id":"cmd%d","answer":%s}`, i, pick(t, ids, "what-is-an-image", a))); status != 200 {
			t.Fatalf("answer: %d %v", status, out)
		}
	}
	const widget = "0123456789abcdef0123456789abcdef"
	embedIDs := dealtIDs(t, http.DefaultClient, ts.URL, "image-vs-container", "embed=https://blog.example&learner="+widget)
	if status, _ := post(t, api+"?embed=https://blog.example", "application/json", `{"client_id":"emb1","answer":`+pick(t, embedIDs, "what-is-an-image", "A running")+`,"learner":"`+widget+`"}`); status != 200 {
		t.Fatal("embed answer refused")
	}

	ctx := browser(t, 1200, 900)
	login := func(password string) {
		t.Helper()
		if err := chromedp.Do(ctx,
			chromedp.Navigate(ts.URL+"/instructor"),
			chromedp.WaitVisible(chromedp.CSS(`[data-testid="login-form"]`)),
			chromedp.SendKeys(chromedp.CSS(`input[name="email"]`), "teacher@example.org"),
			chromedp.SendKeys(chromedp.CSS(`input[name="password"]`), password+kb.Enter),
		); err != nil {
			t.Fatal(err)
		}
	}
	login("wrong password!")
	waitFor(t, ctx, "the login to be refused", `document.querySelector('[data-testid="login-problem"]') !== null`)
	login("correct horse battery")
	waitFor(t, ctx, "the dashboard", `location.pathname === "/instructor" && document.querySelector('[data-testid="total"]') !== null`)
	q := `document.querySelector('[data-quiz="image-vs-container"] [data-question="what-is-an-image"]')`
	if n := evalInt(t, ctx, `Number(`+q+`.dataset.answers)`); n != 4 {
		t.Errorf("dashboard counts %d answers to what-is-an-image, want 4", n)
	}
	if n := evalInt(t, ctx, q+`.querySelectorAll('svg rect').length`); n != 3 {
		t.Errorf("the chart has %d bars, want 3 (a, b, c)", n)
	}
	if n := evalInt(t, ctx, `[...document.querySelectorAll('[data-testid="origin-row"]')].filter(r => r.textContent.includes("https://blog.example")).length`); n != 1 {
		t.Error("the dashboard does not list the embedding site")
	}
	if n := evalInt(t, ctx, `document.querySelectorAll('[style]').length`); n != 0 {
		t.Errorf("%d elements carry inline styles, which the CSP blocks", n)
	}
	if dir := os.Getenv("LAYERLAB_SCREENSHOTS"); dir != "" {
		if shot, err := chromedp.Run(ctx, chromedp.FullScreenshot(100)); err == nil {
			os.WriteFile(filepath.Join(dir, "dashboard.png"), shot, 0o644)
		}
	}
	csv, err := chromedp.Run(ctx, chromedp.Evaluate[string](`fetch(document.querySelector('[data-testid="export-csv"]').href).then(async r => r.headers.get("content-type") + "\n" + await r.text())`, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"text/csv", "time,learner,class,quiz,question,answer,correct,source,client_id,answer_json", `"""a"""`, "cmd0", "embed:https://blog.example", "A frozen, read-only"} {
		if !strings.Contains(csv, want) {
			t.Errorf("CSV lacks %q:\n%s", want, csv)
		}
	}
	if strings.Count(csv, "\n") != 1+1+4 {
		t.Errorf("CSV has %d lines, want the content type, a header and 4 answers:\n%s", strings.Count(csv, "\n"), csv)
	}
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`[data-testid="logout"]`))); err != nil {
		t.Fatal(err)
	}
	waitFor(t, ctx, "the login page after logout", `location.pathname === "/instructor/login"`)
	if err := chromedp.Do(ctx, chromedp.Navigate(ts.URL+"/instructor/export.csv")); err != nil {
		t.Fatal(err)
	}
	waitFor(t, ctx, "the export to need a login again", `location.pathname === "/instructor/login"`)
}

func TestLoginAttemptsAreLimited(t *testing.T) {
	ts := newServer(t)
	limited := false
	for i := 0; i < 15; i++ {
		res, err := http.PostForm(ts.URL+"/instructor/login", url.Values{"email": {"x@example.org"}, "password": {"guess"}})
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode == http.StatusTooManyRequests {
			limited = true
			break
		}
	}
	if !limited {
		t.Fatal("15 login attempts in a row were never limited")
	}
}
