package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/gorilla/websocket"

	"github.com/layerlab/layerlab/lessons"
	"github.com/layerlab/layerlab/web"
	"github.com/layerlab/layerlab/web/sqlite"
)

type recordedEvents struct {
	mu  sync.Mutex
	got []web.LearningEvent
}

func (r *recordedEvents) LearningEvent(_ context.Context, e web.LearningEvent) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.got = append(r.got, e)
}

func (r *recordedEvents) kinds() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var ks []string
	for _, e := range r.got {
		ks = append(ks, fmt.Sprintf("%s %s %d", e.Kind, e.Lesson+e.Question, e.Step))
	}
	return ks
}

func eventServer(t *testing.T, sink web.EventSink) *testServer {
	t.Helper()
	return serveDB(t, filepath.Join(t.TempDir(), "layerlab.db"), web.Config{AnswerRate: -1}, func(_ *sqlite.DB, d *web.Deps) {
		d.Events = []web.EventSink{sink}
	})
}

// An answer is heard once, however often its client id is posted.
func TestEventsAnswerOnce(t *testing.T) {
	rec := &recordedEvents{}
	ts := eventServer(t, rec)
	cl := learnerClient(t)
	ids := dealtIDs(t, cl, ts.URL, "image-vs-container", "")
	body := `{"client_id":"e1","answer":` + pick(t, ids, "what-is-an-image", "A frozen") + `}`
	for range 2 {
		if code, m := postWith(t, cl, ts.URL+"/api/quizzes/image-vs-container/questions/what-is-an-image/answers", "application/json", body); code != 200 {
			t.Fatalf("answer: %d %v", code, m)
		}
	}
	got := rec.kinds()
	if len(got) != 1 || got[0] != "answered what-is-an-image 0" {
		t.Fatalf("events %q, want one answered", got)
	}
	if e := rec.got[0]; !e.Correct || e.Quiz != "image-vs-container" || e.Learner == "" || e.Source != "playground" {
		t.Errorf("event %+v", e)
	}
}

// Doing a lesson's steps is heard step by step, then the lesson once.
func TestEventsLessonSteps(t *testing.T) {
	rec := &recordedEvents{}
	ts := eventServer(t, rec)
	l := completeLesson(t, ts, learnerCookie(t, ts.URL), "images-and-containers")
	var want []string
	for i := range l.Steps {
		want = append(want, fmt.Sprintf("step-completed %s %d", l.ID, i))
	}
	want = append(want, fmt.Sprintf("lesson-completed %s 0", l.ID))
	if got := rec.kinds(); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("events\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// completeLesson does every step of a lesson of commands over the
// websocket, as the learner the cookie names.
func completeLesson(t *testing.T, ts *testServer, cookie, id string) *lessons.Lesson {
	t.Helper()
	course, probs := lessons.Load(lessons.Files)
	if len(probs) > 0 {
		t.Fatalf("lessons: %v", probs)
	}
	l, ok := course.Lesson(id)
	if !ok {
		t.Fatalf("no lesson %s", id)
	}
	conn, _, err := websocket.DefaultDialer.Dial(wsURL(ts)+"?lesson="+l.ID, http.Header{"Origin": {ts.URL}, "Cookie": {cookie}})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	read(t, conn) // hello
	for i, st := range l.Steps {
		for _, a := range st.Solution {
			if a.Command == "" {
				t.Fatalf("step %d needs a file edit; pick a lesson of commands", i+1)
			}
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
	return l
}
