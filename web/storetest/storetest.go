// Package storetest is the one test suite every layerlab store passes:
// web/sqlite and web/postgres run it against a real database of their
// kind, so the two behave the same for sessions, shares, lesson progress,
// answers and instructors.
package storetest

import (
	"context"
	"fmt"
	"math"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/layerlab/layerlab/web"
)

// Store is what a store under test implements: every interface web takes,
// and the two extras the command line and the crash tests use.
type Store interface {
	web.Store
	web.AnswerStore
	web.InstructorStore
	web.ProgressStore
	web.LearnerStore
	web.SecretStore
	web.LTIStore
	web.OutboxStore
	AddInstructor(ctx context.Context, email, passwordHash string) error
	CountAnswers(ctx context.Context) (int, error)
}

// Run runs the suite; open returns a new, empty store for one test, closed
// by the test's cleanup.
func Run(t *testing.T, open func(t *testing.T) Store) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s Store)
	}{
		// sessions and shares
		{"SessionMissing", sessionMissing},
		{"SessionRoundTrip", sessionRoundTrip},
		{"SessionAppendDropsUndone", sessionAppendDropsUndone},
		{"SessionTruncate", sessionTruncate},
		{"SessionSaveReplaces", sessionSaveReplaces},
		{"SessionsApartByLearnerAndMode", sessionsApart},
		{"ShareRoundTrip", shareRoundTrip},
		{"ShareSessionCopiedOnWrite", shareCopiedOnWrite},
		{"ShareSessionTruncated", shareTruncated},
		{"ShareSessionMissing", shareSessionMissing},
		// learners and health
		{"KnownLearner", knownLearner},
		{"ProbeWrite", probeWrite},
		// lesson progress
		{"ProgressFirstCompletionKept", progressKept},
		{"LessonProgressSummary", lessonProgressSummary},
		// answers
		{"AnswerStoredOnce", answerStoredOnce},
		{"AnswersConcurrentNoneLost", answersConcurrent},
		{"AnswerCountsAndOrigins", answerCounts},
		{"AllAnswersOldestFirst", allAnswersOrder},
		{"LatestAnswersPerQuestion", latestAnswers},
		// secrets
		{"SecretMadeOnceThenKept", secretKept},
		// instructors
		{"InstructorAccounts", instructorAccounts},
		{"InstructorLogins", instructorLogins},
		// classes
		{"ClassesJoinAndFilter", classes},
		{"ClassInstructorsAndInvites", classInvites},
		{"LearnerAnswersAndSources", learnerAnswers},
		{"SessionsOfALearner", sessionsList},
		// LTI
		{"LTIPlatforms", ltiPlatforms},
		{"LTILoginStateAndNonce", ltiLoginState},
		{"LTILearnersAndLaunches", ltiLaunches},
		{"LTIScoresLeasedAndKept", ltiScores},
		// the xAPI outbox
		{"OutboxClaimLeaseRetryRefuse", outboxLifecycle},
		{"OutboxLimit", outboxLimit},
		{"OutboxConcurrentClaimsApart", outboxConcurrentClaims},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tc.fn(t, open(t))
		})
	}
}

var ctx = context.Background()

// sameLog compares logs, an empty Data and a missing one alike.
func sameLog(t *testing.T, got, want []web.LogEntry) {
	t.Helper()
	if diff := cmp.Diff(want, got, cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("log (-want +got):\n%s", diff)
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func sessionMissing(t *testing.T, s Store) {
	_, _, found, err := s.LoadSession(ctx, "nobody", "play")
	must(t, err)
	if found {
		t.Fatal("found a session never saved")
	}
	_, _, found, err = s.LoadShare(ctx, "nothing")
	must(t, err)
	if found {
		t.Fatal("found a share never saved")
	}
}

var sampleLog = []web.LogEntry{
	{Kind: "cmd", Line: "docker build -t web ."},
	{Kind: "file", Path: "Dockerfile", Data: []byte("FROM alpine:3.19\nRUN echo ünïcode\n")},
	{Kind: "file", Path: "bin.dat", Data: []byte{0, 1, 2, 255}},
	{Kind: "rmfile", Path: "old.txt"},
	{Kind: "cmd", Line: "docker run --name w web"},
}

func sessionRoundTrip(t *testing.T, s Store) {
	// The whole uint64 range survives a signed 64-bit column.
	for _, seed := range []uint64{0, 42, math.MaxInt64 + 1, math.MaxUint64} {
		must(t, s.SaveSession(ctx, "l1", "play", seed, sampleLog))
		got, log, found, err := s.LoadSession(ctx, "l1", "play")
		must(t, err)
		if !found || got != seed {
			t.Fatalf("seed %d: loaded found=%v seed=%d", seed, found, got)
		}
		sameLog(t, log, sampleLog)
	}
}

func sessionAppendDropsUndone(t *testing.T, s Store) {
	must(t, s.SaveSession(ctx, "l1", "play", 7, sampleLog[:1]))
	for i, e := range sampleLog[1:] {
		must(t, s.AppendLog(ctx, "l1", "play", i+1, e))
	}
	_, log, _, err := s.LoadSession(ctx, "l1", "play")
	must(t, err)
	sameLog(t, log, sampleLog)
	// Appending at 2 after two undos drops what came after.
	redo := web.LogEntry{Kind: "cmd", Line: "docker images"}
	must(t, s.AppendLog(ctx, "l1", "play", 2, redo))
	_, log, _, err = s.LoadSession(ctx, "l1", "play")
	must(t, err)
	sameLog(t, log, append(append([]web.LogEntry{}, sampleLog[:2]...), redo))
}

func sessionTruncate(t *testing.T, s Store) {
	must(t, s.SaveSession(ctx, "l1", "lesson:first", 1, sampleLog))
	must(t, s.TruncateLog(ctx, "l1", "lesson:first", 2))
	_, log, _, err := s.LoadSession(ctx, "l1", "lesson:first")
	must(t, err)
	sameLog(t, log, sampleLog[:2])
	must(t, s.TruncateLog(ctx, "l1", "lesson:first", 0))
	seed, log, found, err := s.LoadSession(ctx, "l1", "lesson:first")
	must(t, err)
	if !found || seed != 1 || len(log) != 0 {
		t.Fatalf("after truncating to 0: found=%v seed=%d log=%v", found, seed, log)
	}
}

func sessionSaveReplaces(t *testing.T, s Store) {
	must(t, s.SaveSession(ctx, "l1", "play", 1, sampleLog))
	must(t, s.SaveSession(ctx, "l1", "play", 2, sampleLog[3:]))
	seed, log, _, err := s.LoadSession(ctx, "l1", "play")
	must(t, err)
	if seed != 2 {
		t.Errorf("seed %d, want 2", seed)
	}
	sameLog(t, log, sampleLog[3:])
	must(t, s.SaveSession(ctx, "l1", "play", 3, nil))
	_, log, _, err = s.LoadSession(ctx, "l1", "play")
	must(t, err)
	sameLog(t, log, nil)
}

func sessionsApart(t *testing.T, s Store) {
	must(t, s.SaveSession(ctx, "a", "play", 1, sampleLog[:1]))
	must(t, s.SaveSession(ctx, "a", "lesson:x", 2, sampleLog[1:2]))
	must(t, s.SaveSession(ctx, "b", "play", 3, sampleLog[2:3]))
	for _, c := range []struct {
		learner, mode string
		seed          uint64
		log           []web.LogEntry
	}{
		{"a", "play", 1, sampleLog[:1]},
		{"a", "lesson:x", 2, sampleLog[1:2]},
		{"b", "play", 3, sampleLog[2:3]},
	} {
		seed, log, found, err := s.LoadSession(ctx, c.learner, c.mode)
		must(t, err)
		if !found || seed != c.seed {
			t.Errorf("%s %s: found=%v seed=%d", c.learner, c.mode, found, seed)
		}
		sameLog(t, log, c.log)
	}
}

func shareRoundTrip(t *testing.T, s Store) {
	must(t, s.SaveShare(ctx, "abc", math.MaxUint64, sampleLog))
	// An id already taken keeps its first snapshot.
	must(t, s.SaveShare(ctx, "abc", 5, sampleLog[:1]))
	seed, log, found, err := s.LoadShare(ctx, "abc")
	must(t, err)
	if !found || seed != math.MaxUint64 {
		t.Fatalf("found=%v seed=%d", found, seed)
	}
	sameLog(t, log, sampleLog)
}

// A session opened from a share reads the shared log until its first
// write, which gives it a copy of its own; the share is never changed.
func shareCopiedOnWrite(t *testing.T, s Store) {
	must(t, s.SaveShare(ctx, "sh", 9, sampleLog))
	found, err := s.ShareSession(ctx, "l1", "play", "sh")
	must(t, err)
	if !found {
		t.Fatal("the share was not found")
	}
	seed, log, found, err := s.LoadSession(ctx, "l1", "play")
	must(t, err)
	if !found || seed != 9 {
		t.Fatalf("shared session: found=%v seed=%d", found, seed)
	}
	sameLog(t, log, sampleLog)
	// An undo of two, then a new entry: the copy keeps three of the share.
	extra := web.LogEntry{Kind: "cmd", Line: "docker ps"}
	must(t, s.AppendLog(ctx, "l1", "play", 3, extra))
	_, log, _, err = s.LoadSession(ctx, "l1", "play")
	must(t, err)
	sameLog(t, log, append(append([]web.LogEntry{}, sampleLog[:3]...), extra))
	_, log, _, err = s.LoadShare(ctx, "sh")
	must(t, err)
	sameLog(t, log, sampleLog)
	// Saving over a shared session drops the pointer too.
	_, err = s.ShareSession(ctx, "l2", "play", "sh")
	must(t, err)
	must(t, s.SaveSession(ctx, "l2", "play", 4, sampleLog[:1]))
	seed, log, _, err = s.LoadSession(ctx, "l2", "play")
	must(t, err)
	if seed != 4 {
		t.Errorf("seed %d after saving over a shared session, want 4", seed)
	}
	sameLog(t, log, sampleLog[:1])
}

func shareTruncated(t *testing.T, s Store) {
	must(t, s.SaveShare(ctx, "sh", 9, sampleLog))
	_, err := s.ShareSession(ctx, "l1", "play", "sh")
	must(t, err)
	must(t, s.TruncateLog(ctx, "l1", "play", 2))
	_, log, _, err := s.LoadSession(ctx, "l1", "play")
	must(t, err)
	sameLog(t, log, sampleLog[:2])
}

func shareSessionMissing(t *testing.T, s Store) {
	must(t, s.SaveSession(ctx, "l1", "play", 3, sampleLog[:1]))
	found, err := s.ShareSession(ctx, "l1", "play", "nothing")
	must(t, err)
	if found {
		t.Fatal("a share never saved was found")
	}
	_, log, _, err := s.LoadSession(ctx, "l1", "play")
	must(t, err)
	sameLog(t, log, sampleLog[:1])
}

func knownLearner(t *testing.T, s Store) {
	must(t, s.SaveSession(ctx, "with-session", "play", 1, nil))
	must(t, s.SaveProgress(ctx, "with-progress", "images", 0, time.Now()))
	for learner, want := range map[string]bool{"with-session": true, "with-progress": true, "stranger": false} {
		got, err := s.KnownLearner(ctx, learner)
		must(t, err)
		if got != want {
			t.Errorf("KnownLearner(%s) = %v, want %v", learner, got, want)
		}
	}
}

func probeWrite(t *testing.T, s Store) {
	for range 2 {
		must(t, s.ProbeWrite(ctx))
	}
}

func progressKept(t *testing.T, s Store) {
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	must(t, s.SaveProgress(ctx, "l1", "images", 0, t0))
	must(t, s.SaveProgress(ctx, "l1", "images", 2, t0))
	must(t, s.SaveProgress(ctx, "l1", "images", 0, t0.Add(time.Hour)))
	must(t, s.SaveProgress(ctx, "l1", "containers", 1, t0))
	must(t, s.SaveProgress(ctx, "l2", "images", 1, t0))
	got, err := s.Progress(ctx, "l1")
	must(t, err)
	want := map[string][]int{"images": {0, 2}, "containers": {1}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("progress (-want +got):\n%s", diff)
	}
	got, err = s.Progress(ctx, "nobody")
	must(t, err)
	if len(got) != 0 {
		t.Errorf("progress of nobody: %v", got)
	}
}

// Known data: l1 did steps 0, 1 and 2 of images (step 1 twice), l2 did
// step 0 only, l3 steps 0 and 2; l2 did step 0 of containers. A learner is
// counted once per lesson, by distinct steps.
func lessonProgressSummary(t *testing.T, s Store) {
	got, err := s.LessonProgress(ctx, 0)
	must(t, err)
	if len(got) != 0 {
		t.Errorf("an empty store summarizes %v", got)
	}
	now := time.Now()
	for _, p := range []struct {
		learner, lesson string
		step            int
	}{
		{"l1", "images", 0}, {"l1", "images", 1}, {"l1", "images", 1}, {"l1", "images", 2},
		{"l2", "images", 0}, {"l3", "images", 0}, {"l3", "images", 2},
		{"l2", "containers", 0},
	} {
		must(t, s.SaveProgress(ctx, p.learner, p.lesson, p.step, now))
	}
	got, err = s.LessonProgress(ctx, 0)
	must(t, err)
	want := []web.LessonSteps{
		{Lesson: "containers", Steps: 1, Learners: 1},
		{Lesson: "images", Steps: 1, Learners: 1},
		{Lesson: "images", Steps: 2, Learners: 1},
		{Lesson: "images", Steps: 3, Learners: 1},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("summary (-want +got):\n%s", diff)
	}
}

func answer(id, learner, question, given string, correct bool) web.Answer {
	return web.Answer{ClientID: id, Learner: learner, Quiz: "q1", Question: question, Answer: given, Correct: correct,
		Source: "lesson", Time: time.Date(2026, 12, 6, 10, 0, 0, 123456000, time.UTC)}
}

func answerStoredOnce(t *testing.T, s Store) {
	a := answer("c1", "l1", "what", `"b"`, true)
	a.Origin = "https://example.org"
	a.Source = "embed"
	stored, err := s.SaveAnswer(ctx, a)
	must(t, err)
	if !stored {
		t.Fatal("first save not stored")
	}
	again := a
	again.Answer = `"c"`
	stored, err = s.SaveAnswer(ctx, again)
	must(t, err)
	if stored {
		t.Fatal("second save with the same client id stored")
	}
	got, found, err := s.AnswerByClientID(ctx, "c1")
	must(t, err)
	if !found {
		t.Fatal("not found by client id")
	}
	if diff := cmp.Diff(a, got); diff != "" {
		t.Errorf("answer (-want +got):\n%s", diff)
	}
	if _, found, err = s.AnswerByClientID(ctx, "c2"); err != nil || found {
		t.Errorf("unknown client id: found=%v err=%v", found, err)
	}
	if n := s.QueuedAnswers(); n != 0 {
		t.Errorf("%d answers queued at rest", n)
	}
}

// answersConcurrent posts answers from many goroutines, each client id
// twice: every one is stored exactly once and acknowledged as such once.
func answersConcurrent(t *testing.T, s Store) {
	const n, workers = 600, 24
	var mu sync.Mutex
	storedBy := map[string]int{}
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < 2*n; i += workers {
				id := fmt.Sprintf("c%d", i%n)
				stored, err := s.SaveAnswer(ctx, answer(id, "l", "what", `"a"`, i%3 == 0))
				if err != nil {
					errs <- err
					return
				}
				if stored {
					mu.Lock()
					storedBy[id]++
					mu.Unlock()
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if len(storedBy) != n {
		t.Errorf("%d client ids acknowledged as stored, want %d", len(storedBy), n)
	}
	for id, k := range storedBy {
		if k != 1 {
			t.Errorf("%s acknowledged as stored %d times", id, k)
		}
	}
	count, err := s.CountAnswers(ctx)
	must(t, err)
	if count != n {
		t.Errorf("%d answers in the database, want %d", count, n)
	}
}

func answerCounts(t *testing.T, s Store) {
	for _, a := range []web.Answer{
		answer("1", "l1", "what", `"a"`, false),
		answer("2", "l2", "what", `"b"`, true),
		answer("3", "l3", "what", `"b"`, true),
		answer("4", "l1", "how", `["x","y"]`, true),
	} {
		_, err := s.SaveAnswer(ctx, a)
		must(t, err)
	}
	for i, o := range []string{"https://b.example", "https://a.example", "https://a.example"} {
		a := answer(fmt.Sprintf("e%d", i), fmt.Sprintf("l%d", i%2), "what", `"b"`, i != 1)
		a.Source, a.Origin = "embed", o
		_, err := s.SaveAnswer(ctx, a)
		must(t, err)
	}
	counts, err := s.AnswerCounts(ctx, 0)
	must(t, err)
	want := []web.AnswerCount{
		{Quiz: "q1", Question: "how", Answer: `["x","y"]`, Correct: true, N: 1},
		{Quiz: "q1", Question: "what", Answer: `"a"`, Correct: false, N: 1},
		{Quiz: "q1", Question: "what", Answer: `"b"`, Correct: false, N: 1},
		{Quiz: "q1", Question: "what", Answer: `"b"`, Correct: true, N: 4},
	}
	// Within one answer the order of correct/incorrect rows is not fixed
	// in SQLite's GROUP BY; compare as a set.
	if diff := cmp.Diff(want, counts, cmpopts.SortSlices(func(a, b web.AnswerCount) bool {
		return fmt.Sprint(a) < fmt.Sprint(b)
	})); diff != "" {
		t.Errorf("answer counts (-want +got):\n%s", diff)
	}
	origins, err := s.OriginCounts(ctx)
	must(t, err)
	wantOrigins := []web.OriginCount{
		{Origin: "https://a.example", N: 2, Correct: 1, Learners: 2},
		{Origin: "https://b.example", N: 1, Correct: 1, Learners: 1},
	}
	if diff := cmp.Diff(wantOrigins, origins); diff != "" {
		t.Errorf("origin counts (-want +got):\n%s", diff)
	}
}

func allAnswersOrder(t *testing.T, s Store) {
	var want []string
	for i := range 20 {
		id := fmt.Sprintf("z%02d", 20-i) // ids sort the other way round
		_, err := s.SaveAnswer(ctx, answer(id, "l", "what", `"a"`, true))
		must(t, err)
		want = append(want, id)
	}
	var got []string
	must(t, s.AllAnswers(ctx, func(a web.Answer) error {
		got = append(got, a.ClientID)
		return nil
	}))
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("order (-want +got):\n%s", diff)
	}
	stop := fmt.Errorf("stop")
	n := 0
	err := s.AllAnswers(ctx, func(web.Answer) error { n++; return stop })
	if n != 1 || err == nil {
		t.Errorf("a callback's error did not stop the listing: %d calls, err %v", n, err)
	}
}

func instructorAccounts(t *testing.T, s Store) {
	must(t, s.AddInstructor(ctx, "Ada@Example.org", "hash1"))
	id, hash, found, err := s.Instructor(ctx, "ada@example.org")
	must(t, err)
	if !found || hash != "hash1" || id == 0 {
		t.Fatalf("lookup in another case: id=%d hash=%q found=%v", id, hash, found)
	}
	// Adding the same email again, in any case, replaces the password.
	must(t, s.AddInstructor(ctx, "ADA@example.org", "hash2"))
	id2, hash, _, err := s.Instructor(ctx, " Ada@Example.org ")
	must(t, err)
	if hash != "hash2" || id2 != id {
		t.Errorf("after re-adding: id %d→%d, hash %q", id, id2, hash)
	}
	if _, _, found, err := s.Instructor(ctx, "bob@example.org"); err != nil || found {
		t.Errorf("unknown account: found=%v err=%v", found, err)
	}
}

func instructorLogins(t *testing.T, s Store) {
	must(t, s.AddInstructor(ctx, "ada@example.org", "h"))
	id, _, _, err := s.Instructor(ctx, "ada@example.org")
	must(t, err)
	now := time.Now()
	must(t, s.CreateLogin(ctx, "tok1", id, now.Add(time.Hour)))
	must(t, s.CreateLogin(ctx, "tok2", id, now.Add(-time.Minute)))
	email, found, err := s.Login(ctx, "tok1", now)
	must(t, err)
	if !found || email != "ada@example.org" {
		t.Errorf("live login: %q found=%v", email, found)
	}
	if _, found, _ := s.Login(ctx, "tok2", now); found {
		t.Error("an expired login let in")
	}
	if _, found, _ := s.Login(ctx, "tok1", now.Add(2*time.Hour)); found {
		t.Error("a login let in after it expired")
	}
	must(t, s.DeleteLogin(ctx, "tok1"))
	if _, found, _ := s.Login(ctx, "tok1", now); found {
		t.Error("a deleted login let in")
	}
}

// latestAnswers keeps a learner's last answer per question of one quiz,
// and nobody else's.
func latestAnswers(t *testing.T, s Store) {
	for _, a := range []web.Answer{
		answer("l1", "me", "what", `"a"`, false),
		answer("l2", "me", "how", `true`, true),
		answer("l3", "me", "what", `"b"`, true),
		answer("l4", "you", "what", `"c"`, false),
	} {
		_, err := s.SaveAnswer(ctx, a)
		must(t, err)
	}
	other := answer("l5", "me", "what", `"d"`, false)
	other.Quiz = "q2"
	_, err := s.SaveAnswer(ctx, other)
	must(t, err)
	got, err := s.LatestAnswers(ctx, "me", "q1")
	must(t, err)
	var ids []string
	for _, a := range got {
		ids = append(ids, a.ClientID)
	}
	if diff := cmp.Diff([]string{"l2", "l3"}, ids); diff != "" {
		t.Errorf("latest answers (-want +got):\n%s", diff)
	}
	if got, err := s.LatestAnswers(ctx, "nobody", "q1"); err != nil || len(got) != 0 {
		t.Errorf("a learner without answers: %v %v", got, err)
	}
}

// secretKept makes a secret once and then returns the same one.
func secretKept(t *testing.T, s Store) {
	a, err := s.Secret(ctx, "quiz-dealer")
	must(t, err)
	b, err := s.Secret(ctx, "quiz-dealer")
	must(t, err)
	if len(a) != 32 || string(a) != string(b) {
		t.Fatalf("secret %x then %x, want the same 32 bytes", a, b)
	}
	if c, err := s.Secret(ctx, "other"); err != nil || string(c) == string(a) {
		t.Fatalf("another name gave %x (%v)", c, err)
	}
}

// Two instructors' classes; learners join them, one twice; the counts
// filtered by a class hold its members' answers and progress only.
func classes(t *testing.T, s Store) {
	must(t, s.AddInstructor(ctx, "a@example.org", "hash"))
	must(t, s.AddInstructor(ctx, "b@example.org", "hash"))
	at := time.Date(2026, 12, 6, 10, 0, 0, 0, time.UTC)
	c1, err := s.CreateClass(ctx, "A@example.org", "Monday group", "code1", at)
	must(t, err)
	c2, err := s.CreateClass(ctx, "a@example.org", "Tuesday group", "code2", at.Add(time.Hour))
	must(t, err)
	c3, err := s.CreateClass(ctx, "b@example.org", "Other teacher", "code3", at)
	must(t, err)
	if c1.ID == 0 || c1.ID == c2.ID || c2.ID == c3.ID || !c1.Created.Equal(at) || c1.Name != "Monday group" || c1.Code != "code1" {
		t.Fatalf("classes made: %+v %+v %+v", c1, c2, c3)
	}
	if _, err := s.CreateClass(ctx, "nobody@example.org", "x", "code4", at); err == nil {
		t.Error("a class was made for an instructor who does not exist")
	}
	if _, err := s.CreateClass(ctx, "b@example.org", "x", "code1", at); err == nil {
		t.Error("two classes got the same join code")
	}
	mine, err := s.Classes(ctx, "a@example.org")
	must(t, err)
	if diff := cmp.Diff([]web.Class{c1, c2}, mine); diff != "" {
		t.Errorf("a's classes (-want +got):\n%s", diff)
	}
	got, found, err := s.ClassByCode(ctx, "code3")
	must(t, err)
	if !found || got != c3 {
		t.Errorf("class by code: %+v %v", got, found)
	}
	if _, found, err := s.ClassByCode(ctx, "nope"); err != nil || found {
		t.Errorf("an unknown code found a class: %v %v", found, err)
	}

	must(t, s.JoinClass(ctx, c1.ID, "l1", "", at))
	must(t, s.JoinClass(ctx, c1.ID, "l2", "Ada", at.Add(time.Minute)))
	must(t, s.JoinClass(ctx, c1.ID, "l1", "Grace", at.Add(2*time.Minute)))
	must(t, s.JoinClass(ctx, c1.ID, "l2", "", at.Add(3*time.Minute))) // opening the link again keeps the name
	must(t, s.JoinClass(ctx, c2.ID, "l3", "", at))
	members, err := s.ClassMembers(ctx, c1.ID)
	must(t, err)
	want := []web.ClassMember{{Learner: "l1", Name: "Grace", Joined: at}, {Learner: "l2", Name: "Ada", Joined: at.Add(time.Minute)}}
	if diff := cmp.Diff(want, members, cmpopts.EquateApproxTime(time.Millisecond)); diff != "" {
		t.Errorf("members (-want +got):\n%s", diff)
	}

	for _, a := range []web.Answer{
		answer("1", "l1", "what", `"a"`, true),
		answer("2", "l2", "what", `"b"`, false),
		answer("3", "l3", "what", `"a"`, true),
		answer("4", "outsider", "what", `"a"`, true),
	} {
		_, err := s.SaveAnswer(ctx, a)
		must(t, err)
	}
	must(t, s.SaveProgress(ctx, "l1", "images", 0, at))
	must(t, s.SaveProgress(ctx, "l1", "images", 1, at))
	must(t, s.SaveProgress(ctx, "outsider", "images", 0, at))
	counts, err := s.AnswerCounts(ctx, c1.ID)
	must(t, err)
	wantCounts := []web.AnswerCount{
		{Quiz: "q1", Question: "what", Answer: `"a"`, Correct: true, N: 1},
		{Quiz: "q1", Question: "what", Answer: `"b"`, Correct: false, N: 1},
	}
	if diff := cmp.Diff(wantCounts, counts); diff != "" {
		t.Errorf("class answer counts (-want +got):\n%s", diff)
	}
	counts, err = s.AnswerCounts(ctx, 0)
	must(t, err)
	if len(counts) != 2 || counts[0].N != 3 {
		t.Errorf("every learner's answer counts: %+v", counts)
	}
	steps, err := s.LessonProgress(ctx, c1.ID)
	must(t, err)
	if diff := cmp.Diff([]web.LessonSteps{{Lesson: "images", Steps: 2, Learners: 1}}, steps); diff != "" {
		t.Errorf("class progress (-want +got):\n%s", diff)
	}
	steps, err = s.LessonProgress(ctx, c3.ID)
	must(t, err)
	if len(steps) != 0 {
		t.Errorf("a class with no members has progress %v", steps)
	}
}

func classInvites(t *testing.T, s Store) {
	for _, e := range []string{"owner@example.org", "guest@example.org", "late@example.org", "stranger@example.org"} {
		must(t, s.AddInstructor(ctx, e, "hash"))
	}
	at := time.Date(2026, 12, 6, 10, 0, 0, 0, time.UTC)
	c, err := s.CreateClass(ctx, "owner@example.org", "Shared", "shared1", at)
	must(t, err)
	if c.Owner != "owner@example.org" {
		t.Errorf("owner %q", c.Owner)
	}
	other, err := s.CreateClass(ctx, "stranger@example.org", "Not shared", "shared2", at)
	must(t, err)

	found, err := s.InviteInstructor(ctx, c.ID, "Guest@example.org", at)
	must(t, err)
	if !found {
		t.Fatal("inviting an existing instructor found nobody")
	}
	found, err = s.InviteInstructor(ctx, c.ID, "nobody@example.org", at)
	must(t, err)
	if found {
		t.Error("inviting an unknown email found an account")
	}
	// Twice, and the owner: nothing changes.
	_, err = s.InviteInstructor(ctx, c.ID, "guest@example.org", at.Add(time.Minute))
	must(t, err)
	_, err = s.InviteInstructor(ctx, c.ID, "owner@example.org", at)
	must(t, err)
	got, err := s.ClassInstructors(ctx, c.ID)
	must(t, err)
	if diff := cmp.Diff([]string{"guest@example.org"}, got); diff != "" {
		t.Errorf("invited (-want +got):\n%s", diff)
	}
	mine, err := s.Classes(ctx, "guest@example.org")
	must(t, err)
	if len(mine) != 1 || mine[0].ID != c.ID || mine[0].Owner != "owner@example.org" {
		t.Errorf("the guest's classes: %+v", mine)
	}
	owned, err := s.Classes(ctx, "owner@example.org")
	must(t, err)
	if len(owned) != 1 || owned[0] != c {
		t.Errorf("the owner's classes: %+v", owned)
	}

	// An invite link: a new one replaces the old; an expired one is dead.
	must(t, s.SetClassInvite(ctx, c.ID, "old", at.Add(time.Hour)))
	must(t, s.SetClassInvite(ctx, c.ID, "new", at.Add(time.Hour)))
	if _, found, err := s.AcceptClassInvite(ctx, "old", "late@example.org", at); err != nil || found {
		t.Errorf("a replaced link still works: %v %v", found, err)
	}
	if _, found, err := s.AcceptClassInvite(ctx, "new", "late@example.org", at.Add(time.Hour)); err != nil || found {
		t.Errorf("an expired link still works: %v %v", found, err)
	}
	if _, found, err := s.AcceptClassInvite(ctx, "new", "nobody@example.org", at); err != nil || found {
		t.Errorf("a link accepted for no account: %v %v", found, err)
	}
	joined, found, err := s.AcceptClassInvite(ctx, "new", "late@example.org", at.Add(time.Minute))
	must(t, err)
	if !found || joined != c {
		t.Errorf("accepting the link: %+v %v", joined, found)
	}
	got, err = s.ClassInstructors(ctx, c.ID)
	must(t, err)
	if diff := cmp.Diff([]string{"guest@example.org", "late@example.org"}, got); diff != "" {
		t.Errorf("invited after the link (-want +got):\n%s", diff)
	}
	// The owner opening their own link stays the owner only.
	_, _, err = s.AcceptClassInvite(ctx, "new", "owner@example.org", at)
	must(t, err)
	if got, _ := s.ClassInstructors(ctx, c.ID); len(got) != 2 {
		t.Errorf("the owner was added as a guest: %v", got)
	}
	if got, _ := s.ClassInstructors(ctx, other.ID); len(got) != 0 {
		t.Errorf("another class got instructors: %v", got)
	}
}

func learnerAnswers(t *testing.T, s Store) {
	at := time.Date(2026, 12, 6, 10, 0, 0, 0, time.UTC)
	must(t, s.AddInstructor(ctx, "i@example.org", "hash"))
	c, err := s.CreateClass(ctx, "i@example.org", "C", "srcs", at)
	must(t, err)
	must(t, s.JoinClass(ctx, c.ID, "me", "", at))
	for i, a := range []web.Answer{
		{Quiz: "q1", Question: "a", Source: "lesson", Lesson: "images"},
		{Quiz: "q1", Question: "b", Source: "lesson", Lesson: "layers"},
		{Quiz: "q1", Question: "a", Source: "lesson", Lesson: "images"},
		{Quiz: "q2", Question: "a", Source: "playground"},
		{Quiz: "q1", Question: "a", Source: "lesson", Lesson: "images", Learner: "other"},
	} {
		a.ClientID = fmt.Sprint("src", i)
		if a.Learner == "" {
			a.Learner = "me"
		}
		a.Answer, a.Time = `"x"`, at.Add(time.Duration(i)*time.Second)
		_, err := s.SaveAnswer(ctx, a)
		must(t, err)
	}
	got, err := s.LearnerAnswers(ctx, "me", 3)
	must(t, err)
	if len(got) != 3 || got[0].ClientID != "src1" || got[2].ClientID != "src3" || got[0].Lesson != "layers" || got[2].Lesson != "" {
		t.Errorf("the last three answers of me: %+v", got)
	}
	if a, _, _ := s.AnswerByClientID(ctx, "src0"); a.Lesson != "images" {
		t.Errorf("lesson read back %q", a.Lesson)
	}
	all, err := s.AnswerSources(ctx, 0)
	must(t, err)
	want := []web.SourceCount{
		{Quiz: "q1", Source: "lesson", Lesson: "images", N: 3},
		{Quiz: "q1", Source: "lesson", Lesson: "layers", N: 1},
		{Quiz: "q2", Source: "playground", N: 1},
	}
	if diff := cmp.Diff(want, all); diff != "" {
		t.Errorf("sources (-want +got):\n%s", diff)
	}
	class, err := s.AnswerSources(ctx, c.ID)
	must(t, err)
	want[0].N = 2
	if diff := cmp.Diff(want, class); diff != "" {
		t.Errorf("the class's sources (-want +got):\n%s", diff)
	}
}

func sessionsList(t *testing.T, s Store) {
	must(t, s.SaveSession(ctx, "me", "lesson:layers", 1, sampleLog))
	must(t, s.SaveSession(ctx, "me", "play", 2, nil))
	must(t, s.SaveSession(ctx, "me", "lesson:images", 3, nil))
	must(t, s.SaveSession(ctx, "you", "play", 4, nil))
	got, err := s.Sessions(ctx, "me")
	must(t, err)
	var modes []string
	for _, si := range got {
		modes = append(modes, si.Mode)
		if si.Updated.IsZero() {
			t.Errorf("%s has no time", si.Mode)
		}
	}
	if diff := cmp.Diff([]string{"play", "lesson:images", "lesson:layers"}, modes); diff != "" {
		t.Errorf("sessions (-want +got):\n%s", diff)
	}
	if got, _ := s.Sessions(ctx, "nobody"); len(got) != 0 {
		t.Errorf("nobody has sessions %v", got)
	}
}

func outboxMsg(id string, at time.Time) web.OutboxMessage {
	return web.OutboxMessage{ID: id, Body: []byte(`{"id":"` + id + `"}`), Added: at}
}

func outboxIDs(ms []web.OutboxMessage) []string {
	var ids []string
	for _, m := range ms {
		ids = append(ids, m.ID)
	}
	return ids
}

func outboxSize(t *testing.T, s Store, waiting, refused int) {
	t.Helper()
	w, r, err := s.OutboxSize(ctx)
	must(t, err)
	if w != waiting || r != refused {
		t.Fatalf("outbox holds %d waiting, %d refused; want %d, %d", w, r, waiting, refused)
	}
}

// Messages come out oldest first, once per lease; a failed one comes back
// at its next try, a refused one never, a delivered one is gone.
func outboxLifecycle(t *testing.T, s Store) {
	t0 := time.Date(2026, 12, 6, 10, 0, 0, 0, time.UTC)
	var msgs []web.OutboxMessage
	for i, id := range []string{"a", "b", "c"} {
		msgs = append(msgs, outboxMsg(id, t0.Add(time.Duration(i)*time.Second)))
	}
	if n, err := s.AddToOutbox(ctx, msgs, 10); err != nil || n != 3 {
		t.Fatalf("adding three: n=%d err=%v", n, err)
	}
	// The same id again changes nothing.
	if n, err := s.AddToOutbox(ctx, []web.OutboxMessage{outboxMsg("a", t0.Add(time.Hour))}, 10); err != nil || n != 1 {
		t.Fatalf("adding a again: n=%d err=%v", n, err)
	}
	outboxSize(t, s, 3, 0)
	now := t0.Add(time.Minute)
	lease := 30 * time.Second
	first, err := s.ClaimOutbox(ctx, now, 2, lease)
	must(t, err)
	if diff := cmp.Diff([]string{"a", "b"}, outboxIDs(first)); diff != "" {
		t.Fatalf("first claim (-want +got):\n%s", diff)
	}
	if string(first[0].Body) != `{"id":"a"}` || !first[0].Added.Equal(t0) || first[0].Attempts != 0 {
		t.Fatalf("claimed %+v", first[0])
	}
	second, err := s.ClaimOutbox(ctx, now, 10, lease)
	must(t, err)
	if diff := cmp.Diff([]string{"c"}, outboxIDs(second)); diff != "" {
		t.Fatalf("second claim, during the first's lease (-want +got):\n%s", diff)
	}
	none, err := s.ClaimOutbox(ctx, now.Add(lease-time.Second), 10, lease)
	must(t, err)
	if len(none) != 0 {
		t.Fatalf("claimed %v while every lease holds", outboxIDs(none))
	}
	// a is delivered, b fails until a minute later, c is refused.
	must(t, s.DeleteFromOutbox(ctx, []string{"a"}))
	must(t, s.RetryOutbox(ctx, []string{"b"}, now.Add(time.Minute), "503 Service Unavailable"))
	must(t, s.RefuseOutbox(ctx, []string{"c"}, "400 Bad Request"))
	outboxSize(t, s, 1, 1)
	early, err := s.ClaimOutbox(ctx, now.Add(lease+time.Second), 10, lease)
	must(t, err)
	if len(early) != 0 {
		t.Fatalf("claimed %v before b's next try", outboxIDs(early))
	}
	again, err := s.ClaimOutbox(ctx, now.Add(time.Minute), 10, lease)
	must(t, err)
	if len(again) != 1 || again[0].ID != "b" || again[0].Attempts != 1 {
		t.Fatalf("at b's next try claimed %+v, want b after one attempt", again)
	}
	// A lease that ends without news makes the message due again.
	lapsed, err := s.ClaimOutbox(ctx, now.Add(time.Minute+lease), 10, lease)
	must(t, err)
	if diff := cmp.Diff([]string{"b"}, outboxIDs(lapsed)); diff != "" {
		t.Fatalf("after a lapsed lease (-want +got):\n%s", diff)
	}
	must(t, s.DeleteFromOutbox(ctx, []string{"b", "not-there"}))
	outboxSize(t, s, 0, 1)
	must(t, s.DeleteFromOutbox(ctx, nil))
}

// The limit counts waiting and refused messages; past it nothing is
// stored (an id already there still counts as stored), and room made by a
// delivery is used again.
func outboxLimit(t *testing.T, s Store) {
	t0 := time.Date(2026, 12, 6, 10, 0, 0, 0, time.UTC)
	add := func(limit int, ids ...string) int {
		t.Helper()
		var msgs []web.OutboxMessage
		for _, id := range ids {
			msgs = append(msgs, outboxMsg(id, t0))
		}
		n, err := s.AddToOutbox(ctx, msgs, limit)
		must(t, err)
		return n
	}
	if n := add(3, "a", "b", "a", "c", "d", "e"); n != 4 {
		t.Fatalf("adding a, b, a, c, d, e with room for 3 went through %d, want 4 (to d)", n)
	}
	outboxSize(t, s, 3, 0)
	must(t, s.RefuseOutbox(ctx, []string{"a"}, "400"))
	if n := add(3, "d"); n != 0 {
		t.Fatalf("adding past the limit went through %d", n)
	}
	if n := add(3, "b", "d"); n != 1 {
		t.Fatalf("adding b (there) then d when full went through %d, want 1", n)
	}
	outboxSize(t, s, 2, 1)
	must(t, s.DeleteFromOutbox(ctx, []string{"b"}))
	if n := add(3, "d"); n != 1 {
		t.Fatal("no room after a delivery")
	}
	outboxSize(t, s, 2, 1)
	if n, err := s.AddToOutbox(ctx, nil, 3); n != 0 || err != nil {
		t.Fatalf("adding nothing: %d %v", n, err)
	}
}

// Senders claiming at once (nodes sharing one database) each get their
// own messages: none is handed to two while its lease holds.
func outboxConcurrentClaims(t *testing.T, s Store) {
	t0 := time.Date(2026, 12, 6, 10, 0, 0, 0, time.UTC)
	const n = 120
	var msgs []web.OutboxMessage
	for i := range n {
		msgs = append(msgs, outboxMsg(fmt.Sprintf("m%03d", i), t0))
	}
	if added, err := s.AddToOutbox(ctx, msgs, n); err != nil || added != n {
		t.Fatalf("adding %d: %d %v", n, added, err)
	}
	var mu sync.Mutex
	seen := map[string]int{}
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	for range 4 {
		wg.Go(func() {
			for {
				got, err := s.ClaimOutbox(ctx, t0.Add(time.Minute), 7, time.Hour)
				if err != nil {
					errs <- err
					return
				}
				if len(got) == 0 {
					return
				}
				mu.Lock()
				for _, m := range got {
					seen[m.ID]++
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if len(seen) != n {
		t.Fatalf("claimed %d distinct messages, want %d", len(seen), n)
	}
	for id, k := range seen {
		if k != 1 {
			t.Errorf("%s claimed %d times", id, k)
		}
	}
}
