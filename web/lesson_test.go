package web_test

import (
	"bytes"
	"context"
	"github.com/chromedp/chromedp"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/layerlab/layerlab/quizzes"
	"github.com/layerlab/layerlab/static"
	"github.com/layerlab/layerlab/web"
	"github.com/layerlab/layerlab/web/sqlite"
)

// lockedBuffer collects the server's log; the server writes from request
// goroutines while the test reads.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// lessonServer serves the lessons of dir, in dev mode or not.
func lessonServer(t *testing.T, dir string, dev bool) (*httptest.Server, *lockedBuffer) {
	t.Helper()
	lib, err := library()
	if err != nil {
		t.Fatal(err)
	}
	db, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "layerlab.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	qs, err := quizzes.Load(quizzes.Files)
	if err != nil {
		t.Fatal(err)
	}
	logs := &lockedBuffer{}
	srv := web.New(web.Config{Logger: slog.New(slog.NewTextHandler(logs, nil)), Static: static.FS, Dev: dev, LessonsDir: dir},
		web.Deps{Store: db, Answers: db, Instructors: db, Progress: db, Learners: db, Library: lib, Quizzes: qs})
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(ts.Close)
	return ts, logs
}

// A small lesson: one step, start state python:3.12 and nothing else.
const goodLesson = `---
id: tiny
title: "A tiny lesson"
summary: "Pull nothing, run one thing."
objectives: ["Run a container"]
teaches: [1]
start:
  images: [python:3.12]
---

Intro.

## Step: Run it

` + "```step" + `
goal: 'container("one") != nil'
solution:
  - 'docker run -d --name one python:3.12 sleep 100'
` + "```\n"

func writeLesson(t *testing.T, dir, name, src string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, name), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
}

func statusOf(t *testing.T, url string) int {
	t.Helper()
	res, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	return res.StatusCode
}

func TestLessonsBrokenFileIsSkipped(t *testing.T) {
	dir := t.TempDir()
	writeLesson(t, dir, "01-tiny.md", goodLesson)
	// Front matter that is not YAML, and a goal that does not compile.
	writeLesson(t, dir, "02-broken.md", "---\nid: broken\ntitle: [unclosed\n---\n## Step: x\n")
	writeLesson(t, dir, "03-badgoal.md", strings.Replace(strings.Replace(goodLesson, "id: tiny", "id: badgoal", 1), `container("one") != nil`, `container("one" !=`, 1))
	ts, logs := lessonServer(t, dir, false)

	_, body := get(t, ts.URL+"/lessons")
	if !strings.Contains(body, `data-id="tiny"`) || strings.Contains(body, `data-id="broken"`) || strings.Contains(body, `data-id="badgoal"`) {
		t.Fatalf("the course page should list tiny only:\n%s", body)
	}
	if strings.Contains(body, `data-testid="lesson-problems"`) {
		t.Fatal("problems are shown outside dev mode")
	}
	for _, c := range []struct {
		path string
		want int
	}{
		{"/lessons/tiny", 200},
		{"/lessons/broken", 404},
		{"/lessons/badgoal", 404},
		{"/lessons/images-and-containers", 404}, // the embedded course is not mixed in
	} {
		if got := statusOf(t, ts.URL+c.path); got != c.want {
			t.Errorf("GET %s = %d, want %d", c.path, got, c.want)
		}
	}
	log := logs.String()
	for _, want := range []string{"02-broken.md:3:", "03-badgoal.md:16: goal does not compile"} {
		if !strings.Contains(log, "lesson skipped") || !strings.Contains(log, want) {
			t.Errorf("the log does not report %q:\n%s", want, log)
		}
	}
}

func TestLessonsDevReload(t *testing.T) {
	dir := t.TempDir()
	writeLesson(t, dir, "01-tiny.md", goodLesson)
	ts, _ := lessonServer(t, dir, true)
	if _, body := get(t, ts.URL+"/lessons/tiny"); !strings.Contains(body, "A tiny lesson") || strings.Contains(body, `data-testid="lesson-problems"`) {
		t.Fatalf("the lesson page before the edit:\n%s", body)
	}

	// A saved edit shows on the next request. The new mtime is set
	// explicitly: two writes within the file system's clock tick would
	// otherwise look alike when the size does not change.
	edited := strings.Replace(goodLesson, "A tiny lesson", "A renamed lesson", 1)
	writeLesson(t, dir, "01-tiny.md", edited)
	later := time.Now().Add(2 * time.Second)
	if err := os.Chtimes(filepath.Join(dir, "01-tiny.md"), later, later); err != nil {
		t.Fatal(err)
	}
	if _, body := get(t, ts.URL+"/lessons/tiny"); !strings.Contains(body, "A renamed lesson") {
		t.Fatal("the edited title is not served on the next request")
	}

	// A goal met before its solution is a checker problem: the lesson still
	// parses and is served, and the page says what is wrong and where.
	writeLesson(t, dir, "01-tiny.md", strings.Replace(edited, `container("one") != nil`, `image("python:3.12") != nil`, 1))
	later = later.Add(2 * time.Second)
	if err := os.Chtimes(filepath.Join(dir, "01-tiny.md"), later, later); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{"/lessons", "/lessons/tiny"} {
		_, body := get(t, ts.URL+path)
		if !strings.Contains(body, `data-testid="lesson-problems"`) || !strings.Contains(body, "01-tiny.md:16: goal of step 1 (Run it) is already met before its solution") {
			t.Fatalf("GET %s does not show the checker's problem:\n%s", path, body)
		}
	}

	// A new broken file appears as a problem while tiny keeps working.
	writeLesson(t, dir, "02-broken.md", "no front matter here\n")
	_, body := get(t, ts.URL+"/lessons")
	if !strings.Contains(body, "02-broken.md:1: a lesson starts with front matter") || !strings.Contains(body, `data-id="tiny"`) {
		t.Fatalf("the course page after adding a broken file:\n%s", body)
	}
}

// In dev mode an open lesson page reloads itself when its file changes:
// the author sees the edit without touching the browser.
func TestBrowserLessonLiveReload(t *testing.T) {
	dir := t.TempDir()
	writeLesson(t, dir, "01-tiny.md", goodLesson)
	ts, _ := lessonServer(t, dir, true)
	ctx := browser(t, 1280, 900)
	if err := chromedp.Do(ctx, chromedp.Navigate(ts.URL+"/lessons/tiny")); err != nil {
		t.Fatal(err)
	}
	waitFor(t, ctx, "the lesson", `document.querySelector("h1") && document.querySelector("h1").textContent.includes("A tiny lesson")`)
	writeLesson(t, dir, "01-tiny.md", strings.Replace(goodLesson, "A tiny lesson", "A retitled lesson", 1))
	later := time.Now().Add(2 * time.Second)
	if err := os.Chtimes(filepath.Join(dir, "01-tiny.md"), later, later); err != nil {
		t.Fatal(err)
	}
	waitFor(t, ctx, "the page to reload with the edit", `document.querySelector("h1") && document.querySelector("h1").textContent.includes("A retitled lesson")`)
	// Outside dev mode nothing is polled.
	plain, _ := lessonServer(t, dir, false)
	if _, body := get(t, plain.URL+"/lessons/tiny"); strings.Contains(body, "devreload.js") {
		t.Fatal("the live-reload script is served outside dev mode")
	}
	if got := statusOf(t, plain.URL+"/dev/lessons-version"); got != 404 {
		t.Fatalf("/dev/lessons-version outside dev mode = %d, want 404", got)
	}
}

// The glossary page has an anchor for every term lessons link to.
func TestGlossaryPage(t *testing.T) {
	ts := newServer(t)
	res, body := get(t, ts.URL+"/lessons/glossary")
	if res.StatusCode != 200 {
		t.Fatalf("glossary: %d", res.StatusCode)
	}
	for _, id := range []string{"image", "container", "layer", "writable-layer", "digest", "whiteout"} {
		if !strings.Contains(body, `id="`+id+`"`) {
			t.Errorf("the glossary has no entry %q", id)
		}
	}
}
