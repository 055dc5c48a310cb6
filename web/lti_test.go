package web_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/layerlab/layerlab/lessons"
	"github.com/layerlab/layerlab/quizzes"
	"github.com/layerlab/layerlab/static"
	"github.com/layerlab/layerlab/web"
	"github.com/layerlab/layerlab/web/sqlite"
)

const ltiLesson = "images-and-containers"

// ltiServer is the tool with the test platform registered.
func ltiServer(t *testing.T, p *testPlatform) *testServer {
	t.Helper()
	ts := serveDB(t, filepath.Join(t.TempDir(), "layerlab.db"), web.Config{AnswerRate: -1}, func(db *sqlite.DB, d *web.Deps) {
		if _, err := db.AddPlatform(context.Background(), web.LTIPlatform{
			Issuer: p.Issuer(), ClientID: p.ClientID, AuthURL: p.AuthURL(), TokenURL: p.TokenURL(), JWKSURL: p.JWKSURL(),
			Deployments: []string{p.Deployment}, Added: time.Now(),
		}); err != nil {
			t.Fatal(err)
		}
		d.Secrets, d.LTI = db, db
	})
	p.tool = ts.URL
	return ts
}

var (
	formIDToken = regexp.MustCompile(`name="id_token" value="([^"]*)"`)
	formState   = regexp.MustCompile(`name="state" value="([^"]*)"`)
)

// login runs the OIDC login from the platform's side and returns the
// form its authorization endpoint would post to the tool.
func login(t *testing.T, cl *http.Client, p *testPlatform, hint, target string) url.Values {
	t.Helper()
	res, err := cl.Get(p.LoginURL(hint, target))
	if err != nil {
		t.Fatal(err)
	}
	body := readAll(res)
	if res.StatusCode != 200 || res.Request.URL.Path != "/auth" {
		t.Fatalf("login ended at %s with %d:\n%s", res.Request.URL, res.StatusCode, body)
	}
	tok, st := formIDToken.FindStringSubmatch(body), formState.FindStringSubmatch(body)
	if tok == nil || st == nil {
		t.Fatalf("the platform's answer holds no launch form:\n%s", body)
	}
	return url.Values{"id_token": {html.UnescapeString(tok[1])}, "state": {html.UnescapeString(st[1])}}
}

func launch(t *testing.T, cl *http.Client, ts *testServer, form url.Values) (*http.Response, string) {
	t.Helper()
	res, err := cl.PostForm(ts.URL+"/lti/launch", form)
	if err != nil {
		t.Fatal(err)
	}
	return res, readAll(res)
}

func checkNoProblems(t *testing.T, p *testPlatform) {
	t.Helper()
	for _, pr := range p.Problems() {
		t.Errorf("the platform found: %s", pr)
	}
}

// A learner follows the LMS link: OIDC login, launch, and they are in the
// lesson, signed in as the layerlab learner their LMS user maps to, in a
// page the LMS may frame.
func TestLTILaunchOpensLesson(t *testing.T) {
	p := newTestPlatform(t)
	ts := ltiServer(t, p)
	cl := learnerClient(t)
	form := login(t, cl, p, "resource "+ts.URL+"/lessons/"+ltiLesson, "")
	res, body := launch(t, cl, ts, form)
	if res.StatusCode != 200 || res.Request.URL.Path != "/lessons/"+ltiLesson {
		t.Fatalf("launch ended at %s with %d:\n%s", res.Request.URL, res.StatusCode, body)
	}
	if !strings.Contains(body, "<h1>An image at rest, a container running</h1>") {
		t.Errorf("the lesson page does not show the lesson:\n%.2000s", body)
	}
	csp := res.Header.Get("Content-Security-Policy")
	if !strings.Contains(csp, "frame-ancestors "+p.Issuer()) || res.Header.Get("X-Frame-Options") != "" {
		t.Errorf("the lesson cannot be framed by the LMS: CSP %q, X-Frame-Options %q", csp, res.Header.Get("X-Frame-Options"))
	}
	u, _ := url.Parse(ts.URL)
	var learner string
	for _, ck := range cl.Jar.Cookies(u) {
		if ck.Name == "layerlab_learner" {
			learner = ck.Value
		}
	}
	if learner == "" {
		t.Fatal("the launch signed nobody in")
	}
	// The same LMS user launching again is the same learner.
	cl2 := learnerClient(t)
	res, _ = launch(t, cl2, ts, login(t, cl2, p, "resource "+ts.URL+"/lessons/"+ltiLesson, ""))
	if res.StatusCode != 200 {
		t.Fatalf("second launch: %d", res.StatusCode)
	}
	for _, ck := range cl2.Jar.Cookies(u) {
		if ck.Name == "layerlab_learner" && ck.Value != learner {
			t.Errorf("the same LMS user became another learner: %q then %q", learner, ck.Value)
		}
	}
	// A quiz link opens the quiz.
	cl3 := learnerClient(t)
	res, body = launch(t, cl3, ts, login(t, cl3, p, "resource "+ts.URL+"/embed/quiz/image-vs-container", ""))
	if res.StatusCode != 200 || res.Request.URL.Path != "/embed/quiz/image-vs-container" {
		t.Fatalf("quiz launch ended at %s with %d:\n%.500s", res.Request.URL, res.StatusCode, body)
	}
	checkNoProblems(t, p)
}

// ltiCompleteLesson does every step of the lesson as the learner of cl.
func ltiCompleteLesson(t *testing.T, cl *http.Client, ts *testServer, id string) int {
	t.Helper()
	course, _ := lessons.Load(lessons.Files)
	l, ok := course.Lesson(id)
	if !ok {
		t.Fatalf("no lesson %s", id)
	}
	u, _ := url.Parse(ts.URL)
	var cookies []string
	for _, ck := range cl.Jar.Cookies(u) {
		cookies = append(cookies, ck.Name+"="+ck.Value)
	}
	conn, _, err := websocket.DefaultDialer.Dial(wsURL(ts)+"?lesson="+l.ID, http.Header{"Origin": {ts.URL}, "Cookie": {strings.Join(cookies, "; ")}})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	read(t, conn) // hello
	for i, st := range l.Steps {
		for _, a := range st.Solution {
			line, _ := json.Marshal(a.Command)
			msg := `{"type":"cmd","line":` + string(line) + `}`
			if st.Kind == lessons.Predict {
				msg = fmt.Sprintf(`{"type":"predict","target":"%d","content":"x"}`, i)
			}
			if m := send(t, conn, msg); m["type"] == "error" {
				t.Fatalf("step %d: %v", i+1, m)
			}
		}
	}
	return len(l.Steps)
}

// eventually polls cond until it holds or a minute has gone.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting for %s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Completing the lesson launched from the LMS posts the score to the
// launch's line item, with an access token got by a signed client
// assertion.
func TestLTIScorePostedWhenLessonCompleted(t *testing.T) {
	p := newTestPlatform(t)
	ts := ltiServer(t, p)
	cl := learnerClient(t)
	if res, body := launch(t, cl, ts, login(t, cl, p, "resource "+ts.URL+"/lessons/"+ltiLesson, "")); res.StatusCode != 200 {
		t.Fatalf("launch: %d\n%s", res.StatusCode, body)
	}
	steps := ltiCompleteLesson(t, cl, ts, ltiLesson)
	eventually(t, "the score at the line item", func() bool { return len(p.Scores()) > 0 })
	sc := p.Scores()[0]
	if sc["userId"] != platformUser || sc["scoreGiven"] != float64(steps) || sc["scoreMaximum"] != float64(steps) ||
		sc["activityProgress"] != "Completed" || sc["gradingProgress"] != "FullyGraded" {
		t.Errorf("score %v, want %d of %d, Completed, FullyGraded, for %s", sc, steps, steps, platformUser)
	}
	eventually(t, "the sent score to leave the store", func() bool {
		left, err := ts.db.Scores(context.Background())
		return err == nil && len(left) == 0
	})
	checkNoProblems(t, p)
}

// A platform that cannot give a token for a while gets the score later:
// it waits in the store meanwhile, with why it is waiting.
func TestLTIScoreKeptUntilPlatformTakesIt(t *testing.T) {
	p := newTestPlatform(t)
	p.failTokens = 2
	ts := ltiServer(t, p)
	cl := learnerClient(t)
	if res, body := launch(t, cl, ts, login(t, cl, p, "resource "+ts.URL+"/lessons/"+ltiLesson, "")); res.StatusCode != 200 {
		t.Fatalf("launch: %d\n%s", res.StatusCode, body)
	}
	ltiCompleteLesson(t, cl, ts, ltiLesson)
	eventually(t, "a failed try recorded", func() bool {
		left, err := ts.db.Scores(context.Background())
		return err == nil && len(left) == 1 && strings.Contains(left[0].LastErr, "503")
	})
	eventually(t, "the score at the line item", func() bool { return len(p.Scores()) > 0 })
	if n := len(p.Scores()); n != 1 {
		t.Errorf("the line item got %d scores, want 1", n)
	}
	p.mu.Lock()
	asks := p.tokenAsks
	p.mu.Unlock()
	if asks != 3 {
		t.Errorf("token asked %d times, want 3 (two refused, then given)", asks)
	}
	checkNoProblems(t, p)
}

var (
	pickerContext = regexp.MustCompile(`name="context" value="([^"]*)"`)
	returnForm    = regexp.MustCompile(`action="([^"]*)"[^>]*data-testid="lti-return"|data-testid="lti-return"[^>]*action="([^"]*)"`)
	returnJWT     = regexp.MustCompile(`name="JWT" value="([^"]*)"`)
)

// A teacher picks a lesson and a quiz in the LMS: the deep-linking
// request shows the picker, and the choice goes back as a signed
// LtiDeepLinkingResponse the platform accepts.
func TestLTIDeepLinkingRoundTrip(t *testing.T) {
	p := newTestPlatform(t)
	ts := ltiServer(t, p)
	cl := learnerClient(t)
	res, body := launch(t, cl, ts, login(t, cl, p, "deeplink", ts.URL+"/lti/launch"))
	if res.StatusCode != 200 || !strings.Contains(body, `data-testid="lti-picker"`) {
		t.Fatalf("deep linking launch: %d\n%s", res.StatusCode, body)
	}
	for _, want := range []string{`value="lesson:` + ltiLesson + `"`, `value="quiz:image-vs-container"`, `type="checkbox"`} {
		if !strings.Contains(body, want) {
			t.Errorf("the picker lacks %s", want)
		}
	}
	ctxVal := pickerContext.FindStringSubmatch(body)
	if ctxVal == nil {
		t.Fatal("the picker carries no context")
	}
	choose := func(ctx string, items ...string) (*http.Response, string) {
		res, err := cl.PostForm(ts.URL+"/lti/deep-link", url.Values{"context": {ctx}, "item": items})
		if err != nil {
			t.Fatal(err)
		}
		return res, readAll(res)
	}
	context := html.UnescapeString(ctxVal[1])
	// A context not signed by the server, or no choice, is refused.
	if res, body := choose(context[:len(context)-2]+"00", "lesson:"+ltiLesson); res.StatusCode != 400 || !strings.Contains(body, "not made on this server") {
		t.Errorf("a forged context: %d %.300s", res.StatusCode, body)
	}
	if res, body := choose(context); res.StatusCode != 400 || !strings.Contains(body, "Choose a lesson or a quiz") {
		t.Errorf("no choice: %d %.300s", res.StatusCode, body)
	}
	if res, _ := choose(context, "lesson:no-such-lesson"); res.StatusCode != 400 {
		t.Errorf("an unknown lesson: %d", res.StatusCode)
	}
	var many []string
	for range 51 {
		many = append(many, "lesson:"+ltiLesson)
	}
	if res, body := choose(context, many...); res.StatusCode != 400 || !strings.Contains(body, "at most 50") {
		t.Errorf("51 items: %d %.300s", res.StatusCode, body)
	}
	res, body = choose(context, "lesson:"+ltiLesson, "quiz:image-vs-container")
	if res.StatusCode != 200 {
		t.Fatalf("choice: %d\n%s", res.StatusCode, body)
	}
	if csp := res.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "form-action 'self' "+p.Issuer()) {
		t.Errorf("the return form may not post to the LMS: CSP %q", csp)
	}
	action, jwtVal := returnForm.FindStringSubmatch(body), returnJWT.FindStringSubmatch(body)
	if action == nil || jwtVal == nil {
		t.Fatalf("no return form:\n%s", body)
	}
	to := action[1] + action[2]
	if to != p.srv.URL+"/deep-link-return" {
		t.Errorf("the return form posts to %q", to)
	}
	// What the page's script does: post the form to the LMS.
	res, err := cl.PostForm(to, url.Values{"JWT": {html.UnescapeString(jwtVal[1])}})
	if err != nil {
		t.Fatal(err)
	}
	if body := readAll(res); res.StatusCode != 200 {
		t.Fatalf("the platform refused the response: %d %s", res.StatusCode, body)
	}
	links := p.DeepLinks()
	if len(links) != 1 || len(links[0]) != 2 {
		t.Fatalf("deep links received: %v", links)
	}
	lesson, quiz := links[0][0], links[0][1]
	if lesson["url"] != ts.URL+"/lessons/"+ltiLesson || quiz["url"] != ts.URL+"/embed/quiz/image-vs-container" {
		t.Errorf("item urls %v and %v", lesson["url"], quiz["url"])
	}
	if li, _ := lesson["lineItem"].(map[string]any); li == nil || li["resourceId"] != "lesson:"+ltiLesson {
		t.Errorf("the lesson's line item: %v", lesson["lineItem"])
	}
	checkNoProblems(t, p)
}

// Every launch that is not what the platform sent, not meant for this
// tool, too old, used before or from an unknown deployment is refused with
// a page saying why, and signs nobody in.
func TestLTIRefusesBadLaunches(t *testing.T) {
	p := newTestPlatform(t)
	ts := ltiServer(t, p)
	target := "resource " + ts.URL + "/lessons/" + ltiLesson
	stranger := newTestPlatform(t) // its key, under the platform's kid
	stranger.key.Set("kid", "platform-key-1")
	tests := []struct {
		name   string
		mutate func(c map[string]any)
		signer bool
		tamper func(tok string) string
		status int
		says   string
	}{
		// the token itself
		{name: "tampered payload", tamper: func(tok string) string {
			parts := strings.Split(tok, ".")
			b, _ := base64.RawURLEncoding.DecodeString(parts[1])
			b = []byte(strings.Replace(string(b), platformUser, "user-0001", 1))
			parts[1] = base64.RawURLEncoding.EncodeToString(b)
			return strings.Join(parts, ".")
		}, status: 401, says: "signature does not verify"},
		{name: "signed by another key", signer: true, status: 401, says: "signature does not verify"},
		{name: "not a JWT", tamper: func(string) string { return "not-a-token" }, status: 400, says: "not a signed JWT"},
		{name: "expired", mutate: func(c map[string]any) {
			c["exp"] = time.Now().Add(-10 * time.Minute).Unix()
			c["iat"] = time.Now().Add(-20 * time.Minute).Unix()
		}, status: 401, says: "has expired"},
		{name: "issued two hours ago", mutate: func(c map[string]any) { c["iat"] = time.Now().Add(-2 * time.Hour).Unix() }, status: 401, says: "more than an hour ago"},
		{name: "issued in the future", mutate: func(c map[string]any) { c["iat"] = time.Now().Add(10 * time.Minute).Unix() }, status: 401, says: "future"},
		// who it is from and for
		{name: "wrong issuer", mutate: func(c map[string]any) { c["iss"] = "https://lms.evil.example" }, status: 401, says: "issuer"},
		{name: "wrong audience", mutate: func(c map[string]any) { c["aud"] = []string{"another-tool"} }, status: 401, says: "not meant for this tool"},
		{name: "several audiences, no azp", mutate: func(c map[string]any) { c["aud"] = []string{p.ClientID, "another-tool"} }, status: 401, says: "azp"},
		{name: "azp of another tool", mutate: func(c map[string]any) { c["azp"] = "another-tool" }, status: 401, says: "azp"},
		{name: "unknown deployment", mutate: func(c map[string]any) {
			c["https://purl.imsglobal.org/spec/lti/claim/deployment_id"] = "deployment-9"
		}, status: 403, says: `deployment &#34;deployment-9&#34;`},
		{name: "other nonce", mutate: func(c map[string]any) { c["nonce"] = "made-up" }, status: 401, says: "nonce"},
		// the LTI claims
		{name: "LTI 1.1", mutate: func(c map[string]any) { c["https://purl.imsglobal.org/spec/lti/claim/version"] = "1.1" }, status: 400, says: "version"},
		{name: "unknown message", mutate: func(c map[string]any) {
			c["https://purl.imsglobal.org/spec/lti/claim/message_type"] = "LtiSubmissionReviewRequest"
		}, status: 400, says: "message type"},
		{name: "no roles", mutate: func(c map[string]any) { delete(c, "https://purl.imsglobal.org/spec/lti/claim/roles") }, status: 400, says: "roles"},
		{name: "no resource link", mutate: func(c map[string]any) { delete(c, "https://purl.imsglobal.org/spec/lti/claim/resource_link") }, status: 400, says: "resource_link"},
		{name: "no user", mutate: func(c map[string]any) { delete(c, "sub") }, status: 400, says: "names no user"},
		{name: "target not a lesson", mutate: func(c map[string]any) {
			c["https://purl.imsglobal.org/spec/lti/claim/target_link_uri"] = ts.URL + "/instructor"
		}, status: 404, says: "names no lesson or quiz"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p.mu.Lock()
			p.mutate = tc.mutate
			p.signer = nil
			if tc.signer {
				p.signer = stranger.key
			}
			p.mu.Unlock()
			cl := learnerClient(t)
			form := login(t, cl, p, target, "")
			if tc.tamper != nil {
				form.Set("id_token", tc.tamper(form.Get("id_token")))
			}
			res, body := launch(t, cl, ts, form)
			checkRefused(t, res, body, tc.status, tc.says)
		})
	}
	p.mu.Lock()
	p.mutate, p.signer = nil, nil
	p.mu.Unlock()

	t.Run("replayed", func(t *testing.T) {
		cl := learnerClient(t)
		form := login(t, cl, p, target, "")
		if res, _ := launch(t, cl, ts, form); res.StatusCode != 200 {
			t.Fatalf("first launch: %d", res.StatusCode)
		}
		res, body := launch(t, learnerClient(t), ts, form)
		checkRefused(t, res, body, 401, "already used")
	})
	t.Run("state of another login", func(t *testing.T) {
		cl := learnerClient(t)
		first := login(t, cl, p, target, "")
		second := login(t, cl, p, target, "")
		first.Set("state", second.Get("state"))
		res, body := launch(t, cl, ts, first)
		checkRefused(t, res, body, 401, "nonce")
	})
	t.Run("no login first", func(t *testing.T) {
		res, body := launch(t, learnerClient(t), ts, url.Values{"id_token": {"x.y.z"}, "state": {"0123456789abcdef0123456789abcdef"}})
		checkRefused(t, res, body, 401, "unknown, expired or was already used")
	})
	t.Run("the platform rotated its key", func(t *testing.T) {
		p.rotate()
		cl := learnerClient(t)
		if res, body := launch(t, cl, ts, login(t, cl, p, target, "")); res.StatusCode != 200 {
			t.Fatalf("launch signed with the new key: %d\n%.500s", res.StatusCode, body)
		}
	})
}

func checkRefused(t *testing.T, res *http.Response, body string, status int, says string) {
	t.Helper()
	if res.StatusCode != status || !strings.Contains(body, says) || !strings.Contains(body, "The LMS launch was refused") {
		t.Errorf("answered %d, want %d saying %q:\n%.3000s", res.StatusCode, status, says, body)
	}
	if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
		t.Errorf("refusal is %q, want an HTML page", ct)
	}
	for _, ck := range res.Cookies() {
		if ck.Name == "layerlab_learner" || ck.Name == "layerlab_lti_frame" {
			t.Errorf("a refused launch set cookie %s", ck.Name)
		}
	}
}

// The login request is checked before anything is sent to the platform.
func TestLTILoginRefusals(t *testing.T) {
	p := newTestPlatform(t)
	ts := ltiServer(t, p)
	for _, tc := range []struct {
		name   string
		query  url.Values
		status int
		says   string
	}{
		{"unknown issuer", url.Values{"iss": {"https://lms.unknown.example"}, "login_hint": {"h"}, "target_link_uri": {ts.URL + "/lessons/x"}}, 400, "no LMS with issuer"},
		{"unknown client id", url.Values{"iss": {p.Issuer()}, "client_id": {"other"}, "login_hint": {"h"}, "target_link_uri": {ts.URL + "/lessons/x"}}, 400, "no LMS with issuer"},
		{"no login hint", url.Values{"iss": {p.Issuer()}, "target_link_uri": {ts.URL + "/lessons/x"}}, 400, "no login_hint"},
		{"nothing", url.Values{}, 400, "no iss, login_hint, target_link_uri"},
		{"target elsewhere", url.Values{"iss": {p.Issuer()}, "login_hint": {"h"}, "target_link_uri": {"https://evil.example/lessons/x"}}, 400, "not on this server"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cl := learnerClient(t)
			cl.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
			res, err := cl.Get(ts.URL + "/lti/login?" + tc.query.Encode())
			if err != nil {
				t.Fatal(err)
			}
			body := readAll(res)
			if res.StatusCode != tc.status || !strings.Contains(body, tc.says) {
				t.Errorf("answered %d, want %d saying %q:\n%.2000s", res.StatusCode, tc.status, tc.says, body)
			}
		})
	}
	if n := len(p.authQueries); n != 0 {
		t.Errorf("the platform was sent %d logins", n)
	}
}

// The tool's key set holds its public key only.
func TestLTIToolKeySet(t *testing.T) {
	p := newTestPlatform(t)
	ts := ltiServer(t, p)
	res, body := get(t, ts.URL+"/lti/jwks.json")
	if res.StatusCode != 200 || res.Header.Get("Content-Type") != "application/json" {
		t.Fatalf("GET /lti/jwks.json: %d %s", res.StatusCode, res.Header.Get("Content-Type"))
	}
	var set struct {
		Keys []map[string]any `json:"keys"`
	}
	if err := json.Unmarshal([]byte(body), &set); err != nil || len(set.Keys) != 1 {
		t.Fatalf("key set %s: %v", body, err)
	}
	k := set.Keys[0]
	if k["kty"] != "RSA" || k["alg"] != "RS256" || k["use"] != "sig" || k["kid"] == nil || k["n"] == nil {
		t.Errorf("key %v", k)
	}
	for _, private := range []string{"d", "p", "q", "dp", "dq", "qi"} {
		if _, ok := k[private]; ok {
			t.Errorf("the public key set holds the private part %q", private)
		}
	}
}

// The instructor area lists the registered platforms and what to enter
// in an LMS, behind the instructor login.
func TestLTIInstructorPage(t *testing.T) {
	p := newTestPlatform(t)
	ts := ltiServer(t, p)
	if res, _ := do(t, noRedirect(nil), mustReq(t, "GET", ts.URL+"/instructor/lti", nil)); res.StatusCode != http.StatusSeeOther {
		t.Errorf("the LMS page without a login: %d, want a redirect to the login", res.StatusCode)
	}
	// A score the LMS refused for good is reported.
	ps, _ := ts.db.Platforms(context.Background())
	ts.db.QueueScore(context.Background(), web.LTIScore{Platform: ps[0].ID, LineItem: p.srv.URL + "/li", Body: []byte(`{}`), NextTry: time.Now().Add(time.Hour), Created: time.Now()})
	all, _ := ts.db.Scores(context.Background())
	ts.db.ScoreRetry(context.Background(), all[0].ID, time.Now().Add(time.Hour), "the platform refused the score: 400 Bad Request", true)

	client := instructorClient(t, ts)
	res, page := do(t, client, mustReq(t, "GET", ts.URL+"/instructor/lti", nil))
	if res.StatusCode != 200 {
		t.Fatalf("GET /instructor/lti: %d", res.StatusCode)
	}
	for _, want := range []string{
		`data-testid="lti-platform"`, "<td>" + p.Issuer() + "</td>", "<td>" + p.ClientID + "</td>", "<td>" + p.Deployment + "</td>",
		ts.URL + "/lti/login", ts.URL + "/lti/launch", ts.URL + "/lti/jwks.json",
		"1 score was refused by the LMS", "400 Bad Request",
	} {
		if !strings.Contains(page, want) {
			t.Errorf("the LMS page lacks %q", want)
		}
	}
	if _, dash := do(t, client, mustReq(t, "GET", ts.URL+"/instructor", nil)); !strings.Contains(dash, `href="/instructor/lti"`) {
		t.Error("the dashboard has no link to the LMS page")
	}
}

// The platform's key set is read with bounds: one too large is refused,
// and tokens naming key ids the set does not hold cannot make the tool
// fetch it again and again.
func TestLTIPlatformKeySetLimits(t *testing.T) {
	p := newTestPlatform(t)
	ts := ltiServer(t, p)
	target := "resource " + ts.URL + "/lessons/" + ltiLesson

	other := newTestPlatform(t)
	p.mu.Lock()
	p.signer = other.key
	p.mu.Unlock()
	for i := range 8 {
		other.key.Set("kid", fmt.Sprintf("made-up-%d", i))
		cl := learnerClient(t)
		res, body := launch(t, cl, ts, login(t, cl, p, target, ""))
		checkRefused(t, res, body, 401, "signing key could not be found")
	}
	p.mu.Lock()
	hits := p.jwksHits
	p.signer = nil
	p.mu.Unlock()
	// One fetch for the first token, then the refetch budget (3).
	if hits > 4 {
		t.Errorf("eight tokens with unknown key ids fetched the key set %d times, want at most 4", hits)
	}

	big := newTestPlatform(t)
	big.bigJWKS = true
	tsBig := ltiServer(t, big)
	cl := learnerClient(t)
	res, body := launch(t, cl, tsBig, login(t, cl, big, "resource "+tsBig.URL+"/lessons/"+ltiLesson, ""))
	checkRefused(t, res, body, 401, "larger than 256 KB")
}

// Answering a quiz launched from the LMS sends the score so far, and the
// login may also come as a form post.
func TestLTIQuizScoreFollowsAnswers(t *testing.T) {
	p := newTestPlatform(t)
	ts := ltiServer(t, p)
	cl := learnerClient(t)
	res, err := cl.PostForm(ts.URL+"/lti/login", url.Values{
		"iss": {p.Issuer()}, "login_hint": {"resource " + ts.URL + "/embed/quiz/image-vs-container"},
		"target_link_uri": {ts.URL + "/embed/quiz/image-vs-container"}, "client_id": {p.ClientID}, "lti_message_hint": {"msg-resource " + ts.URL + "/embed/quiz/image-vs-container"},
	})
	if err != nil {
		t.Fatal(err)
	}
	page := readAll(res)
	tok, st := formIDToken.FindStringSubmatch(page), formState.FindStringSubmatch(page)
	if tok == nil || st == nil {
		t.Fatalf("posted login: %d\n%s", res.StatusCode, page)
	}
	if res, body := launch(t, cl, ts, url.Values{"id_token": {html.UnescapeString(tok[1])}, "state": {html.UnescapeString(st[1])}}); res.StatusCode != 200 {
		t.Fatalf("launch: %d %.300s", res.StatusCode, body)
	}
	ids := dealtIDs(t, cl, ts.URL, "image-vs-container", "")
	if code, m := postWith(t, cl, ts.URL+"/api/quizzes/image-vs-container/questions/what-is-an-image/answers", "application/json",
		`{"client_id":"lti-1","answer":`+pick(t, ids, "what-is-an-image", "A frozen")+`}`); code != 200 {
		t.Fatalf("answer: %d %v", code, m)
	}
	eventually(t, "the score at the line item", func() bool { return len(p.Scores()) > 0 })
	qs, _ := quizzes.Load(quizzes.Files)
	q, _ := qs.Quiz("image-vs-container")
	sc := p.Scores()[0]
	if sc["userId"] != platformUser || sc["scoreGiven"] != float64(1) || sc["scoreMaximum"] != float64(len(q.Questions)) ||
		sc["activityProgress"] != "InProgress" || sc["gradingProgress"] != "Pending" {
		t.Errorf("score %v, want 1 of %d, InProgress, Pending", sc, len(q.Questions))
	}
	checkNoProblems(t, p)
}

// A score left in the store (the LMS was down when the server stopped)
// is sent by the next server to start on it.
func TestLTIScoreSentAfterRestart(t *testing.T) {
	p := newTestPlatform(t)
	ts := ltiServer(t, p)
	// The first server makes the tool key the platform will check.
	if res, _ := get(t, ts.URL+"/lti/jwks.json"); res.StatusCode != 200 {
		t.Fatal("no tool key set")
	}
	ps, err := ts.db.Platforms(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	body := `{"timestamp":"2026-12-06T10:00:00.000Z","scoreGiven":5,"scoreMaximum":5,"activityProgress":"Completed","gradingProgress":"FullyGraded","userId":"` + platformUser + `"}`
	if err := ts.db.QueueScore(context.Background(), web.LTIScore{Platform: ps[0].ID, LineItem: p.srv.URL + lineItemPath,
		Body: []byte(body), NextTry: time.Now(), Created: time.Now()}); err != nil {
		t.Fatal(err)
	}
	lib, err := library()
	if err != nil {
		t.Fatal(err)
	}
	qs, err := quizzes.Load(quizzes.Files)
	if err != nil {
		t.Fatal(err)
	}
	db := ts.db
	srv := web.New(web.Config{Addr: "127.0.0.1:0", Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Static: static.FS},
		web.Deps{Store: db, Answers: db, Instructors: db, Progress: db, Learners: db, Secrets: db, Library: lib, Quizzes: qs, LTI: db})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	eventually(t, "the stored score at the line item", func() bool { return len(p.Scores()) == 1 })
	if sc := p.Scores()[0]; sc["scoreGiven"] != float64(5) || sc["userId"] != platformUser {
		t.Errorf("score %v", sc)
	}
	checkNoProblems(t, p)
}
