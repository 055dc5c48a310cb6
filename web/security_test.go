package web_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"runtime"
	"strings"
	"testing"

	"github.com/layerlab/layerlab/web"
)

// noRedirect is a client that shows redirects instead of following them.
func noRedirect(jar http.CookieJar) *http.Client {
	return &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

func do(t *testing.T, c *http.Client, req *http.Request) (*http.Response, string) {
	t.Helper()
	res, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res, string(b)
}

func learnerOf(t *testing.T, jar http.CookieJar, base string) string {
	t.Helper()
	u, _ := url.Parse(base)
	for _, ck := range jar.Cookies(u) {
		if ck.Name == "layerlab_learner" {
			// The cookie is the learner id and the server's signature.
			id, _, _ := strings.Cut(ck.Value, ".")
			return id
		}
	}
	t.Fatal("no learner cookie")
	return ""
}

// A share link is a GET any site can send a learner to: it must not wipe a
// learner's own work without asking, and the asking form must come from
// this site.
func TestShareLinkAsksBeforeReplacing(t *testing.T) {
	ts := newServer(t)
	ctx := context.Background()
	const id = "0123456789abcdef"
	shared := []web.LogEntry{{Kind: "cmd", Line: "docker run --name shared python:3.12 true"}}
	if err := ts.db.SaveShare(ctx, id, 7, shared); err != nil {
		t.Fatal(err)
	}
	jar, _ := cookiejar.New(nil)
	client := noRedirect(jar)
	do(t, client, mustReq(t, "GET", ts.URL+"/play", nil))
	learner := learnerOf(t, jar, ts.URL)
	own := []web.LogEntry{{Kind: "cmd", Line: "docker images"}}
	if err := ts.db.SaveSession(ctx, learner, "play", 5, own); err != nil {
		t.Fatal(err)
	}
	unchanged := func(when string) {
		t.Helper()
		seed, log, _, err := ts.db.LoadSession(ctx, learner, "play")
		if err != nil || seed != 5 || len(log) != 1 || log[0].Line != "docker images" {
			t.Fatalf("%s: the learner's session became seed %d log %v (%v)", when, seed, log, err)
		}
	}

	res, body := do(t, client, mustReq(t, "GET", ts.URL+"/play?share="+id, nil))
	if res.StatusCode != 200 || !strings.Contains(body, `data-testid="share-confirm"`) || !strings.Contains(body, `value="`+id+`"`) {
		t.Fatalf("GET share link with work of one's own: %d, want the question\n%s", res.StatusCode, body)
	}
	unchanged("after GET")

	form := url.Values{"id": {id}}.Encode()
	for _, origin := range []string{"", "null", "http://evil.example", "https://" + strings.TrimPrefix(ts.URL, "http://") + ".evil.example"} {
		req := mustReq(t, "POST", ts.URL+"/play/share", strings.NewReader(form))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if origin != "" {
			req.Header.Set("Origin", origin)
		}
		if res, _ := do(t, client, req); res.StatusCode != http.StatusForbidden {
			t.Errorf("POST /play/share from origin %q: %d, want 403", origin, res.StatusCode)
		}
	}
	req := mustReq(t, "POST", ts.URL+"/play/share", strings.NewReader(form))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", ts.URL)
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	if res, _ := do(t, client, req); res.StatusCode != http.StatusForbidden {
		t.Errorf("POST /play/share marked cross-site: %d, want 403", res.StatusCode)
	}
	unchanged("after refused posts")

	req = mustReq(t, "POST", ts.URL+"/play/share", strings.NewReader(form))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", ts.URL)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	if res, _ := do(t, client, req); res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/play" {
		t.Fatalf("POST /play/share from this site: %d, want 303 to /play", res.StatusCode)
	}
	if seed, log, _, _ := ts.db.LoadSession(ctx, learner, "play"); seed != 7 || len(log) != 1 || log[0].Line != shared[0].Line {
		t.Errorf("after yes: seed %d log %v, want the shared session", seed, log)
	}

	// A learner with nothing to lose gets the shared session at once.
	fresh, _ := cookiejar.New(nil)
	if res, _ := do(t, noRedirect(fresh), mustReq(t, "GET", ts.URL+"/play?share="+id, nil)); res.StatusCode != http.StatusSeeOther {
		t.Errorf("share link for a new learner: %d, want 303", res.StatusCode)
	}
	if seed, _, found, _ := ts.db.LoadSession(ctx, learnerOf(t, fresh, ts.URL), "play"); !found || seed != 7 {
		t.Errorf("new learner's session: found %v seed %d, want the shared one", found, seed)
	}

	// Ids that no share could have are refused before the database.
	for _, bad := range []string{"nope", strings.Repeat("a", 5000), "0123456789ABCDEF", "../../etc/passwd", "fedcba9876543210"} {
		res, body := do(t, client, mustReq(t, "GET", ts.URL+"/play?share="+url.QueryEscape(bad), nil))
		if res.StatusCode != 404 || len(body) > 20000 {
			t.Errorf("share id %.20q: %d (%d bytes), want a short 404", bad, res.StatusCode, len(body))
		}
	}
}

func mustReq(t *testing.T, method, u string, body io.Reader) *http.Request {
	t.Helper()
	req, err := http.NewRequest(method, u, body)
	if err != nil {
		t.Fatal(err)
	}
	return req
}

// A page view alone stores nothing: a client that drops cookies must not
// add a session row per request. The websocket creates the session.
func TestPageViewStoresNoSession(t *testing.T) {
	ts := newServer(t)
	for range 3 {
		jar, _ := cookiejar.New(nil)
		res, body := do(t, noRedirect(jar), mustReq(t, "GET", ts.URL+"/", nil))
		if res.StatusCode != 200 || !strings.Contains(body, `data-testid="layer"`) {
			t.Fatalf("GET /: %d", res.StatusCode)
		}
		if _, _, found, err := ts.db.LoadSession(context.Background(), learnerOf(t, jar, ts.URL), "play"); found || err != nil {
			t.Errorf("a page view stored a session (found %v, err %v)", found, err)
		}
	}
}

// Every response carries the security headers; pages are never cached
// (they carry a learner's session and Set-Cookie); static assets and
// embeds, the same for everyone, may be.
func TestSecurityAndCacheHeaders(t *testing.T) {
	ts := newQuizServer(t, web.Config{}, nil)
	tests := []struct {
		path   string
		status int
		cache  string
		framed bool
	}{
		// Pages and APIs.
		{"/", 200, "no-store", false},
		{"/play", 200, "no-store", false},
		{"/lessons", 200, "no-store", false},
		{"/instructor/login", 200, "no-store", false},
		{"/api/quizzes/image-vs-container", 200, "no-store", false},
		{"/api/quizzes/nope", 404, "no-store", false},
		{"/no/such/page", 404, "no-store", false},
		{"/oembed?url=x", 400, "no-store", false},
		{"/play?share=nope", 404, "no-store", false},
		// Static files, with no directory listings.
		{"/static/css/app.css", 200, "public, max-age=3600", false},
		{"/static/js/", 404, "no-store", false},
		{"/static/", 404, "no-store", false},
		// Embeds.
		{"/embed/quiz/image-vs-container", 200, "public, max-age=300", true},
		{"/embed/viz?dockerfile=FROM%20alpine:3.20", 200, "public, max-age=300", true},
	}
	for _, tt := range tests {
		res, _ := get(t, ts.URL+tt.path)
		h := res.Header
		if res.StatusCode != tt.status || h.Get("Cache-Control") != tt.cache {
			t.Errorf("GET %s: %d Cache-Control %q, want %d %q", tt.path, res.StatusCode, h.Get("Cache-Control"), tt.status, tt.cache)
		}
		if h.Get("X-Content-Type-Options") != "nosniff" || h.Get("Referrer-Policy") == "" || !strings.Contains(h.Get("Content-Security-Policy"), "default-src 'self'") {
			t.Errorf("GET %s: nosniff %q, Referrer-Policy %q, CSP %q", tt.path, h.Get("X-Content-Type-Options"), h.Get("Referrer-Policy"), h.Get("Content-Security-Policy"))
		}
		if framed := h.Get("X-Frame-Options") == ""; framed != tt.framed {
			t.Errorf("GET %s: X-Frame-Options %q, may be framed: want %v", tt.path, h.Get("X-Frame-Options"), tt.framed)
		}
	}
}

// The oEmbed snippet is built from the request's scheme and host: a forged
// X-Forwarded-Proto must not put markup into it, which a cache in front
// could keep. (echo v4.16 believes the header only from loopback or private
// peers, as this test's client is, and only as http, https, ws or wss.)
func TestOEmbedIgnoresForgedScheme(t *testing.T) {
	ts := newQuizServer(t, web.Config{}, nil)
	host := strings.TrimPrefix(ts.URL, "http://")
	for _, tt := range []struct{ proto, base string }{
		{`javascript"><script>alert(1)</script><b x="`, "http://" + host},
		{"ftp", "http://" + host},
		{"HTTPS", "https://" + host},
	} {
		req := mustReq(t, "GET", ts.URL+"/oembed?url="+url.QueryEscape(ts.URL+"/embed/quiz/image-vs-container"), nil)
		req.Header.Set("X-Forwarded-Proto", tt.proto)
		res, body := do(t, http.DefaultClient, req)
		var o struct {
			HTML        string `json:"html"`
			ProviderURL string `json:"provider_url"`
		}
		if err := json.Unmarshal([]byte(body), &o); err != nil || res.StatusCode != 200 {
			t.Fatalf("oembed: %d %s", res.StatusCode, body)
		}
		want := `<div data-layerlab-quiz="image-vs-container"></div><script src="` + tt.base + `/static/embed.js" async></script>`
		if o.HTML != want || o.ProviderURL != tt.base+"/" {
			t.Errorf("X-Forwarded-Proto %q: html %q provider %q, want base %s", tt.proto, o.HTML, o.ProviderURL, tt.base)
		}
	}
}

// Each viz embed view runs a build: one address asking in a loop is slowed.
func TestEmbedVizRateLimit(t *testing.T) {
	ts := newQuizServer(t, web.Config{}, nil)
	u := ts.URL + "/embed/viz?dockerfile=" + url.QueryEscape("FROM alpine:3.20\nRUN echo hi > /hello\n")
	ok, limited := 0, 0
	for range 40 {
		res, _ := get(t, u)
		switch res.StatusCode {
		case 200:
			ok++
		case http.StatusTooManyRequests:
			limited++
		default:
			t.Fatalf("embed/viz: %d", res.StatusCode)
		}
	}
	if ok < 20 || limited == 0 {
		t.Errorf("40 views at once: %d served, %d refused; want the burst served and the rest refused", ok, limited)
	}
}

// The learner cookie is Secure when the server is told TLS ends at a proxy.
func TestLearnerCookieSecureBehindProxy(t *testing.T) {
	ts := newQuizServer(t, web.Config{SecureCookies: true}, nil)
	res, _ := get(t, ts.URL+"/lessons")
	for _, ck := range res.Cookies() {
		if ck.Name == "layerlab_learner" && !ck.Secure {
			t.Errorf("learner cookie not Secure with SecureCookies: %s", res.Header.Get("Set-Cookie"))
		}
	}
	if len(res.Cookies()) == 0 {
		t.Fatal("no cookie set")
	}
}

var csrfField = regexp.MustCompile(`name="_csrf" value="([^"]+)"`)

// An unknown email costs the same argon2id check as a known one, whatever
// the password's length: a quick answer would tell which emails have
// accounts.
func TestLoginTimeDoesNotTellAccounts(t *testing.T) {
	ts := newQuizServer(t, web.Config{}, nil)
	addInstructor(t, ts, "teacher@example.org", "correct horse battery")
	jar, _ := cookiejar.New(nil)
	client := noRedirect(jar)
	_, page := do(t, client, mustReq(t, "GET", ts.URL+"/instructor/login", nil))
	m := csrfField.FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no CSRF field in the login page")
	}
	// The work a login does is measured in memory, not time: argon2id
	// with HashPassword's parameters allocates 19 MiB for each check, and
	// an unknown email must pay for one as a known one does. Bytes
	// allocated only add up, whatever else the machine is doing, where
	// wall time on a busy machine says little.
	login := func(email, password string) uint64 {
		form := url.Values{"_csrf": {m[1]}, "email": {email}, "password": {password}}
		req := mustReq(t, "POST", ts.URL+"/instructor/login", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		res, _ := do(t, client, req)
		runtime.ReadMemStats(&after)
		if res.StatusCode != http.StatusUnauthorized {
			t.Fatalf("login %s: %d, want 401", email, res.StatusCode)
		}
		return after.TotalAlloc - before.TotalAlloc
	}
	const argonWork = 19456 * 1024 // m=19456 KiB, HashPassword's memory
	long := strings.Repeat("x", 2000)
	for _, email := range []string{"teacher@example.org", "nobody@example.org"} {
		if got := login(email, long); got < argonWork {
			t.Errorf("a wrong login for %s allocated %d bytes: no password check of %d bytes was made", email, got, argonWork)
		}
	}
}

// Behind a reverse proxy every request comes from the proxy's address: with
// TrustProxy the limits count the client it names, so one client running
// out of budget leaves the others theirs.
func TestRateLimitBehindProxy(t *testing.T) {
	ts := newQuizServer(t, web.Config{TrustProxy: true}, nil)
	u := ts.URL + "/embed/viz?dockerfile=" + url.QueryEscape("FROM alpine:3.20\n")
	view := func(client string) int {
		req := mustReq(t, "GET", u, nil)
		req.Header.Set("X-Forwarded-For", client)
		res, _ := do(t, http.DefaultClient, req)
		return res.StatusCode
	}
	limited := false
	for range 40 {
		if view("203.0.113.7") == http.StatusTooManyRequests {
			limited = true
			break
		}
	}
	if !limited {
		t.Fatal("one client behind the proxy was never limited")
	}
	if status := view("203.0.113.8"); status != 200 {
		t.Errorf("another client behind the proxy: %d, want 200", status)
	}
	// A client cannot buy a fresh budget by writing its own address in
	// front of the one the proxy appends.
	if status := view("198.51.100.1, 203.0.113.7"); status != http.StatusTooManyRequests {
		t.Errorf("a forged address before the proxy's: %d, want 429", status)
	}
}
