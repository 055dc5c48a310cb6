package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"layerlab/lessons"
	"layerlab/web"
)

// instructorClient logs an instructor in over HTTP and returns a client
// carrying the login cookie.
func instructorClient(t *testing.T, ts *testServer) *http.Client {
	t.Helper()
	addInstructor(t, ts, "teacher@example.org", "correct horse battery")
	jar, _ := cookiejar.New(nil)
	client := noRedirect(jar)
	_, page := do(t, client, mustReq(t, "GET", ts.URL+"/instructor/login", nil))
	m := csrfField.FindStringSubmatch(page)
	if m == nil {
		t.Fatal("no CSRF field in the login page")
	}
	form := url.Values{"_csrf": {m[1]}, "email": {"teacher@example.org"}, "password": {"correct horse battery"}}
	req := mustReq(t, "POST", ts.URL+"/instructor/login", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if res, body := do(t, client, req); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("login: %d %s", res.StatusCode, body)
	}
	return client
}

var lessonRow = regexp.MustCompile(`data-testid="lesson-row" data-lesson="([^"]+)" data-learners="(\d+)" data-completed="(\d+)"`)

// The progress table counts from the stored steps, against the lesson
// files: five learners started the first lesson and one did every step, so
// it says 5 learners, 1 completed, 20% — not 5 of 5. A learner who did one
// step twice is still one learner; a lesson the course no longer has is
// listed without a claimed completion.
func TestInstructorDashboardLessonNumbers(t *testing.T) {
	ts := newQuizServer(t, web.Config{}, nil)
	course, probs := lessons.Load(lessons.Files)
	if len(probs) > 0 || len(course.Lessons) < 2 {
		t.Fatalf("the course: %v", probs)
	}
	first, second := course.Lessons[0], course.Lessons[1]
	if len(first.Steps) < 2 {
		t.Fatalf("%s has %d steps; the test needs two or more", first.ID, len(first.Steps))
	}
	ctx, at := context.Background(), time.Date(2026, 12, 6, 9, 0, 0, 0, time.UTC)
	save := func(learner, lesson string, step int) {
		if err := ts.db.SaveProgress(ctx, learner, lesson, step, at); err != nil {
			t.Fatal(err)
		}
	}
	for i := range len(first.Steps) {
		save("finisher", first.ID, i)
	}
	save("finisher", first.ID, 0)
	for i := range 4 {
		// Four learners who each did every step but the last.
		for s := range len(first.Steps) - 1 {
			save(fmt.Sprintf("stuck%d", i), first.ID, s)
		}
	}
	save("stuck0", second.ID, 0)
	save("stuck0", "a-lesson-since-removed", 0)

	client := instructorClient(t, ts)
	res, page := do(t, client, mustReq(t, "GET", ts.URL+"/instructor", nil))
	if res.StatusCode != 200 {
		t.Fatalf("dashboard: %d", res.StatusCode)
	}
	got := map[string]string{}
	for _, m := range lessonRow.FindAllStringSubmatch(page, -1) {
		got[m[1]] = m[2] + " learners, " + m[3] + " completed"
	}
	want := map[string]string{
		first.ID:                 "5 learners, 1 completed",
		second.ID:                "1 learners, 0 completed",
		"a-lesson-since-removed": "1 learners, 0 completed",
	}
	for id, w := range want {
		if got[id] != w {
			t.Errorf("lesson %s: %q, want %q", id, got[id], w)
		}
	}
	if len(got) != len(course.Lessons)+1 {
		t.Errorf("%d lesson rows, want every lesson of the course (%d) and the removed one", len(got), len(course.Lessons))
	}
	if !strings.Contains(page, ">20%<") {
		t.Error("the first lesson's completion is not shown as 20%")
	}
	if strings.Contains(page, ">100%<") {
		t.Error("some lesson claims 100% completion")
	}
}
