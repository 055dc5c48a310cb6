package web_test

import (
	"context"
	"encoding/csv"
	"fmt"
	"html"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/layerlab/layerlab/web"
)

// loginAs makes an instructor account and logs it in.
func loginAs(t *testing.T, ts *testServer, email string) *http.Client {
	t.Helper()
	addInstructor(t, ts, email, "correct horse battery")
	jar, _ := cookiejar.New(nil)
	client := noRedirect(jar)
	_, page := do(t, client, mustReq(t, "GET", ts.URL+"/instructor/login", nil))
	form := url.Values{"_csrf": {csrfField.FindStringSubmatch(page)[1]}, "email": {email}, "password": {"correct horse battery"}}
	req := mustReq(t, "POST", ts.URL+"/instructor/login", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if res, body := do(t, client, req); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("login %s: %d %s", email, res.StatusCode, body)
	}
	return client
}

// postForm posts a form with the CSRF token of the page at from.
func postForm(t *testing.T, client *http.Client, from, to string, form url.Values) (*http.Response, string) {
	t.Helper()
	_, page := do(t, client, mustReq(t, "GET", from, nil))
	m := csrfField.FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no CSRF field on %s", from)
	}
	form.Set("_csrf", m[1])
	req := mustReq(t, "POST", to, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return do(t, client, req)
}

var (
	memberLink = regexp.MustCompile(`href="(/instructor/classes/\d+/learners/l-[0-9a-f]{12})"`)
	replayLink = regexp.MustCompile(`href="([^"]+/replay\?[^"]+)" data-testid="replay-link" data-session="play"`)
	inviteLink = regexp.MustCompile(`data-testid="invite-link">([^<]+)<`)
)

// An instructor opens a member of their class: their answers in words,
// from the lesson they gave them in, and a replay of their playground that
// steps through the stored log without changing it. Other instructors see
// nothing of the learner until the owner invites them, by email or link.
func TestLearnerPageReplayAndInvites(t *testing.T) {
	ts := newQuizServer(t, web.Config{AnswerRate: -1}, nil)
	owner := loginAs(t, ts, "owner@example.org")
	other := loginAs(t, ts, "other@example.org")
	late := loginAs(t, ts, "late@example.org")
	res, _ := postForm(t, owner, ts.URL+"/instructor", ts.URL+"/instructor/classes", url.Values{"name": {"Monday"}})
	classPage := ts.URL + res.Header.Get("Location")
	_, page := do(t, owner, mustReq(t, "GET", classPage, nil))
	join := joinLink.FindStringSubmatch(page)[1]

	learner := learnerClient(t)
	if res, _ := postForm(t, learner, join, join, url.Values{"name": {"Ada"}}); res.StatusCode != 200 {
		t.Fatalf("joining: %d", res.StatusCode)
	}
	ids := dealtIDs(t, learner, ts.URL, "image-vs-container", "")
	answer := func(query, clientID string) int {
		st, _ := postWith(t, learner, ts.URL+fmt.Sprintf(answerPath, "what-is-an-image")+query, "application/json",
			`{"client_id":"`+clientID+`","answer":`+pick(t, ids, "what-is-an-image", "A frozen")+`}`)
		return st
	}
	// The quiz ends two lessons; the page says which one it was in.
	for _, l := range []string{"images-and-containers", "capstone"} {
		if page := mustGet(t, learner, ts.URL+"/lessons/"+l); !strings.Contains(page, `data-source="lesson" data-lesson="`+l+`"`) {
			t.Errorf("the quiz on the lesson page %s does not name its lesson", l)
		}
	}
	for q, want := range map[string]int{
		"?source=lesson&lesson=nope":     400,
		"?source=lesson&lesson=registry": 400, // ends with another quiz
		"?lesson=capstone":               400, // not from a lesson page
		"?source=lesson&lesson=capstone": 200,
	} {
		if st := answer(q, "a"+fmt.Sprint(len(q))); st != want {
			t.Errorf("answer %s: %d, want %d", q, st, want)
		}
	}
	id := learnerOf(t, learner.Jar, ts.URL)
	ctx := context.Background()
	log := []web.LogEntry{
		{Kind: "cmd", Line: "docker build -t pageturn ."},
		{Kind: "file", Path: "notes.txt", Data: []byte("my <b>notes</b>\n")},
		{Kind: "cmd", Line: "docker run -d --name web pageturn"},
	}
	if err := ts.db.SaveSession(ctx, id, "play", 42, log); err != nil {
		t.Fatal(err)
	}
	// A learner who never joined has a session too, and stays unseen.
	stranger := learnerClient(t)
	dealtIDs(t, stranger, ts.URL, "image-vs-container", "")
	if err := ts.db.SaveSession(ctx, learnerOf(t, stranger.Jar, ts.URL), "play", 1, log); err != nil {
		t.Fatal(err)
	}

	m := memberLink.FindStringSubmatch(mustGet(t, owner, classPage))
	if m == nil {
		t.Fatal("the class page links no member")
	}
	learnerPage := ts.URL + m[1]
	page = mustGet(t, owner, learnerPage)
	for _, want := range []string{
		`data-testid="learner-name">Ada<`, "class Monday",
		`data-testid="answer-text">A frozen, read-only stack`, "✓ correct",
		`data-testid="answer-source">lesson “Capstone: ship Pageturn”<`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("the learner page lacks %q", want)
		}
	}
	if n := strings.Count(page, `data-testid="learner-answer"`); n != 1 {
		t.Errorf("%d answers listed, want 1 (refused answers are not stored)", n)
	}
	r := replayLink.FindStringSubmatch(page)
	if r == nil {
		t.Fatal("no replay link for the playground")
	}
	replay := ts.URL + html.UnescapeString(r[1])
	steps := []struct{ command, container string }{
		{"Before the learner's first command", ""},
		{"$ docker build -t pageturn .", ""},
		{"The learner saved an edit of notes.txt.", ""},
		{"$ docker run -d --name web pageturn", `data-name="web"`},
	}
	for i, st := range steps {
		u := strings.Replace(replay, "step=0", fmt.Sprintf("step=%d", i), 1)
		page := mustGet(t, owner, u)
		if !strings.Contains(page, st.command) || !strings.Contains(page, fmt.Sprintf(`data-step="%d" data-total="3"`, i)) {
			t.Errorf("step %d does not show %q", i, st.command)
		}
		if st.container != "" && !strings.Contains(page, st.container) {
			t.Errorf("step %d's picture lacks %s", i, st.container)
		}
		if i == 2 && !strings.Contains(page, "my &lt;b&gt;notes&lt;/b&gt;") {
			t.Errorf("the file edit is not shown escaped")
		}
		if i == 1 && (!strings.Contains(page, "pageturn") || strings.Contains(page, `data-name="web"`)) {
			t.Errorf("step 1's picture is not the built image alone")
		}
	}
	for q, want := range map[string]int{"step=4": 400, "step=-1": 400, "step=x": 400} {
		u := strings.Replace(replay, "step=0", q, 1)
		if res, _ := do(t, owner, mustReq(t, "GET", u, nil)); res.StatusCode != want {
			t.Errorf("replay %s: %d, want %d", q, res.StatusCode, want)
		}
	}
	for _, sess := range []string{"lesson:nope", "evil", "lesson:capstone", ""} {
		u := learnerPage + "/replay?" + url.Values{"session": {sess}}.Encode()
		if res, _ := do(t, owner, mustReq(t, "GET", u, nil)); res.StatusCode != http.StatusNotFound {
			t.Errorf("replay of %s: %d, want 404", sess, res.StatusCode)
		}
	}
	// A lesson's session replays with the step the learner was on.
	if err := ts.db.SaveSession(ctx, id, "lesson:images-and-containers", 5, []web.LogEntry{
		{Kind: "cmd", Line: "docker images"},
		{Kind: "cmd", Line: "docker build -t pageturn ."},
	}); err != nil {
		t.Fatal(err)
	}
	lessonReplay := learnerPage + "/replay?" + url.Values{"session": {"lesson:images-and-containers"}}.Encode() + "&step="
	for step, want := range []string{
		"Working on step 1 of 5: Build the image (0 done)",
		"Working on step 1 of 5: Build the image (0 done)",
		"Working on step 2 of 5: Start a container from it (1 done)",
	} {
		if page := mustGet(t, owner, lessonReplay+fmt.Sprint(step)); !strings.Contains(page, `data-testid="replay-lesson">`+want+`<`) {
			t.Errorf("lesson replay step %d does not say %q", step, want)
		}
	}
	if page := mustGet(t, owner, learnerPage); !strings.Contains(page, `data-lesson="images-and-containers" data-done="0"`) {
		t.Error("the learner page does not list the lesson started, with no step done")
	}
	if p, err := ts.db.Progress(ctx, id); err != nil || len(p) != 0 {
		t.Errorf("the replay stored progress for the learner: %v %v", p, err)
	}
	if p, err := ts.db.Progress(ctx, ""); err != nil || len(p) != 0 {
		t.Errorf("the replay stored progress for nobody: %v %v", p, err)
	}

	// Read-only: the stored session is as it was.
	seed, got, _, err := ts.db.LoadSession(ctx, id, "play")
	if err != nil || seed != 42 || len(got) != 3 {
		t.Errorf("the replay changed the learner's session: %d %d %v", seed, len(got), err)
	}

	// Other instructors, and learners not in the class, are not found.
	strangerPage := regexp.MustCompile(`l-[0-9a-f]{12}$`).ReplaceAllString(learnerPage, "l-000000000000")
	for _, c := range []struct {
		client *http.Client
		url    string
	}{{other, learnerPage}, {other, replay}, {owner, strangerPage}, {owner, strings.Replace(learnerPage, "/classes/1/", "/classes/2/", 1)}} {
		if res, body := do(t, c.client, mustReq(t, "GET", c.url, nil)); res.StatusCode != http.StatusNotFound || strings.Contains(body, "Ada") {
			t.Errorf("%s: %d, want 404 without the learner", c.url, res.StatusCode)
		}
	}
	if res, _ := do(t, http.DefaultClient, mustReq(t, "GET", learnerPage, nil)); res.Request.URL.Path != "/instructor/login" {
		t.Errorf("a learner page without a login went to %s", res.Request.URL)
	}

	// Invites: by email, refused for bad input, unknown accounts and the
	// owner; the invited instructor sees the class but does not invite.
	invite := classPage[:strings.Index(classPage, "/instructor")] + "/instructor/classes/1/instructors"
	for _, bad := range []string{"", "not-an-email", "nobody@example.org", "OWNER@example.org", strings.Repeat("x", 250) + "@example.org"} {
		if res, _ := postForm(t, owner, classPage, invite, url.Values{"email": {bad}}); res.StatusCode != http.StatusBadRequest {
			t.Errorf("inviting %q: %d, want 400", bad, res.StatusCode)
		}
	}
	if res, _ := postForm(t, other, ts.URL+"/instructor", invite, url.Values{"email": {"other@example.org"}}); res.StatusCode != http.StatusNotFound {
		t.Errorf("a stranger inviting themselves: %d, want 404", res.StatusCode)
	}
	if res, _ := postForm(t, owner, classPage, invite, url.Values{"email": {"Other@example.org"}}); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("inviting other: %d", res.StatusCode)
	}
	if page := mustGet(t, other, learnerPage); !strings.Contains(page, "Ada") {
		t.Error("the invited instructor does not see the learner")
	}
	if page := mustGet(t, other, ts.URL+"/instructor"); !strings.Contains(page, "owner@example.org (you were invited)") {
		t.Error("the invited instructor's dashboard does not list the class")
	}
	if res, _ := postForm(t, other, classPage, invite, url.Values{"email": {"late@example.org"}}); res.StatusCode != http.StatusForbidden {
		t.Errorf("an invited instructor inviting: %d, want 403", res.StatusCode)
	}
	if page := mustGet(t, owner, classPage); !strings.Contains(page, `data-testid="co-instructor">other@example.org<`) {
		t.Error("the class page does not list the invited instructor")
	}

	// An invite link: shown once, accepted by a logged-in instructor.
	makeLink := ts.URL + "/instructor/classes/1/invite-link"
	res, page = postForm(t, owner, classPage, makeLink, url.Values{})
	lm := inviteLink.FindStringSubmatch(page)
	if res.StatusCode != 200 || lm == nil {
		t.Fatalf("making an invite link: %d", res.StatusCode)
	}
	link := lm[1]
	if res, _ := postForm(t, other, classPage, makeLink, url.Values{}); res.StatusCode != http.StatusForbidden {
		t.Errorf("an invited instructor making a link: %d, want 403", res.StatusCode)
	}
	if res, _ := do(t, late, mustReq(t, "GET", learnerPage, nil)); res.StatusCode != http.StatusNotFound {
		t.Errorf("before accepting: %d", res.StatusCode)
	}
	if res, _ := postForm(t, late, link, strings.Replace(link, link[len(link)-4:], "0000", 1), url.Values{}); res.StatusCode != http.StatusNotFound {
		t.Errorf("a made-up invite token: %d, want 404", res.StatusCode)
	}
	res, _ = postForm(t, late, link, link, url.Values{})
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/instructor?class=1" {
		t.Fatalf("accepting: %d %s", res.StatusCode, res.Header.Get("Location"))
	}
	if page := mustGet(t, late, learnerPage); !strings.Contains(page, "Ada") {
		t.Error("the instructor who accepted does not see the learner")
	}
	// A new link stops the old one.
	postForm(t, owner, classPage, makeLink, url.Values{})
	if res, _ := postForm(t, other, link, link, url.Values{}); res.StatusCode != http.StatusNotFound {
		t.Errorf("a replaced link: %d, want 404", res.StatusCode)
	}

	// The CSV and the dashboard say which lesson the answer came from.
	_, body := do(t, owner, mustReq(t, "GET", ts.URL+"/instructor/export.csv", nil))
	recs, err := csv.NewReader(strings.NewReader(body)).ReadAll()
	if err != nil || len(recs) != 2 || recs[1][7] != "lesson:capstone" {
		t.Errorf("CSV source: %v %v", recs, err)
	}
	var sources []string
	for _, m := range regexp.MustCompile(`data-testid="quiz-source" data-lesson="([^"]*)">([^<]*)<`).FindAllStringSubmatch(mustGet(t, owner, classPage), -1) {
		sources = append(sources, m[1]+"|"+m[2])
	}
	if diff := cmp.Diff([]string{"capstone|lesson “Capstone: ship Pageturn”: 1"}, sources); diff != "" {
		t.Errorf("dashboard sources (-want +got):\n%s", diff)
	}
}

func mustGet(t *testing.T, client *http.Client, u string) string {
	t.Helper()
	res, body := do(t, client, mustReq(t, "GET", u, nil))
	if res.StatusCode != 200 {
		t.Fatalf("GET %s: %d %s", u, res.StatusCode, body)
	}
	return body
}

// A replay reaches the first maxReplaySteps (500) entries of a log and no
// further: the page says so, and asking for a later step is refused with
// the reason.
func TestReplayStopsAtItsLimit(t *testing.T) {
	ts := newQuizServer(t, web.Config{AnswerRate: -1}, nil)
	owner := loginAs(t, ts, "owner@example.org")
	res, _ := postForm(t, owner, ts.URL+"/instructor", ts.URL+"/instructor/classes", url.Values{"name": {"Big"}})
	classPage := ts.URL + res.Header.Get("Location")
	join := joinLink.FindStringSubmatch(mustGet(t, owner, classPage))[1]
	learner := learnerClient(t)
	mustGet(t, learner, join)
	log := make([]web.LogEntry, 501)
	for i := range log {
		log[i] = web.LogEntry{Kind: "cmd", Line: fmt.Sprintf("docker ps -q # %d", i+1)}
	}
	if err := ts.db.SaveSession(context.Background(), learnerOf(t, learner.Jar, ts.URL), "play", 3, log); err != nil {
		t.Fatal(err)
	}
	learnerPage := ts.URL + memberLink.FindStringSubmatch(mustGet(t, owner, classPage))[1]
	base := learnerPage + "/replay?session=play&step="
	page := mustGet(t, owner, base+"500")
	if !strings.Contains(page, "This session has 501 steps; a replay shows the first 500.") ||
		!strings.Contains(page, "$ docker ps -q # 500") || strings.Contains(page, `id="replay-next" href`) {
		t.Error("the last step a replay reaches does not say the replay stops there")
	}
	res, body := do(t, owner, mustReq(t, "GET", base+"501", nil))
	if res.StatusCode != http.StatusBadRequest || !strings.Contains(body, "a replay shows the first 500 of a session&#39;s steps; this session has 501") {
		t.Errorf("step 501: %d %s", res.StatusCode, body)
	}
	if n := strings.Count(page, `<li><a href=`) + strings.Count(page, `aria-current="step"`); n != 500 {
		t.Errorf("the list of steps has %d entries, want 500", n)
	}
}
