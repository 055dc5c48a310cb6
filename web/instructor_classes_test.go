package web_test

import (
	"encoding/csv"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/layerlab/layerlab/web"
)

var joinLink = regexp.MustCompile(`data-testid="join-link">([^<]+)<`)

// What instructors and learners type is bounded; codes and class ids that
// are not theirs find nothing; the CSV names the class of a member.
func TestInstructorClassLimits(t *testing.T) {
	ts := newQuizServer(t, web.Config{AnswerRate: -1}, nil)
	client := instructorClient(t, ts)
	_, page := do(t, client, mustReq(t, "GET", ts.URL+"/instructor", nil))
	csrf := csrfField.FindStringSubmatch(page)[1]
	create := func(name string) *http.Response {
		form := url.Values{"_csrf": {csrf}, "name": {name}}
		req := mustReq(t, "POST", ts.URL+"/instructor/classes", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		res, _ := do(t, client, req)
		return res
	}
	for _, bad := range []string{"", "   ", strings.Repeat("x", 81), "tab\x07bell"} {
		if res := create(bad); res.StatusCode != http.StatusBadRequest {
			t.Errorf("class name %q: %d, want 400", bad, res.StatusCode)
		}
	}
	res := create("  Monday   group ")
	if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/instructor?class=") {
		t.Fatalf("creating a class: %d %s", res.StatusCode, res.Header.Get("Location"))
	}
	_, page = do(t, client, mustReq(t, "GET", ts.URL+res.Header.Get("Location"), nil))
	m := joinLink.FindStringSubmatch(page)
	if m == nil || !strings.Contains(page, "Members of Monday group") {
		t.Fatalf("the class page has no join link or a wrong name:\n%s", page)
	}
	link := m[1]
	for _, q := range []string{"?class=999", "?class=x", "?class=-1"} {
		if res, _ := do(t, client, mustReq(t, "GET", ts.URL+"/instructor"+q, nil)); res.StatusCode != http.StatusNotFound {
			t.Errorf("dashboard %s: %d, want 404", q, res.StatusCode)
		}
	}
	for _, code := range []string{"nosuchcode", "UPPER", strings.Repeat("a", 40), "a.b"} {
		if res, _ := do(t, http.DefaultClient, mustReq(t, "GET", ts.URL+"/join/"+code, nil)); res.StatusCode != http.StatusNotFound {
			t.Errorf("join %s: %d, want 404", code, res.StatusCode)
		}
	}

	// A learner joins, tries a name too long, then a good one, and answers.
	learner := learnerClient(t)
	res, page = do(t, learner, mustReq(t, "GET", link, nil))
	if res.StatusCode != 200 || !strings.Contains(page, "You are in the class Monday group") {
		t.Fatalf("join: %d", res.StatusCode)
	}
	// A learner is not in the instructor area: the header says nothing of it.
	if strings.Contains(page, "</a> · instructors") {
		t.Error("the join page's header tells a learner they are among instructors")
	}
	lcsrf := csrfField.FindStringSubmatch(page)[1]
	name := func(n string) int {
		form := url.Values{"_csrf": {lcsrf}, "name": {n}}
		req := mustReq(t, "POST", link, strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		res, _ := do(t, learner, req)
		return res.StatusCode
	}
	if st := name(strings.Repeat("é", 41)); st != http.StatusBadRequest {
		t.Errorf("a 41-character name: %d, want 400", st)
	}
	if st := name("=Ada"); st != 200 {
		t.Errorf("naming: %d", st)
	}
	form := url.Values{"name": {"Mallory"}}
	req := mustReq(t, "POST", link, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if res, _ := do(t, http.DefaultClient, req); res.StatusCode != http.StatusForbidden {
		t.Errorf("a name posted without the form's token: %d, want 403", res.StatusCode)
	}
	ids := dealtIDs(t, learner, ts.URL, "image-vs-container", "")
	if st, _ := postWith(t, learner, ts.URL+fmt.Sprintf(answerPath, "what-is-an-image"), "application/json",
		`{"client_id":"m1","answer":`+pick(t, ids, "what-is-an-image", "A frozen")+`}`); st != 200 {
		t.Fatal("answer refused")
	}
	_, page = do(t, client, mustReq(t, "GET", ts.URL+"/instructor?class=1", nil))
	if !strings.Contains(page, "=Ada") || strings.Contains(page, "Mallory") {
		t.Errorf("the member list does not show the chosen name alone")
	}
	_, body := do(t, client, mustReq(t, "GET", ts.URL+"/instructor/export.csv", nil))
	recs, err := csv.NewReader(strings.NewReader(body)).ReadAll()
	if err != nil || len(recs) != 2 || recs[1][2] != "Monday group" {
		t.Errorf("CSV class column: %v %v", recs, err)
	}
}
