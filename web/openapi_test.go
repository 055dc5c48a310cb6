package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"
	"github.com/labstack/echo/v4"

	"github.com/layerlab/layerlab/docs"
	"github.com/layerlab/layerlab/quizzes"
	"github.com/layerlab/layerlab/static"
	"github.com/layerlab/layerlab/web"
	"github.com/layerlab/layerlab/web/sqlite"
)

// apiSpec loads docs/openapi.yaml, checks it is valid OpenAPI 3, and
// returns a router over it for the server at base.
func apiSpec(t *testing.T, base string) routers.Router {
	t.Helper()
	doc, err := openapi3.NewLoader().LoadFromData(docs.OpenAPI)
	if err != nil {
		t.Fatalf("docs/openapi.yaml: %v", err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		t.Fatalf("docs/openapi.yaml is not valid OpenAPI 3: %v", err)
	}
	doc.Servers = openapi3.Servers{{URL: base}}
	r, err := legacy.NewRouter(doc)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// checkResponse fails the test unless the response is one the description
// allows for the request: a declared status, content type and body shape.
func checkResponse(t *testing.T, r routers.Router, req *http.Request, status int, header http.Header, body []byte) error {
	t.Helper()
	route, params, err := r.FindRoute(req)
	if err != nil {
		return fmt.Errorf("%s %s is not in the description: %w", req.Method, req.URL.Path, err)
	}
	in := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route},
		Status:                 status,
		Header:                 header,
		Body:                   io.NopCloser(bytes.NewReader(body)),
		Options:                &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true},
	}
	return openapi3filter.ValidateResponse(context.Background(), in)
}

func init() {
	// HTML error pages and the YAML description itself are checked for
	// status and content type; their bodies are text.
	openapi3filter.RegisterBodyDecoder("text/html", openapi3filter.PlainBodyDecoder)
	openapi3filter.RegisterBodyDecoder("application/yaml", openapi3filter.PlainBodyDecoder)
}

// Every JSON API response the handlers give, good and bad, is one the
// description allows.
func TestOpenAPIDescribesResponses(t *testing.T) {
	ts := newQuizServer(t, web.Config{}, nil)
	r := apiSpec(t, ts.URL)
	// A true/false question: its answer needs no dealt ids.
	const answer = "/api/quizzes/image-vs-container/questions/same-thing/answers"
	type call struct {
		method, path, body string
		status             int
	}
	calls := []call{
		// the quiz API
		{"GET", "/api/quizzes/image-vs-container", "", 200},
		{"GET", "/api/quizzes/no-such-quiz", "", 404},
		{"POST", answer, `{"client_id":"o1","answer":false}`, 200},
		{"POST", answer, `{"client_id":"o1","answer":false}`, 200}, // a retry
		{"POST", answer, `{"client_id":"o3","answer":true}`, 200},  // wrong: with the solution
		{"POST", answer, `{"client_id":"o4","answer":"a"}`, 400},   // the wrong shape
		{"POST", answer, `{"client_id":"bad id!","answer":false}`, 400},
		{"POST", "/api/quizzes/image-vs-container/questions/nope/answers", `{"client_id":"o2","answer":"a"}`, 404},
		// oEmbed
		{"GET", "/oembed?url=" + ts.URL + "/embed/quiz/image-vs-container&maxwidth=400", "", 200},
		{"GET", "/oembed?url=https://elsewhere.example/x", "", 400},
		{"GET", "/oembed?url=" + url.QueryEscape(ts.URL+"/lessons/processes?lang=es"), "", 200},
		{"GET", "/oembed?url=" + url.QueryEscape(ts.URL+"/play?share=0123456789abcdef"), "", 200},
		{"GET", "/api/quizzes/image-vs-container?lang=de", "", 200},
		{"POST", answer + "?lang=es", `{"client_id":"o5","answer":true}`, 200},
		{"GET", "/oembed?url=" + ts.URL + "/embed/quiz/image-vs-container&format=xml", "", 501},
		// the operator's probes
		{"GET", "/healthz", "", 200},
		{"GET", "/metrics", "", 200},
		{"GET", "/openapi.yaml", "", 200},
	}
	// Every quiz's questions, so each question type's public shape is checked.
	set, err := quizzes.Load(quizzes.Files)
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range set.IDs() {
		calls = append(calls, call{"GET", "/api/quizzes/" + id, "", 200})
	}
	for _, c := range calls {
		req, err := http.NewRequest(c.method, ts.URL+c.path, strings.NewReader(c.body))
		if err != nil {
			t.Fatal(err)
		}
		if c.body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != c.status {
			t.Errorf("%s %s: status %d, want %d: %s", c.method, c.path, res.StatusCode, c.status, body)
		}
		vreq, _ := http.NewRequest(c.method, ts.URL+c.path, strings.NewReader(c.body))
		if err := checkResponse(t, r, vreq, res.StatusCode, res.Header, body); err != nil {
			t.Errorf("%s %s answered %d outside the description: %v\n%s", c.method, c.path, res.StatusCode, err, body)
		}
	}
}

// The rate limit's refusal is described too.
func TestOpenAPIDescribesRateLimit(t *testing.T) {
	ts := newQuizServer(t, web.Config{AnswerRate: 1}, nil)
	r := apiSpec(t, ts.URL)
	path := ts.URL + "/api/quizzes/image-vs-container/questions/same-thing/answers"
	for i := range 10 {
		body := fmt.Sprintf(`{"client_id":"r%d","answer":false}`, i)
		res, err := http.Post(path, "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		got, _ := io.ReadAll(res.Body)
		res.Body.Close()
		req, _ := http.NewRequest("POST", path, strings.NewReader(body))
		if err := checkResponse(t, r, req, res.StatusCode, res.Header, got); err != nil {
			t.Errorf("answer %d: %d outside the description: %v", i, res.StatusCode, err)
		}
		if res.StatusCode == http.StatusTooManyRequests {
			return
		}
	}
	t.Fatal("10 answers at once at 1/s were never refused")
}

// The check bites: a response with a field the description lacks, or a
// status it does not list, fails.
func TestOpenAPICatchesDrift(t *testing.T) {
	ts := newQuizServer(t, web.Config{}, nil)
	r := apiSpec(t, ts.URL)
	res, body := get(t, ts.URL+"/api/quizzes/image-vs-container")
	req, _ := http.NewRequest("GET", ts.URL+"/api/quizzes/image-vs-container", nil)
	if err := checkResponse(t, r, req, res.StatusCode, res.Header, []byte(body)); err != nil {
		t.Fatalf("the real response fails: %v", err)
	}
	var quiz map[string]any
	if err := json.Unmarshal([]byte(body), &quiz); err != nil {
		t.Fatal(err)
	}
	qs := quiz["questions"].([]any)
	qs[0].(map[string]any)["answer"] = "a" // a handler that leaks the answer
	leaked, _ := json.Marshal(quiz)
	if err := checkResponse(t, r, req, 200, res.Header, leaked); err == nil {
		t.Error("a question with an undescribed field passed")
	}
	if err := checkResponse(t, r, req, http.StatusTeapot, res.Header, []byte(body)); err == nil {
		t.Error("an undescribed status passed")
	}
	req, _ = http.NewRequest("GET", ts.URL+"/api/undescribed", nil)
	if err := checkResponse(t, r, req, 200, res.Header, []byte(body)); err == nil {
		t.Error("an undescribed path passed")
	}
}

// Every JSON route the server has is in the description: a new API
// endpoint without one fails here, before any response is checked.
func TestOpenAPICoversEveryAPIRoute(t *testing.T) {
	lib, err := library()
	if err != nil {
		t.Fatal(err)
	}
	db, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "layerlab.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	qs, err := quizzes.Load(quizzes.Files)
	if err != nil {
		t.Fatal(err)
	}
	srv := web.New(web.Config{Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Static: static.FS},
		web.Deps{Store: db, Answers: db, Instructors: db, Progress: db, Learners: db, Secrets: db, Library: lib, Quizzes: qs})
	doc, err := openapi3.NewLoader().LoadFromData(docs.OpenAPI)
	if err != nil {
		t.Fatal(err)
	}
	// The handler is echo's router; its route table is what is served.
	routes := srv.Handler().(*echo.Echo).Routes()
	checked := 0
	for _, r := range routes {
		if !strings.HasPrefix(r.Path, "/api/") {
			continue
		}
		// echo's :name is OpenAPI's {name}.
		parts := strings.Split(r.Path, "/")
		for i, p := range parts {
			if strings.HasPrefix(p, ":") {
				parts[i] = "{" + p[1:] + "}"
			}
		}
		path := strings.Join(parts, "/")
		item := doc.Paths.Find(path)
		if item == nil || item.GetOperation(r.Method) == nil {
			t.Errorf("%s %s is served but not in docs/openapi.yaml", r.Method, path)
		}
		checked++
	}
	if checked == 0 {
		t.Fatal("found no /api/ routes to check")
	}
}
