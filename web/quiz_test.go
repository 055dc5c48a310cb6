package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/layerlab/layerlab/quizzes"
	"github.com/layerlab/layerlab/web"
	"github.com/layerlab/layerlab/web/sqlite"
)

// newQuizServer is newServer with a chosen config and quiz set.
func newQuizServer(t testing.TB, cfg web.Config, qs *quizzes.Set) *testServer {
	t.Helper()
	return serveDB(t, filepath.Join(t.TempDir(), "layerlab.db"), cfg, func(_ *sqlite.DB, d *web.Deps) {
		if qs != nil {
			d.Quizzes = qs
		}
	})
}

func post(t *testing.T, url, contentType, body string) (int, map[string]any) {
	t.Helper()
	return postWith(t, http.DefaultClient, url, contentType, body)
}

// learnerClient is an HTTP client with a cookie jar: one learner.
func learnerClient(t testing.TB) *http.Client {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &http.Client{Jar: jar}
}

// dealtIDs are the ids a learner was dealt in one quiz, by question and
// then by the text of the choice, step or item. query is added to the
// request (embed=…&learner=… for an embed's learner).
func dealtIDs(t testing.TB, client *http.Client, base, quiz, query string) map[string]map[string]string {
	t.Helper()
	res, err := client.Get(base + "/api/quizzes/" + quiz + "?" + query)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var v struct {
		Questions []quizzes.Public `json:"questions"`
	}
	if err := json.NewDecoder(res.Body).Decode(&v); err != nil || res.StatusCode != 200 {
		t.Fatalf("GET quiz %s: %d %v", quiz, res.StatusCode, err)
	}
	out := map[string]map[string]string{}
	for _, q := range v.Questions {
		out[q.ID] = map[string]string{}
		for _, list := range [][]quizzes.PublicEntry{q.Choices, q.Steps, q.Items} {
			for _, e := range list {
				out[q.ID][e.Text] = e.ID
			}
		}
	}
	return out
}

// pick is the dealt id of the entry of question whose text starts with
// prefix, quoted for JSON.
func pick(t testing.TB, ids map[string]map[string]string, question, prefix string) string {
	t.Helper()
	for text, id := range ids[question] {
		if strings.HasPrefix(text, prefix) {
			return `"` + id + `"`
		}
	}
	t.Fatalf("question %s has no entry starting %q", question, prefix)
	return ""
}

func postWith(t *testing.T, client *http.Client, url, contentType, body string) (int, map[string]any) {
	t.Helper()
	res, err := client.Post(url, contentType, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var out map[string]any
	b, _ := io.ReadAll(res.Body)
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatalf("POST %s answered %d with non-JSON %q", url, res.StatusCode, b)
	}
	return res.StatusCode, out
}

const answerPath = "/api/quizzes/image-vs-container/questions/%s/answers"

func TestAnswerAPIEveryType(t *testing.T) {
	ts := newQuizServer(t, web.Config{AnswerRate: -1}, nil)
	cl := learnerClient(t)
	ids := dealtIDs(t, cl, ts.URL, "image-vs-container", "")
	id := func(question, prefix string) string { return pick(t, ids, question, prefix) }
	order := "[" + strings.Join([]string{
		id("what-comes-first", "Write the Dockerfile"), id("what-comes-first", "Run `docker build`"),
		id("what-comes-first", "Run `docker run`"), id("what-comes-first", "The container writes"),
	}, ",") + "]"
	wrongOrder := "[" + strings.Join([]string{
		id("what-comes-first", "Run `docker build`"), id("what-comes-first", "Write the Dockerfile"),
		id("what-comes-first", "Run `docker run`"), id("what-comes-first", "The container writes"),
	}, ",") + "]"
	matching := fmt.Sprintf(`{%s:"image",%s:"container",%s:"container",%s:"image",%s:"container"}`,
		id("sort-properties", "Read-only"), id("sort-properties", "Has a writable"), id("sort-properties", "Can be running"),
		id("sort-properties", "Pushed"), id("sort-properties", "Listed by"))
	big := `{"client_id":"big","answer":"` + strings.Repeat("a", 1<<20) + `"}`
	tests := []struct {
		name, question, ctype, body string
		status                      int
		want                        string // part of the JSON answer
	}{
		// every question type, right and wrong
		{"single right", "what-is-an-image", "application/json", `{"client_id":"c1","answer":` + id("what-is-an-image", "A frozen") + `}`, 200, `"correct":true`},
		{"single wrong", "what-is-an-image", "application/json", `{"client_id":"c2","answer":` + id("what-is-an-image", "A screenshot") + `}`, 200, `not a picture`},
		{"wrong shows the answer", "what-is-an-image", "application/json", `{"client_id":"c2b","answer":` + id("what-is-an-image", "A running") + `}`, 200, `"solution":"A frozen, read-only stack`},
		{"truefalse", "same-thing", "application/json", `{"client_id":"c3","answer":true}`, 200, `two states`},
		{"matching", "sort-properties", "application/json", `{"client_id":"c4","answer":` + matching + `}`, 200, `"correct":true`},
		{"predict", "diff-after-writes", "application/json", `{"client_id":"c5","answer":` + id("diff-after-writes", "A /data\nC /etc\n") + `}`, 200, `"correct":true`},
		{"ordering right", "what-comes-first", "application/json", `{"client_id":"c6","answer":` + order + `}`, 200, `"correct":true`},
		{"ordering wrong", "what-comes-first", "application/json", `{"client_id":"c7","answer":` + wrongOrder + `}`, 200, `"solution":"1. Write the Dockerfile`},
		// duplicate client id: stored once, answered as the first time
		{"duplicate", "what-is-an-image", "application/json", `{"client_id":"c2","answer":` + id("what-is-an-image", "A frozen") + `}`, 200, `not a picture`},
		{"duplicate elsewhere", "same-thing", "application/json", `{"client_id":"c2","answer":true}`, 400, `already used`},
		// malformed input
		{"not JSON", "what-is-an-image", "application/json", `{"client_id":`, 400, `malformed JSON`},
		{"unknown field", "what-is-an-image", "application/json", `{"client_id":"x","answer":"a","extra":1}`, 400, `unknown field`},
		{"two values", "what-is-an-image", "application/json", `{"client_id":"x","answer":"a"}{}`, 400, `more than one value`},
		{"form post", "what-is-an-image", "application/x-www-form-urlencoded", `client_id=x&answer=a`, 400, `application/json`},
		{"no client id", "what-is-an-image", "application/json", `{"answer":"a"}`, 400, `client_id`},
		{"odd client id", "what-is-an-image", "application/json", `{"client_id":"<b>","answer":"a"}`, 400, `client_id`},
		{"no answer", "what-is-an-image", "application/json", `{"client_id":"x"}`, 400, `missing`},
		{"null answer", "what-is-an-image", "application/json", `{"client_id":"x","answer":null}`, 400, `missing`},
		{"position id", "what-is-an-image", "application/json", `{"client_id":"x","answer":"a"}`, 400, `no choice`},
		{"unknown choice", "what-is-an-image", "application/json", `{"client_id":"x","answer":"q"}`, 400, `no choice`},
		{"wrong shape", "sort-properties", "application/json", `{"client_id":"x","answer":"a"}`, 400, `object from item id`},
		{"list for a choice", "what-is-an-image", "application/json", `{"client_id":"x","answer":[` + id("what-is-an-image", "A frozen") + `]}`, 400, `the id of a choice`},
		{"number for true/false", "same-thing", "application/json", `{"client_id":"x","answer":1}`, 400, `true or false`},
		{"object for an order", "what-comes-first", "application/json", `{"client_id":"x","answer":{}}`, 400, `list of step ids`},
		{"short order", "what-comes-first", "application/json", `{"client_id":"x","answer":[` + id("what-comes-first", "Write") + `]}`, 400, `has 4 steps`},
		{"script answer", "what-is-an-image", "application/json", `{"client_id":"x","answer":"<script>alert(1)</script>"}`, 400, `no choice`},
		{"1 MB body", "what-is-an-image", "application/json", big, 413, `error`},
		// unknown ids
		{"unknown question", "nope", "application/json", `{"client_id":"x","answer":"a"}`, 404, `has no question`},
	}
	for _, tt := range tests {
		status, out := postWith(t, cl, ts.URL+fmt.Sprintf(answerPath, tt.question), tt.ctype, tt.body)
		b, _ := json.Marshal(out)
		if status != tt.status || !strings.Contains(string(b), tt.want) {
			t.Errorf("%s: %d %s, want %d with %q", tt.name, status, b, tt.status, tt.want)
		}
	}
	if status, out := post(t, ts.URL+"/api/quizzes/nope/questions/x/answers", "application/json", `{}`); status != 404 || out["error"] == nil {
		t.Errorf("unknown quiz: %d %v", status, out)
	}
	// Multiple choice takes a list; one id alone is a clear 400, and the
	// list of dealt ids is graded.
	layers := dealtIDs(t, cl, ts.URL, "layers-and-cache", "")
	multi := ts.URL + "/api/quizzes/layers-and-cache/questions/which-add-layers/answers"
	if status, out := postWith(t, cl, multi, "application/json", `{"client_id":"m1","answer":`+pick(t, layers, "which-add-layers", "COPY")+`}`); status != 400 || !strings.Contains(fmt.Sprint(out["error"]), "a list of choice ids") {
		t.Errorf("multiple with one id: %d %v", status, out)
	}
	var right []string
	for text, id := range layers["which-add-layers"] {
		if strings.HasPrefix(text, "RUN") || strings.HasPrefix(text, "COPY") || strings.HasPrefix(text, "WORKDIR") {
			right = append(right, `"`+id+`"`)
		}
	}
	if status, out := postWith(t, cl, multi, "application/json", `{"client_id":"m2","answer":[`+strings.Join(right, ",")+`]}`); status != 200 || out["correct"] != true {
		t.Errorf("multiple, every right choice: %d %v", status, out)
	}
	answers, err := ts.db.Answers(context.Background(), "image-vs-container")
	if err != nil {
		t.Fatal(err)
	}
	if len(answers) != 8 {
		t.Errorf("database holds %d answers, want the 8 valid ones (the duplicate stored once)", len(answers))
	}
	for _, a := range answers {
		if a.Source != "playground" || a.Origin != "" || a.Learner == "" {
			t.Errorf("stored %+v, want a playground answer with a learner", a)
		}
	}
	// Answers are stored in the canonical ids of the quiz file, the same
	// for every learner, so the instructor's charts add them up.
	if answers[0].Answer != `"a"` || answers[3].Answer != `true` {
		t.Errorf("stored %s and %s, want the canonical \"a\" and true", answers[0].Answer, answers[3].Answer)
	}
}

// Two learners are dealt different ids for the same choices; one's ids mean
// nothing to the other.
func TestDealtIDsArePerLearner(t *testing.T) {
	ts := newQuizServer(t, web.Config{AnswerRate: -1}, nil)
	one, two := learnerClient(t), learnerClient(t)
	a, b := dealtIDs(t, one, ts.URL, "image-vs-container", ""), dealtIDs(t, two, ts.URL, "image-vs-container", "")
	if again := dealtIDs(t, one, ts.URL, "image-vs-container", ""); fmt.Sprint(again) != fmt.Sprint(a) {
		t.Fatal("the same learner was dealt new ids")
	}
	right := pick(t, a, "what-is-an-image", "A frozen")
	if right == pick(t, b, "what-is-an-image", "A frozen") {
		t.Fatal("two learners were dealt the same id")
	}
	if status, out := postWith(t, two, ts.URL+fmt.Sprintf(answerPath, "what-is-an-image"), "application/json", `{"client_id":"x1","answer":`+right+`}`); status != 400 {
		t.Fatalf("another learner's id was accepted: %d %v", status, out)
	}
	if status, out := postWith(t, one, ts.URL+fmt.Sprintf(answerPath, "what-is-an-image"), "application/json", `{"client_id":"x2","answer":`+right+`}`); status != 200 || out["correct"] != true {
		t.Fatalf("the learner's own id: %d %v", status, out)
	}
}

func TestQuizJSONHidesAnswers(t *testing.T) {
	ts := newQuizServer(t, web.Config{}, nil)
	res, body := get(t, ts.URL+"/api/quizzes/image-vs-container")
	if res.StatusCode != 200 || !strings.Contains(body, `"what-is-an-image"`) || !strings.Contains(body, `"categories":["image","container"]`) {
		t.Fatalf("GET quiz: %d %s", res.StatusCode, body)
	}
	for _, secret := range []string{"correct", "feedback", "explanation", "misconception", "copy-ups"} {
		if strings.Contains(body, secret) {
			t.Errorf("GET quiz gives away %q", secret)
		}
	}
	if res, body := get(t, ts.URL+"/api/quizzes/nope"); res.StatusCode != 404 || !strings.Contains(body, `"error"`) {
		t.Errorf("unknown quiz: %d %s", res.StatusCode, body)
	}
}

func TestAnswerRateLimit(t *testing.T) {
	ts := newQuizServer(t, web.Config{AnswerRate: 1}, nil)
	limited := 0
	for i := range 10 {
		status, _ := post(t, ts.URL+fmt.Sprintf(answerPath, "same-thing"), "application/json", fmt.Sprintf(`{"client_id":"r%d","answer":false}`, i))
		if status == http.StatusTooManyRequests {
			limited++
		}
	}
	if limited == 0 {
		t.Fatal("10 answers at once from one address at 1/s were all accepted")
	}
}

// Quiz text is authored HTML-free; whatever markup a file holds is shown
// as text, never run.
func TestQuizTextEscaped(t *testing.T) {
	src := "id: xss\ntitle: <script>alert('t')</script>\nquestions:\n  - id: q\n    type: single\n    prompt: <img src=x onerror=alert(1)>\n    choices:\n      - {text: '<script>alert(2)</script>', correct: true}\n      - {text: b, feedback: '<b>no</b>'}\n"
	qs, err := quizzes.Load(fstest.MapFS{"xss.yaml": {Data: []byte(src)}})
	if err != nil {
		t.Fatal(err)
	}
	ts := newQuizServer(t, web.Config{}, qs)
	_, page := get(t, ts.URL+"/embed/quiz/xss")
	_, questions := get(t, ts.URL+"/embed/quiz/xss/questions")
	body := page + questions
	for _, raw := range []string{"<script>alert", "<img src=x", "<b>no"} {
		if strings.Contains(body, raw) {
			t.Errorf("the embed page holds unescaped %q", raw)
		}
	}
	if !strings.Contains(body, "&lt;script&gt;alert(2)&lt;/script&gt;") || !strings.Contains(body, "&lt;img src=x onerror=alert(1)&gt;") {
		t.Errorf("the embed page does not show the markup as text:\n%s", body)
	}
}

func TestEmbedHeaders(t *testing.T) {
	open := newQuizServer(t, web.Config{}, nil)
	res, _ := get(t, open.URL+"/embed/quiz/image-vs-container")
	if csp := res.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "frame-ancestors *") || res.Header.Get("X-Frame-Options") != "" {
		t.Errorf("embed page headers: CSP %q, X-Frame-Options %q; want any ancestor", csp, res.Header.Get("X-Frame-Options"))
	}
	res, _ = get(t, open.URL+"/")
	if csp := res.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "frame-ancestors 'none'") || res.Header.Get("X-Frame-Options") != "DENY" {
		t.Errorf("the app page may be framed: CSP %q", csp)
	}
	listed := newQuizServer(t, web.Config{FrameAncestors: []string{"https://blog.example"}, AnswerRate: -1}, nil)
	res, _ = get(t, listed.URL+"/embed/quiz/image-vs-container")
	if csp := res.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "frame-ancestors https://blog.example;") {
		t.Errorf("embed CSP %q, want the allow-list", csp)
	}
	api := listed.URL + fmt.Sprintf(answerPath, "same-thing")
	if status, out := post(t, api+"?embed=https://evil.example", "application/json", `{"client_id":"e1","answer":false}`); status != 400 || !strings.Contains(fmt.Sprint(out), "may not embed") {
		t.Errorf("answer from an origin not on the list: %d %v", status, out)
	}
	if status, _ := post(t, api+"?embed=javascript:alert(1)", "application/json", `{"client_id":"e2","answer":false}`); status != 400 {
		t.Errorf("answer with a bad origin: %d", status)
	}
	if status, _ := post(t, api+"?embed=https://blog.example", "application/json", `{"client_id":"e3","answer":false}`); status != 200 {
		t.Errorf("answer from a listed origin: %d", status)
	}
}

func TestOEmbed(t *testing.T) {
	ts := newQuizServer(t, web.Config{}, nil)
	res, body := get(t, ts.URL+"/oembed?format=json&url="+ts.URL+"/embed/quiz/image-vs-container")
	var o map[string]any
	if err := json.Unmarshal([]byte(body), &o); err != nil || res.StatusCode != 200 {
		t.Fatalf("oembed: %d %s", res.StatusCode, body)
	}
	if o["type"] != "rich" || o["version"] != "1.0" || !strings.Contains(o["html"].(string), `data-layerlab-quiz="image-vs-container"`) ||
		!strings.Contains(o["html"].(string), ts.URL+"/static/embed.js") || o["width"].(float64) <= 0 || o["height"].(float64) <= 0 {
		t.Errorf("oembed answered %v", o)
	}
	tests := []struct {
		query  string
		status int
	}{
		{"url=" + ts.URL + "/embed/quiz/nope", 404},
		{"url=" + ts.URL + "/lessons/x", 400},
		{"", 400},
		{"format=xml&url=" + ts.URL + "/embed/quiz/image-vs-container", 501},
	}
	for _, tt := range tests {
		if res, body := get(t, ts.URL+"/oembed?"+tt.query); res.StatusCode != tt.status {
			t.Errorf("oembed?%s: %d %s, want %d", tt.query, res.StatusCode, body, tt.status)
		}
	}
	if res, body := get(t, ts.URL+"/static/embed.js"); res.StatusCode != 200 || !strings.Contains(body, "data-layerlab-quiz") {
		t.Errorf("/static/embed.js: %d", res.StatusCode)
	}
}

func TestEmbedViz(t *testing.T) {
	ts := newQuizServer(t, web.Config{}, nil)
	res, body := get(t, ts.URL+"/embed/viz?dockerfile="+url.QueryEscape("FROM alpine:3.20\nRUN echo hi > /hello\n"))
	if res.StatusCode != 200 || !strings.Contains(body, `data-testid="layer"`) || !strings.Contains(body, "example:latest") {
		t.Fatalf("embed viz: %d\n%s", res.StatusCode, body)
	}
	if !strings.Contains(res.Header.Get("Content-Security-Policy"), "frame-ancestors *") {
		t.Error("the viz embed cannot be framed")
	}
	res, body = get(t, ts.URL+"/embed/viz?dockerfile=FRM%20alpine")
	if res.StatusCode != 200 || !strings.Contains(body, "embed-viz-error") {
		t.Errorf("a broken Dockerfile: %d, want the page with the build error", res.StatusCode)
	}
	for _, q := range []string{"", "dockerfile=" + strings.Repeat("A", 5000)} {
		if res, _ := get(t, ts.URL+"/embed/viz?"+q); res.StatusCode != 400 {
			t.Errorf("embed/viz?%.20s: %d, want 400", q, res.StatusCode)
		}
	}
}

// Answers given through an embed on another site come without the learner
// cookie; the widget's own anonymous id keeps them together.
func TestEmbedLearnerID(t *testing.T) {
	ts := newServer(t)
	api := ts.URL + fmt.Sprintf(answerPath, "what-is-an-image") + "?embed=https://blog.example"
	const id = "aaaabbbbccccddddeeeeffff00001111"
	// The widget's learner is dealt its own ids, the questions and the
	// answers alike.
	ids := dealtIDs(t, http.DefaultClient, ts.URL, "image-vs-container", "embed=https://blog.example&learner="+id)
	for i, body := range []string{
		`{"client_id":"w1","answer":` + pick(t, ids, "what-is-an-image", "A frozen") + `,"learner":"` + id + `"}`,
		`{"client_id":"w2","answer":` + pick(t, ids, "what-is-an-image", "A running") + `,"learner":"` + id + `"}`,
	} {
		if status, out := post(t, api, "application/json", body); status != 200 {
			t.Fatalf("answer %d: %d %v", i, status, out)
		}
	}
	if status, out := post(t, ts.URL+fmt.Sprintf(answerPath, "same-thing")+"?embed=https://blog.example", "application/json",
		`{"client_id":"w3","answer":false,"learner":"not-a-learner-id"}`); status != 200 {
		t.Fatalf("answer 3: %d %v", status, out)
	}
	got, err := ts.db.Answers(context.Background(), "image-vs-container")
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 || got[0].Learner != id || got[1].Learner != id || got[2].Learner == id || !validHex32(got[2].Learner) {
		t.Fatalf("learners %q %q %q: the embed's id should join the first two, a bad one be replaced", got[0].Learner, got[1].Learner, got[2].Learner)
	}
	// Outside an embed the field means nothing: the cookie decides.
	if status, _ := post(t, ts.URL+fmt.Sprintf(answerPath, "same-thing"), "application/json", `{"client_id":"p1","answer":false,"learner":"`+id+`"}`); status != 200 {
		t.Fatal("playground answer with a learner field refused")
	}
	got, _ = ts.db.Answers(context.Background(), "image-vs-container")
	if got[3].Learner == id {
		t.Fatal("a playground answer took the learner id from its body")
	}
}

func validHex32(s string) bool {
	if len(s) != 32 {
		return false
	}
	return strings.Trim(s, "0123456789abcdef") == ""
}
