package web_test

import (
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/gorilla/websocket"

	"github.com/layerlab/layerlab/quizzes"
	"github.com/layerlab/layerlab/static"
	"github.com/layerlab/layerlab/web"
	"github.com/layerlab/layerlab/web/sqlite"
)

// A database that cannot grow (a file capped in size: SQLite answers as on
// a full disk) makes writes answer 503 with Retry-After and a clear
// message, and /healthz report storage; nothing is half done.
func TestFullDiskAnswers503(t *testing.T) {
	lib, err := library()
	if err != nil {
		t.Fatal(err)
	}
	dbPath := filepath.Join(t.TempDir(), "layerlab.db")
	db, err := sqlite.OpenWith(context.Background(), dbPath, sqlite.Options{MaxBytes: 400 << 10})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	qs, _ := quizzes.Load(quizzes.Files)
	srv := web.New(web.Config{Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Static: static.FS, AnswerRate: -1},
		web.Deps{Store: db, Answers: db, Instructors: db, Progress: db, Learners: db, Library: lib, Quizzes: qs})
	hs := httptest.NewServer(srv.Handler())
	t.Cleanup(hs.Close)
	ts := &testServer{Server: hs, db: db, dbPath: dbPath}

	cookie, _ := signedLearner(t, ts)
	conn := dialWS(t, ts, cookie)
	// Fill the file with answers until it takes no more, big ones first,
	// then small ones for the room left in pages.
	for _, size := range []int{8000, 100, 1} {
		filled := false
		for i := range 5000 {
			_, err := db.SaveAnswer(context.Background(), web.Answer{ClientID: fmt.Sprintf("fill%d-%d", size, i), Learner: "filler",
				Quiz: "q", Question: "q", Answer: `"` + strings.Repeat("x", size) + `"`, Source: "playground"})
			if err != nil {
				filled = true
				break
			}
		}
		if !filled {
			t.Fatal("the capped database never filled")
		}
	}
	m := send(t, conn, fmt.Sprintf(`{"type":"file","path":"big.txt","content":%q}`, strings.Repeat("x", 60<<10)))
	if full, _ := m["error"].(string); !strings.Contains(full, "storage is full") || !strings.Contains(full, "nothing was changed") {
		t.Fatalf("an edit on a full disk was answered %v, want the storage-full message", m)
	}
	res, body := get(t, ts.URL+"/healthz")
	if res.StatusCode != http.StatusServiceUnavailable || !strings.Contains(body, "storage") || res.Header.Get("Retry-After") == "" {
		t.Errorf("healthz on a full disk: %d %q (Retry-After %q), want 503 naming storage", res.StatusCode, body, res.Header.Get("Retry-After"))
	}
	res2, err := http.Post(ts.URL+fmt.Sprintf(answerPath, "same-thing"), "application/json", strings.NewReader(`{"client_id":"full1","answer":false}`))
	if err != nil {
		t.Fatal(err)
	}
	b := readAll(res2)
	if res2.StatusCode != http.StatusServiceUnavailable || res2.Header.Get("Retry-After") == "" || !strings.Contains(b, "storage is full") {
		t.Errorf("an answer on a full disk: %d %q (Retry-After %q), want 503", res2.StatusCode, b, res2.Header.Get("Retry-After"))
	}
}

// A page on another name that resolves to the server (DNS rebinding) is
// same-origin with itself, but its Host is not one the server answers as.
func TestWebsocketRefusesRebindingHost(t *testing.T) {
	ts := newServer(t)
	port := ts.URL[strings.LastIndex(ts.URL, ":"):]
	h := http.Header{"Host": {"rebind.example" + port}, "Origin": {"http://rebind.example" + port}}
	_, res, err := websocket.DefaultDialer.Dial(wsURL(ts), h)
	if err == nil || res == nil || res.StatusCode != http.StatusForbidden {
		t.Fatalf("a socket for Host rebind.example: %v (%v), want 403", err, res)
	}
	// A configured name is accepted.
	named := newQuizServer(t, web.Config{AllowedHosts: []string{"layerlab.example"}}, nil)
	port = named.URL[strings.LastIndex(named.URL, ":"):]
	h = http.Header{"Host": {"layerlab.example" + port}, "Origin": {"http://layerlab.example" + port}}
	conn, _, err := websocket.DefaultDialer.Dial(wsURL(named), h)
	if err != nil {
		t.Fatalf("a socket for an allowed host: %v", err)
	}
	conn.Close()
	if _, res, err := websocket.DefaultDialer.Dial(wsURL(named), http.Header{"Origin": {named.URL}}); err == nil || res.StatusCode != http.StatusForbidden {
		t.Errorf("with a list of hosts, an address not on it was accepted")
	}
}

func TestNormalizeOrigin(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		// accepted, in one form
		{"https://example.org", "https://example.org"},
		{"HTTPS://Example.ORG:443", "https://example.org"},
		{"http://example.org:80/", "http://example.org"},
		{"http://127.0.0.1:8080", "http://127.0.0.1:8080"},
		{"http://[::1]:3000", "http://[::1]:3000"},
		{"https://xn--bcher-kva.example", "https://xn--bcher-kva.example"},
		// refused
		{"https://evil.example<script>", ""},
		{"https://evil.example:99999", ""},
		{"https://evil.example:0", ""},
		{"https://evil.example:", ""},
		{"https://evil.example:08080", ""},
		{"javascript:alert(1)", ""},
		{"https://user@example.org", ""},
		{"https://example.org/path", ""},
		{"https://example.org?q", ""},
		{"https://-bad-.example", ""},
		{"https://a b.example", ""},
		{"https://*.example.org", ""},
		{"", ""},
	} {
		got, err := web.NormalizeOrigin(tc.in)
		if got != tc.want || (err != nil) != (tc.want == "") {
			t.Errorf("NormalizeOrigin(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
	// The frame-ancestors list takes a wildcard label and "*".
	got, err := web.NormalizeFrameAncestors([]string{"*", "https://*.School.example", "HTTP://blog.example:80"})
	if err != nil || strings.Join(got, " ") != "* https://*.school.example http://blog.example" {
		t.Errorf("frame ancestors: %v, %v", got, err)
	}
	if _, err := web.NormalizeFrameAncestors([]string{"https://evil.example<script>"}); err == nil {
		t.Error("a frame ancestor with markup was accepted")
	}
}

// An embed answer names its origin; a malformed one is refused before it
// is stored or echoed.
func TestEmbedOriginValidated(t *testing.T) {
	ts := newQuizServer(t, web.Config{}, nil)
	for _, bad := range []string{"https://evil.example<script>", "https://evil.example:99999"} {
		status, out := post(t, ts.URL+fmt.Sprintf(answerPath, "same-thing")+"?embed="+url.QueryEscape(bad), "application/json", `{"client_id":"o1","answer":false}`)
		if status != http.StatusBadRequest || strings.Contains(fmt.Sprint(out), "<script>") {
			t.Errorf("embed origin %q: %d %v, want 400 without the markup", bad, status, out)
		}
	}
}

// Failed logins are counted per account, whichever address they come
// from: past the free few, the account waits, twice as long each time,
// and not even the right password is checked meanwhile.
func TestLoginBackoffPerAccount(t *testing.T) {
	ts := newQuizServer(t, web.Config{TrustProxy: true}, nil)
	addInstructor(t, ts, "teacher@example.org", "correct horse battery")
	jar, _ := cookiejar.New(nil)
	client := noRedirect(jar)
	_, page := do(t, client, mustReq(t, "GET", ts.URL+"/instructor/login", nil))
	m := csrfField.FindStringSubmatch(page)
	if m == nil {
		t.Fatal("no CSRF field in the login page")
	}
	login := func(i int, email, password string) (int, string) {
		form := url.Values{"_csrf": {m[1]}, "email": {email}, "password": {password}}
		req := mustReq(t, "POST", ts.URL+"/instructor/login", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("X-Forwarded-For", fmt.Sprintf("198.51.100.%d", i+1)) // a new address each time
		res, body := do(t, client, req)
		return res.StatusCode, body
	}
	for i := range 4 {
		if status, _ := login(i, "teacher@example.org", "wrong password!"); status != http.StatusUnauthorized {
			t.Fatalf("failure %d: %d, want 401", i+1, status)
		}
	}
	status, body := login(10, "Teacher@Example.org", "correct horse battery")
	if status != http.StatusTooManyRequests || !strings.Contains(body, "Too many failed logins for this account") {
		t.Fatalf("the right password right after 4 failures: %d, want 429 asking to wait", status)
	}
	// Another account is not slowed.
	if status, _ := login(11, "someone@example.org", "wrong password!"); status != http.StatusUnauthorized {
		t.Errorf("another account: %d, want 401", status)
	}
}

// The CSV export names learners by a stable pseudonym, never by the
// cookie value that would let its reader act as them.
func TestExportNamesLearnersByPseudonym(t *testing.T) {
	ts := newQuizServer(t, web.Config{}, nil)
	addInstructor(t, ts, "teacher@example.org", "correct horse battery")
	cookie, id := signedLearner(t, ts)
	for i, a := range []string{`true`, `false`} {
		req := mustReq(t, "POST", ts.URL+fmt.Sprintf(answerPath, "same-thing"), strings.NewReader(fmt.Sprintf(`{"client_id":"p%d","answer":%s}`, i, a)))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Cookie", cookie)
		if res, body := do(t, http.DefaultClient, req); res.StatusCode != 200 {
			t.Fatalf("answer: %d %s", res.StatusCode, body)
		}
	}
	jar, _ := cookiejar.New(nil)
	client := noRedirect(jar)
	_, page := do(t, client, mustReq(t, "GET", ts.URL+"/instructor/login", nil))
	m := csrfField.FindStringSubmatch(page)
	form := url.Values{"_csrf": {m[1]}, "email": {"teacher@example.org"}, "password": {"correct horse battery"}}
	req := mustReq(t, "POST", ts.URL+"/instructor/login", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if res, _ := do(t, client, req); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("login: %d", res.StatusCode)
	}
	_, body := do(t, client, mustReq(t, "GET", ts.URL+"/instructor/export.csv", nil))
	if strings.Contains(body, id) {
		t.Fatal("the export holds the raw learner id")
	}
	rows, err := csv.NewReader(strings.NewReader(body)).ReadAll()
	if err != nil || len(rows) != 3 {
		t.Fatalf("export: %d rows, %v", len(rows), err)
	}
	pseudonym := regexp.MustCompile(`^l-[0-9a-f]{12}$`)
	if !pseudonym.MatchString(rows[1][1]) || rows[1][1] != rows[2][1] {
		t.Errorf("learner column %q and %q, want one pseudonym for one learner", rows[1][1], rows[2][1])
	}
}
