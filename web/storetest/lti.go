package storetest

import (
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/layerlab/layerlab/web"
)

var ltiNow = time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)

func addPlatform(t *testing.T, s Store, issuer, client string, deps ...string) web.LTIPlatform {
	t.Helper()
	p, err := s.AddPlatform(ctx, web.LTIPlatform{
		Issuer: issuer, ClientID: client, AuthURL: issuer + "/auth", TokenURL: issuer + "/token",
		JWKSURL: issuer + "/jwks", Deployments: deps, Added: ltiNow,
	})
	must(t, err)
	return p
}

func ltiPlatforms(t *testing.T, s Store) {
	ps, err := s.Platforms(ctx)
	must(t, err)
	if len(ps) != 0 {
		t.Fatalf("platforms of an empty store: %v", ps)
	}
	a := addPlatform(t, s, "https://lms.example", "tool-1", "d1", "d2")
	b := addPlatform(t, s, "https://lms.example", "tool-2")
	if _, err := s.AddPlatform(ctx, web.LTIPlatform{Issuer: "https://lms.example", ClientID: "tool-1", Added: ltiNow}); !errors.Is(err, web.ErrPlatformExists) {
		t.Errorf("the same issuer and client id twice: %v, want ErrPlatformExists", err)
	}
	// An update changes the URLs and deployments, and nothing else.
	upd := a
	upd.JWKSURL, upd.Deployments, upd.ID, upd.Added = "https://lms.example/keys2", []string{"d3"}, 0, time.Time{}
	found, err := s.UpdatePlatform(ctx, upd)
	must(t, err)
	if !found {
		t.Error("updating a registered platform: not found")
	}
	a.JWKSURL, a.Deployments = "https://lms.example/keys2", []string{"d3"}
	if found, err := s.UpdatePlatform(ctx, web.LTIPlatform{Issuer: "https://lms.example", ClientID: "tool-9"}); err != nil || found {
		t.Errorf("updating a platform never registered: %v %v", found, err)
	}
	ps, err = s.Platforms(ctx)
	must(t, err)
	want := []web.LTIPlatform{a, b}
	want[1].Deployments = []string{}
	if diff := cmp.Diff(want, ps); diff != "" {
		t.Errorf("platforms (-want +got):\n%s", diff)
	}

	// The first key stored stays the key.
	k1, err := s.ToolKey(ctx, []byte("first"))
	must(t, err)
	k2, err := s.ToolKey(ctx, []byte("second"))
	must(t, err)
	if string(k1) != "first" || string(k2) != "first" {
		t.Errorf("tool keys %q then %q, want the first kept", k1, k2)
	}
}

func ltiLoginState(t *testing.T, s Store) {
	p := addPlatform(t, s, "https://lms.example", "tool")
	st := web.LTILoginState{Platform: p.ID, Nonce: "n1", Target: "https://tool/lessons/x", Expires: ltiNow.Add(10 * time.Minute)}
	must(t, s.SaveLoginState(ctx, "state-1", st, ltiNow))
	must(t, s.SaveLoginState(ctx, "state-old", web.LTILoginState{Platform: p.ID, Nonce: "n0", Expires: ltiNow.Add(-time.Second)}, ltiNow.Add(-time.Minute)))
	got, ok, err := s.TakeLoginState(ctx, "state-1", ltiNow)
	must(t, err)
	if !ok || got.Nonce != "n1" || got.Target != st.Target || got.Platform != p.ID || !got.Expires.Equal(st.Expires) {
		t.Errorf("taken state %+v %v, want %+v", got, ok, st)
	}
	if _, ok, _ := s.TakeLoginState(ctx, "state-1", ltiNow); ok {
		t.Error("a state was taken twice")
	}
	if _, ok, _ := s.TakeLoginState(ctx, "state-old", ltiNow); ok {
		t.Error("an expired state was taken")
	}
	if _, ok, _ := s.TakeLoginState(ctx, "never", ltiNow); ok {
		t.Error("a state never saved was taken")
	}

	fresh, err := s.UseNonce(ctx, p.ID, "abc", ltiNow.Add(time.Hour), ltiNow)
	must(t, err)
	again, err := s.UseNonce(ctx, p.ID, "abc", ltiNow.Add(time.Hour), ltiNow)
	must(t, err)
	if !fresh || again {
		t.Errorf("nonce first use %v, second %v; want true, false", fresh, again)
	}
	// Once expired, a nonce is forgotten (the token carrying it has
	// expired too, so it cannot be replayed).
	later, err := s.UseNonce(ctx, p.ID, "abc", ltiNow.Add(3*time.Hour), ltiNow.Add(2*time.Hour))
	must(t, err)
	if !later {
		t.Error("an expired nonce was still remembered")
	}
}

func ltiLaunches(t *testing.T, s Store) {
	p := addPlatform(t, s, "https://lms.example", "tool")
	q := addPlatform(t, s, "https://other.example", "tool")
	l1, err := s.LTILearner(ctx, p.ID, "user-1", "aaaa")
	must(t, err)
	l1again, err := s.LTILearner(ctx, p.ID, "user-1", "bbbb")
	must(t, err)
	l2, err := s.LTILearner(ctx, q.ID, "user-1", "cccc")
	must(t, err)
	if l1 != "aaaa" || l1again != "aaaa" || l2 != "cccc" {
		t.Errorf("learners %q %q %q, want aaaa aaaa cccc (a user is one learner per platform)", l1, l1again, l2)
	}

	must(t, s.SaveLaunch(ctx, web.LTILaunch{Platform: p.ID, Learner: "aaaa", Resource: "lesson:one", LineItem: "https://lms.example/li/1", UserID: "user-1", At: ltiNow}))
	must(t, s.SaveLaunch(ctx, web.LTILaunch{Platform: p.ID, Learner: "aaaa", Resource: "lesson:one", LineItem: "https://lms.example/li/2", UserID: "user-1", At: ltiNow.Add(time.Minute)}))
	must(t, s.SaveLaunch(ctx, web.LTILaunch{Platform: q.ID, Learner: "aaaa", Resource: "lesson:one", LineItem: "https://other.example/li", UserID: "u", At: ltiNow}))
	must(t, s.SaveLaunch(ctx, web.LTILaunch{Platform: p.ID, Learner: "aaaa", Resource: "quiz:q", LineItem: "https://lms.example/li/3", UserID: "user-1", At: ltiNow}))
	got, err := s.Launches(ctx, "aaaa", "lesson:one")
	must(t, err)
	want := []web.LTILaunch{
		{Platform: p.ID, Learner: "aaaa", Resource: "lesson:one", LineItem: "https://lms.example/li/2", UserID: "user-1", At: ltiNow.Add(time.Minute)},
		{Platform: q.ID, Learner: "aaaa", Resource: "lesson:one", LineItem: "https://other.example/li", UserID: "u", At: ltiNow},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("launches (-want +got):\n%s", diff)
	}
	none, err := s.Launches(ctx, "bbbb", "lesson:one")
	must(t, err)
	if len(none) != 0 {
		t.Errorf("launches of another learner: %v", none)
	}
}

func ltiScores(t *testing.T, s Store) {
	p := addPlatform(t, s, "https://lms.example", "tool")
	for i, body := range []string{`{"n":1}`, `{"n":2}`, `{"n":3}`} {
		must(t, s.QueueScore(ctx, web.LTIScore{Platform: p.ID, LineItem: "https://lms.example/li", Body: []byte(body),
			NextTry: ltiNow.Add(time.Duration(i) * time.Minute), Created: ltiNow}))
	}
	// Due now: the first only. Taken, it is leased: not due again at once.
	due, err := s.DueScores(ctx, ltiNow, time.Minute*5, 10)
	must(t, err)
	if len(due) != 1 || string(due[0].Body) != `{"n":1}` || due[0].Attempts != 1 {
		t.Fatalf("due now: %+v, want the first score, one attempt", due)
	}
	again, err := s.DueScores(ctx, ltiNow, time.Minute*5, 10)
	must(t, err)
	if len(again) != 0 {
		t.Fatalf("a leased score was due again: %+v", again)
	}
	// Three minutes on, the two others; max keeps to one.
	one, err := s.DueScores(ctx, ltiNow.Add(3*time.Minute), time.Minute, 1)
	must(t, err)
	if len(one) != 1 || string(one[0].Body) != `{"n":2}` {
		t.Fatalf("due with max 1: %+v", one)
	}
	must(t, s.ScoreSent(ctx, one[0].ID))
	must(t, s.ScoreRetry(ctx, due[0].ID, ltiNow.Add(time.Hour), "platform said 400", true))

	all, err := s.Scores(ctx)
	must(t, err)
	if len(all) != 2 {
		t.Fatalf("stored scores: %+v, want the failed one and the third", all)
	}
	if !all[0].Failed || all[0].LastErr != "platform said 400" || all[1].Failed {
		t.Errorf("stored scores: %+v", all)
	}
	// A failed score is kept but never due.
	later, err := s.DueScores(ctx, ltiNow.Add(48*time.Hour), time.Minute, 10)
	must(t, err)
	if len(later) != 1 || string(later[0].Body) != `{"n":3}` {
		t.Errorf("due two days on: %+v, want the third only", later)
	}
}
