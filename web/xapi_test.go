package web_test

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/layerlab/layerlab/web"
	"github.com/layerlab/layerlab/web/sqlite"
	"github.com/layerlab/layerlab/web/xapi"
	"github.com/layerlab/layerlab/web/xapi/lrstest"
)

const xapiBase = "https://layerlab.example.org"

// xapiServer serves from the SQLite file at dbPath with an xAPI sender
// to lrs; the sender runs only when the test runs it.
func xapiServer(t testing.TB, dbPath string, lrs *lrstest.LRS) (*testServer, *xapi.Sender) {
	t.Helper()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	var sender *xapi.Sender
	ts := serveDB(t, dbPath, web.Config{Logger: log, AnswerRate: -1, BaseURL: xapiBase}, func(db *sqlite.DB, d *web.Deps) {
		var err error
		sender, err = xapi.New(xapi.Config{Endpoint: lrs.URL, Username: "key", Password: "secret", BaseURL: xapiBase,
			Backoff: time.Millisecond, MaxBackoff: 10 * time.Millisecond, Poll: 5 * time.Millisecond, Logger: log}, db)
		if err != nil {
			t.Fatal(err)
		}
		d.Secrets, d.Events, d.Collectors = db, []web.EventSink{sender}, sender.Collectors()
	})
	return ts, sender
}

func learnerCookieOf(t *testing.T, cl *http.Client, base string) (header, id string) {
	t.Helper()
	u, _ := url.Parse(base)
	for _, ck := range cl.Jar.Cookies(u) {
		if ck.Name == "layerlab_learner" {
			id, _, _ = strings.Cut(ck.Value, ".")
			return ck.Name + "=" + ck.Value, id
		}
	}
	t.Fatal("the learner has no cookie")
	return "", ""
}

func field(v any, path ...string) any {
	for _, p := range path {
		m, _ := v.(map[string]any)
		v = m[p]
	}
	return v
}

// A learner answers in the playground, another in a quiz embedded on a
// blog, and the first does a lesson: the LRS receives an "answered"
// statement per answer (success and score, the embed's origin) and a
// "completed" one per step and for the lesson, each naming the learner by
// the pseudonym of the CSV export and the activity under the base URL.
func TestXAPIStatements(t *testing.T) {
	lrs := lrstest.New(t, "key", "secret")
	ts, sender := xapiServer(t, filepath.Join(t.TempDir(), "layerlab.db"), lrs)
	cl := learnerClient(t)
	ids := dealtIDs(t, cl, ts.URL, "image-vs-container", "")
	api := ts.URL + fmt.Sprintf(answerPath, "what-is-an-image")
	if status, out := postWith(t, cl, api, "application/json", `{"client_id":"play1","answer":`+pick(t, ids, "what-is-an-image", "A frozen")+`}`); status != 200 {
		t.Fatalf("answer: %d %v", status, out)
	}
	const widget = "0123456789abcdef0123456789abcdef"
	embedIDs := dealtIDs(t, http.DefaultClient, ts.URL, "image-vs-container", "embed=https://blog.example&learner="+widget)
	if status, out := post(t, api+"?embed=https://blog.example", "application/json", `{"client_id":"emb1","answer":`+pick(t, embedIDs, "what-is-an-image", "A running")+`,"learner":"`+widget+`"}`); status != 200 {
		t.Fatalf("embed answer: %d %v", status, out)
	}
	cookie, learner := learnerCookieOf(t, cl, ts.URL)
	l := completeLesson(t, ts, cookie, "images-and-containers")
	if !sender.Flush(context.Background()) {
		t.Fatal("sending failed")
	}

	sts := lrs.Statements()
	if len(sts) != 2+len(l.Steps)+1 {
		t.Fatalf("the LRS has %d statements, want 2 answers, %d steps and the lesson", len(sts), len(l.Steps))
	}
	raw, _ := json.Marshal(sts)
	if strings.Contains(string(raw), learner) || strings.Contains(string(raw), widget) {
		t.Fatalf("a statement carries a learner's cookie id:\n%s", raw)
	}
	// The CSV export names the playground learner the same way.
	_, csvBody := do(t, instructorClient(t, ts), mustReq(t, "GET", ts.URL+"/instructor/export.csv", nil))
	recs, err := csv.NewReader(strings.NewReader(csvBody)).ReadAll()
	if err != nil || len(recs) < 2 {
		t.Fatalf("export: %v\n%s", err, csvBody)
	}
	pseudo := ""
	for _, r := range recs[1:] {
		if strings.Contains(strings.Join(r, ","), "play1") {
			pseudo = r[1]
		}
	}
	if !regexp.MustCompile(`^l-[0-9a-f]{12}$`).MatchString(pseudo) {
		t.Fatalf("no pseudonym for play1 in the export:\n%s", csvBody)
	}

	quiz := xapiBase + "/quizzes/image-vs-container"
	question := quiz + "/questions/what-is-an-image"
	lesson := xapiBase + "/lessons/" + l.ID
	type want struct {
		verb, object, actor string
		success             any // true, false, or nil: none
		scaled              any
		source, origin      any
		parent              any
	}
	var wants []want
	wants = append(wants,
		want{xapi.VerbAnswered, question, pseudo, true, 1.0, "playground", nil, quiz},
		want{xapi.VerbAnswered, question, "", false, 0.0, "embed", "https://blog.example", quiz})
	for i := range l.Steps {
		wants = append(wants, want{xapi.VerbCompleted, fmt.Sprintf("%s/steps/%d", lesson, i+1), pseudo, nil, nil, nil, nil, lesson})
	}
	wants = append(wants, want{xapi.VerbCompleted, lesson, pseudo, nil, nil, nil, nil, nil})
	for i, w := range wants {
		st := sts[i]
		t.Run(fmt.Sprint(i, " ", w.object), func(t *testing.T) {
			if got := field(st, "verb", "id"); got != w.verb {
				t.Errorf("verb %v, want %s", got, w.verb)
			}
			if got := field(st, "object", "id"); got != w.object {
				t.Errorf("object %v, want %s", got, w.object)
			}
			if got := field(st, "actor", "account", "homePage"); got != xapiBase {
				t.Errorf("actor home page %v", got)
			}
			name, _ := field(st, "actor", "account", "name").(string)
			if w.actor != "" && name != w.actor || w.actor == "" && (name == pseudo || !strings.HasPrefix(name, "l-")) {
				t.Errorf("actor %q, want %q (the playground learner: %s)", name, w.actor, pseudo)
			}
			if got := field(st, "result", "success"); got != w.success {
				t.Errorf("success %v, want %v", got, w.success)
			}
			if got := field(st, "result", "score", "scaled"); got != w.scaled {
				t.Errorf("scaled score %v, want %v", got, w.scaled)
			}
			if got := field(st, "result", "completion"); got != true {
				t.Errorf("completion %v, want true", got)
			}
			ext := field(st, "context", "extensions")
			if got := field(ext, xapiBase+xapi.ExtSource); got != w.source {
				t.Errorf("source %v, want %v", got, w.source)
			}
			if got := field(ext, xapiBase+xapi.ExtOrigin); got != w.origin {
				t.Errorf("origin %v, want %v", got, w.origin)
			}
			parents, _ := field(st, "context", "contextActivities", "parent").([]any)
			var parent any
			if len(parents) == 1 {
				parent = field(parents[0], "id")
			}
			if parent != w.parent {
				t.Errorf("parent %v, want %v", parents, w.parent)
			}
		})
	}

	// /metrics tells the operator.
	res, err := http.Get(ts.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	metrics, _ := io.ReadAll(res.Body)
	res.Body.Close()
	for _, line := range []string{
		fmt.Sprintf("layerlab_xapi_statements_sent_total %d", len(wants)),
		"layerlab_xapi_statements_failed_total 0",
		"layerlab_xapi_outbox_depth 0",
		`layerlab_xapi_statements_dropped_total{reason="outbox full"} 0`,
	} {
		if !strings.Contains(string(metrics), line+"\n") {
			t.Errorf("/metrics lacks %q", line)
		}
	}
}

// Statements stored while the LRS is down wait in the database file: a
// server started again on it delivers them, once each.
func TestXAPIOutboxSurvivesRestart(t *testing.T) {
	lrs := lrstest.New(t, "key", "secret")
	lrs.Set(lrstest.Down)
	dbPath := filepath.Join(t.TempDir(), "layerlab.db")
	first, sender := xapiServer(t, dbPath, lrs)
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { sender.Run(ctx); close(done) }()
	cl := learnerClient(t)
	ids := dealtIDs(t, cl, first.URL, "image-vs-container", "")
	api := first.URL + fmt.Sprintf(answerPath, "what-is-an-image")
	for i, choice := range []string{"A frozen", "A running"} {
		if status, out := postWith(t, cl, api, "application/json", fmt.Sprintf(`{"client_id":"r%d","answer":%s}`, i, pick(t, ids, "what-is-an-image", choice))); status != 200 {
			t.Fatalf("answer: %d %v", status, out)
		}
	}
	deadline := time.Now().Add(60 * time.Second)
	for lrs.Failed() < 2 {
		if time.Now().After(deadline) {
			t.Fatal("the sender never tried the LRS")
		}
		time.Sleep(5 * time.Millisecond)
	}
	stop()
	<-done
	first.Close()
	if err := first.db.Close(); err != nil {
		t.Fatal(err)
	}

	lrs.Set(lrstest.Up)
	_, again := xapiServer(t, dbPath, lrs)
	// Each statement comes due again when its backoff ends.
	deadline = time.Now().Add(60 * time.Second)
	for len(lrs.Statements()) < 2 {
		if time.Now().After(deadline) {
			t.Fatalf("after the restart the LRS has %d statements, want 2", len(lrs.Statements()))
		}
		again.Flush(context.Background())
		time.Sleep(5 * time.Millisecond)
	}
	for id, n := range lrs.Received() {
		if n != 1 {
			t.Errorf("statement %s arrived %d times", id, n)
		}
	}
	var success []any
	for _, st := range lrs.Statements() {
		success = append(success, field(st, "result", "success"))
	}
	if fmt.Sprint(success) != "[true false]" {
		t.Errorf("successes %v, want [true false]", success)
	}
}
