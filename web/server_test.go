package web_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/layerlab/layerlab/quizzes"
	"github.com/layerlab/layerlab/sim/base"
	"github.com/layerlab/layerlab/sim/engine"
	"github.com/layerlab/layerlab/sim/pkg"
	"github.com/layerlab/layerlab/static"
	"github.com/layerlab/layerlab/web"
	"github.com/layerlab/layerlab/web/sqlite"
)

// library is loaded once for the whole test binary: it is immutable.
var library = sync.OnceValues(func() (*engine.Library, error) {
	bases, err := base.Load()
	if err != nil {
		return nil, err
	}
	pkgs, err := pkg.Load()
	if err != nil {
		return nil, err
	}
	return engine.NewLibrary(bases, pkgs)
})

type testServer struct {
	*httptest.Server
	db     *sqlite.DB
	dbPath string
}

// newServer runs the real server on loopback over a real SQLite file.
func newServer(t testing.TB) *testServer {
	t.Helper()
	return serveDB(t, filepath.Join(t.TempDir(), "layerlab.db"), web.Config{}, nil)
}

// serveDB runs the real server on loopback over the SQLite file at dbPath,
// with cfg (a quiet logger and the embedded assets unless it names its
// own) and the stores, library and quizzes every test needs; more, when
// not nil, adds to the deps once the database is open.
func serveDB(t testing.TB, dbPath string, cfg web.Config, more func(db *sqlite.DB, d *web.Deps)) *testServer {
	t.Helper()
	lib, err := library()
	if err != nil {
		t.Fatal(err)
	}
	db, err := sqlite.Open(context.Background(), dbPath)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	qs, err := quizzes.Load(quizzes.Files)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if cfg.Static == nil {
		cfg.Static = static.FS
	}
	deps := web.Deps{Store: db, Answers: db, Instructors: db, Progress: db, Learners: db, Library: lib, Quizzes: qs}
	if more != nil {
		more(db, &deps)
	}
	ts := httptest.NewServer(web.New(cfg, deps).Handler())
	t.Cleanup(ts.Close)
	return &testServer{Server: ts, db: db, dbPath: dbPath}
}

func get(t *testing.T, url string) (*http.Response, string) {
	t.Helper()
	res, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res, string(b)
}

func TestHealthz(t *testing.T) {
	ts := newServer(t)
	res, body := get(t, ts.URL+"/healthz")
	if res.StatusCode != 200 || strings.TrimSpace(body) != "ok" {
		t.Fatalf("GET /healthz = %d %q, want 200 ok", res.StatusCode, body)
	}
}

func TestNotFoundIsHTML(t *testing.T) {
	ts := newServer(t)
	res, body := get(t, ts.URL+"/no/such/page")
	if res.StatusCode != 404 {
		t.Fatalf("status %d, want 404", res.StatusCode)
	}
	if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
		t.Fatalf("Content-Type %q, want text/html", ct)
	}
	if !strings.Contains(strings.ToLower(body), "<!doctype html>") || !strings.Contains(body, "Not Found") || !strings.Contains(body, "/no/such/page") {
		t.Fatalf("404 page is not the HTML error page:\n%s", body)
	}
}

func TestHomePage(t *testing.T) {
	ts := newServer(t)
	res, body := get(t, ts.URL+"/")
	if res.StatusCode != 200 {
		t.Fatalf("status %d", res.StatusCode)
	}
	for _, want := range []string{`data-testid="console-input"`, `data-testid="console-output"`, `data-testid="base"`, `data-testid="layer"`, `data-testid="narration"`, "python:3.12"} {
		if !strings.Contains(body, want) {
			t.Errorf("home page lacks %s", want)
		}
	}
	if csp := res.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src 'self'") {
		t.Errorf("Content-Security-Policy = %q", csp)
	}
}

func TestAnswerAPI(t *testing.T) {
	ts := newServer(t)
	cl := learnerClient(t)
	post := func(path, ctype, body string) (int, map[string]any) {
		t.Helper()
		res, err := cl.Post(ts.URL+path, ctype, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		var m map[string]any
		json.NewDecoder(res.Body).Decode(&m)
		return res.StatusCode, m
	}
	const q = "/api/quizzes/image-vs-container/questions/what-is-an-image/answers"
	ids := dealtIDs(t, cl, ts.URL, "image-vs-container", "")
	right, wrong := pick(t, ids, "what-is-an-image", "A frozen"), pick(t, ids, "what-is-an-image", "A running")
	for _, tc := range []struct {
		name, path, ctype, body string
		status                  int
		correct                 any
	}{
		// answers
		{"right", q, "application/json", `{"client_id":"c1","answer":` + right + `}`, 200, true},
		{"wrong", q, "application/json", `{"client_id":"c2","answer":` + wrong + `}`, 200, false},
		{"resubmitted", q, "application/json", `{"client_id":"c2","answer":` + wrong + `}`, 200, false},
		// refusals
		{"unknown quiz", "/api/quizzes/nope/questions/x/answers", "application/json", `{"client_id":"c3","answer":"a"}`, 404, nil},
		{"unknown question", "/api/quizzes/image-vs-container/questions/x/answers", "application/json", `{"client_id":"c3","answer":"a"}`, 404, nil},
		{"malformed", q, "application/json", `{"client_id":`, 400, nil},
		{"no client id", q, "application/json", `{"answer":"a"}`, 400, nil},
		{"unknown choice", q, "application/json", `{"client_id":"c4","answer":"z"}`, 400, nil},
		{"form post", q, "application/x-www-form-urlencoded", `client_id=c5&answer=a`, 400, nil},
	} {
		status, m := post(tc.path, tc.ctype, tc.body)
		if status != tc.status {
			t.Errorf("%s: status %d, want %d (%v)", tc.name, status, tc.status, m)
			continue
		}
		if tc.correct != nil && m["correct"] != tc.correct {
			t.Errorf("%s: correct = %v, want %v", tc.name, m["correct"], tc.correct)
		}
		if tc.status >= 400 && m["error"] == nil {
			t.Errorf("%s: error response has no JSON error: %v", tc.name, m)
		}
	}
	got, err := ts.db.Answers(context.Background(), "image-vs-container")
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 {
		t.Fatalf("stored %d answers, want 2 (a resubmission is stored once): %+v", len(got), got)
	}
	if !got[0].Correct || got[1].Correct || got[0].Source != "playground" {
		t.Fatalf("stored answers wrong: %+v", got)
	}
}

func wsURL(ts *testServer) string { return "ws" + strings.TrimPrefix(ts.URL, "http") + "/ws" }

func TestWebsocketRefusesForeignOrigin(t *testing.T) {
	ts := newServer(t)
	h := http.Header{"Origin": {"http://evil.example"}}
	_, res, err := websocket.DefaultDialer.Dial(wsURL(ts), h)
	if err == nil {
		t.Fatal("a cross-origin websocket was accepted")
	}
	if res == nil || res.StatusCode != http.StatusForbidden {
		t.Fatalf("cross-origin websocket answered %v, want 403", res)
	}
}

func TestWebsocketConsole(t *testing.T) {
	ts := newServer(t)
	h := http.Header{"Origin": {ts.URL}}
	conn, _, err := websocket.DefaultDialer.Dial(wsURL(ts), h)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	var hello map[string]any
	if err := conn.ReadJSON(&hello); err != nil || hello["type"] != "hello" {
		t.Fatalf("first message %v (%v), want hello", hello, err)
	}
	send := func(v string) map[string]any {
		t.Helper()
		if err := conn.WriteMessage(websocket.TextMessage, []byte(v)); err != nil {
			t.Fatal(err)
		}
		var m map[string]any
		if err := conn.ReadJSON(&m); err != nil {
			t.Fatal(err)
		}
		return m
	}
	m := send(`{"type":"cmd","line":"docker build -t pageturn ."}`)
	if out, _ := m["output"].(string); !strings.Contains(out, "naming to pageturn:latest") {
		t.Fatalf("build output:\n%s", out)
	}
	if viz, _ := m["viz"].(string); !strings.Contains(viz, "pageturn:latest") {
		t.Fatal("visualizer does not show the new image")
	}
	// Bad frames are refused and the session goes on.
	if m := send(`not json`); m["type"] != "error" {
		t.Fatalf("malformed frame answered %v", m)
	}
	if m := send(`{"type":"cmd","line":"` + strings.Repeat("x", 5000) + `"}`); m["type"] != "error" {
		t.Fatalf("oversized line answered %v", m)
	}
	m = send(`{"type":"cmd","line":"docker images"}`)
	if out, _ := m["output"].(string); !strings.Contains(out, "pageturn") {
		t.Fatalf("the session did not survive bad frames:\n%s", out)
	}
	// A frame over the read limit closes the connection.
	conn.WriteMessage(websocket.TextMessage, []byte(strings.Repeat("y", 200000)))
	if _, _, err := conn.ReadMessage(); err == nil {
		t.Fatal("an oversized frame did not close the connection")
	}
}

func TestWebsocketFloodAndForgedLearner(t *testing.T) {
	// A refill slower than the default: the ten commands of the burst run
	// while the flood is read, and on a busy machine they may take longer
	// than 200 ms, which would rightly earn an eleventh.
	const refill = 2 * time.Second
	ts := newQuizServer(t, web.Config{CommandRefill: refill}, nil)
	// A forged learner cookie is not a session key: it is ignored and the
	// socket gets a fresh learner of its own.
	h := http.Header{"Origin": {ts.URL}, "Cookie": {"layerlab_learner=../../other-learner"}}
	conn, res, err := websocket.DefaultDialer.Dial(wsURL(ts), h)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if ck := res.Header.Get("Set-Cookie"); !strings.HasPrefix(ck, "layerlab_learner=") || strings.Contains(ck, "other-learner") {
		t.Fatalf("forged cookie answered with Set-Cookie %q", ck)
	}
	var hello map[string]any
	if err := conn.ReadJSON(&hello); err != nil || hello["type"] != "hello" {
		t.Fatalf("hello: %v %v", hello, err)
	}
	// A flood of commands is refused beyond the burst, and the session
	// goes on working afterwards.
	for i := 0; i < 30; i++ {
		conn.WriteMessage(websocket.TextMessage, []byte(`{"type":"cmd","line":"docker images"}`))
	}
	// The burst is answered, the flood is told once, the rest is dropped.
	results, refused := 0, 0
	for results+refused < 11 {
		var m map[string]any
		if err := conn.ReadJSON(&m); err != nil {
			t.Fatal(err)
		}
		switch {
		case m["type"] == "result":
			results++
		case m["type"] == "error" && strings.Contains(m["error"].(string), "too many commands"):
			refused++
		default:
			t.Fatalf("unexpected answer %v", m)
		}
	}
	if results != 10 || refused != 1 {
		t.Fatalf("a flood of 30 got %d results and %d refusals, want 10 and 1", results, refused)
	}
	// The session still works once the flood is over. The condition here is
	// time itself: the rate limit refills one command per refill.
	time.Sleep(refill + 100*time.Millisecond)
	conn.WriteMessage(websocket.TextMessage, []byte(`{"type":"cmd","line":"docker ps"}`))
	var m map[string]any
	if err := conn.ReadJSON(&m); err != nil || m["type"] != "result" {
		t.Fatalf("after the flood: %v %v", m, err)
	}
}

func TestWebsocketSecondTabTakesOver(t *testing.T) {
	ts := newServer(t)
	h := http.Header{"Origin": {ts.URL}, "Cookie": {learnerCookie(t, ts.URL)}}
	first, _, err := websocket.DefaultDialer.Dial(wsURL(ts), h)
	if err != nil {
		t.Fatal(err)
	}
	defer first.Close()
	var m map[string]any
	if err := first.ReadJSON(&m); err != nil {
		t.Fatal(err)
	}
	second, _, err := websocket.DefaultDialer.Dial(wsURL(ts), h)
	if err != nil {
		t.Fatal(err)
	}
	defer second.Close()
	if err := second.ReadJSON(&m); err != nil || m["type"] != "hello" {
		t.Fatalf("second tab: %v %v", m, err)
	}
	// The first tab is told and closed, so only one engine writes the log.
	_, _, err = first.ReadMessage()
	var ce *websocket.CloseError
	if !errors.As(err, &ce) || ce.Code != 4000 {
		t.Fatalf("first tab got %v, want close code 4000", err)
	}
	if err := second.WriteMessage(websocket.TextMessage, []byte(`{"type":"cmd","line":"docker ps"}`)); err != nil {
		t.Fatal(err)
	}
	if err := second.ReadJSON(&m); err != nil || m["type"] != "result" {
		t.Fatalf("second tab after takeover: %v %v", m, err)
	}
}

// learnerCookie is the Cookie header of a new learner, as a page load
// hands it out.
func learnerCookie(t testing.TB, base string) string {
	t.Helper()
	res, err := http.Get(base + "/play")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	for _, ck := range res.Cookies() {
		if ck.Name == "layerlab_learner" {
			return ck.Name + "=" + ck.Value
		}
	}
	t.Fatal("the page set no learner cookie")
	return ""
}
