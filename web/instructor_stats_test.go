package web_test

import (
	"context"
	"encoding/csv"
	"fmt"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/layerlab/layerlab/lessons"
	"github.com/layerlab/layerlab/quizzes"
	"github.com/layerlab/layerlab/web"
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

// The CSV on known data: each answer in words, where it was given (the
// lesson's id, the playground, the embedding site), the learner by a
// stable pseudonym that is not their cookie, an empty class, and cells a
// spreadsheet would run as formulas defused.
func TestInstructorCSV(t *testing.T) {
	ts := newQuizServer(t, web.Config{AnswerRate: -1}, nil)
	cl := learnerClient(t)
	ids := dealtIDs(t, cl, ts.URL, "image-vs-container", "")
	api := ts.URL + fmt.Sprintf(answerPath, "what-is-an-image")
	if status, out := postWith(t, cl, api, "application/json", `{"client_id":"play1","answer":`+pick(t, ids, "what-is-an-image", "A frozen")+`}`); status != 200 {
		t.Fatalf("answer: %d %v", status, out)
	}
	u, _ := url.Parse(ts.URL)
	var learner string
	for _, ck := range cl.Jar.Cookies(u) {
		if ck.Name == "layerlab_learner" {
			learner, _, _ = strings.Cut(ck.Value, ".")
		}
	}
	if learner == "" {
		t.Fatal("the learner has no cookie")
	}
	const widget = "0123456789abcdef0123456789abcdef"
	embedIDs := dealtIDs(t, http.DefaultClient, ts.URL, "image-vs-container", "embed=https://blog.example&learner="+widget)
	if status, _ := post(t, api+"?embed=https://blog.example", "application/json", `{"client_id":"emb1","answer":`+pick(t, embedIDs, "what-is-an-image", "A running")+`,"learner":"`+widget+`"}`); status != 200 {
		t.Fatal("embed answer refused")
	}
	at := time.Date(2026, 12, 6, 10, 0, 0, 0, time.UTC)
	first := firstQuestion(t, "registry")
	if first.Type != quizzes.Single {
		t.Fatalf("%s is %s; the test wants a single-choice question", first.ID, first.Type)
	}
	for _, a := range []web.Answer{
		// A lesson's quiz (registry ends one lesson only), answered in the lesson; stored as the quiz file's ids.
		{ClientID: "les1", Learner: learner, Quiz: "registry", Question: first.ID, Answer: `"a"`, Source: "lesson", Time: at},
		// A free-text prediction that looks like a formula.
		{ClientID: "=cmd", Learner: learner, Quiz: "many-containers", Question: "ps-size", Answer: `"=HYPERLINK(\"https://evil.example\")"`, Source: "playground", Time: at},
	} {
		if _, err := ts.db.SaveAnswer(context.Background(), a); err != nil {
			t.Fatal(err)
		}
	}

	client := instructorClient(t, ts)
	res, body := do(t, client, mustReq(t, "GET", ts.URL+"/instructor/export.csv", nil))
	if res.StatusCode != 200 || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/csv") {
		t.Fatalf("export: %d %s", res.StatusCode, res.Header.Get("Content-Type"))
	}
	recs, err := csv.NewReader(strings.NewReader(body)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(recs[0], ","); got != "time,learner,class,quiz,question,answer,correct,source,client_id,answer_json" {
		t.Fatalf("header %s", got)
	}
	rows := map[string]map[string]string{}
	for _, r := range recs[1:] {
		row := map[string]string{}
		for i, h := range recs[0] {
			row[h] = r[i]
		}
		rows[row["client_id"]] = row
	}
	if len(rows) != 4 || len(recs) != 5 {
		t.Fatalf("%d rows, want 4:\n%s", len(recs)-1, body)
	}
	check := func(id, col, want string) {
		t.Helper()
		if got := rows[id][col]; got != want {
			t.Errorf("%s: %s is %q, want %q", id, col, got, want)
		}
	}
	check("play1", "source", "playground")
	check("play1", "answer", "A frozen, read-only stack of layers with the app, its dependencies and the start command, not running anything.")
	check("play1", "answer_json", `"a"`)
	check("play1", "correct", "true")
	check("play1", "class", "")
	check("emb1", "source", "embed:https://blog.example")
	check("emb1", "correct", "false")
	check("les1", "source", "lesson:registry")
	check("les1", "answer", strings.Join(strings.Fields(first.Choices[0].Text), " "))
	check("'=cmd", "answer", `'=HYPERLINK("https://evil.example")`)
	pseudo := rows["play1"]["learner"]
	if !regexp.MustCompile(`^l-[0-9a-f]{12}$`).MatchString(pseudo) || strings.Contains(body, learner) || strings.Contains(body, widget) {
		t.Errorf("learners are not pseudonymous: %q\n%s", pseudo, body)
	}
	if rows["les1"]["learner"] != pseudo || rows["emb1"]["learner"] == pseudo {
		t.Errorf("pseudonyms: one learner's answers carry %q and %q, another's %q", pseudo, rows["les1"]["learner"], rows["emb1"]["learner"])
	}
}

func firstQuestion(t *testing.T, quiz string) *quizzes.Question {
	t.Helper()
	set, err := quizzes.Load(quizzes.Files)
	if err != nil {
		t.Fatal(err)
	}
	q, ok := set.Quiz(quiz)
	if !ok || len(q.Questions) == 0 {
		t.Fatalf("no quiz %s", quiz)
	}
	return &q.Questions[0]
}
