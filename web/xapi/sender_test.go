package xapi_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/layerlab/layerlab/web"
	"github.com/layerlab/layerlab/web/sqlite"
	"github.com/layerlab/layerlab/web/xapi"
	"github.com/layerlab/layerlab/web/xapi/lrstest"
)

const base = "https://layerlab.example.org"

// syncBuffer is a log destination safe for the sender's goroutine.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

func openDB(t *testing.T) *sqlite.DB {
	t.Helper()
	db, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "layerlab.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func newSender(t *testing.T, lrs *lrstest.LRS, store web.OutboxStore, change func(*xapi.Config)) (*xapi.Sender, *syncBuffer) {
	t.Helper()
	logs := &syncBuffer{}
	cfg := xapi.Config{Endpoint: lrs.URL, Username: "key", Password: "secret", BaseURL: base,
		Backoff: time.Millisecond, MaxBackoff: 20 * time.Millisecond, Poll: 5 * time.Millisecond, Batch: 7,
		Logger: slog.New(slog.NewTextHandler(logs, nil))}
	if change != nil {
		change(&cfg)
	}
	s, err := xapi.New(cfg, store)
	if err != nil {
		t.Fatal(err)
	}
	return s, logs
}

func answer(i int) web.LearningEvent {
	return web.LearningEvent{Kind: web.Answered, Learner: "cookie", Pseudonym: fmt.Sprintf("l-%012d", i),
		Quiz: "image-vs-container", Question: "what-is-an-image", Correct: i%2 == 0, Source: "playground",
		At: time.Date(2026, 12, 6, 10, 0, 0, i, time.UTC)}
}

// run runs s until the test ends.
func run(t *testing.T, s *xapi.Sender) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { s.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
}

// eventually waits (generously: the machine may be busy) for cond.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func metric(t *testing.T, s *xapi.Sender, name string) float64 {
	t.Helper()
	reg := prometheus.NewRegistry()
	reg.MustRegister(s.Collectors()...)
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	total := 0.0
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		for _, m := range mf.GetMetric() {
			total += m.GetCounter().GetValue() + m.GetGauge().GetValue()
		}
	}
	return total
}

func outboxSize(t *testing.T, db web.OutboxStore) (int, int) {
	t.Helper()
	w, r, err := db.OutboxSize(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return w, r
}

// While the LRS is away (503, then connections cut, then 429, then 401 as
// to wrong credentials) nothing is lost: the statements wait in the outbox and all arrive, once each, when
// it is back.
func TestLRSDownNothingLost(t *testing.T) {
	lrs := lrstest.New(t, "key", "secret")
	db := openDB(t)
	s, logs := newSender(t, lrs, db, nil)
	run(t, s)
	const n = 50
	for _, mode := range []lrstest.Mode{lrstest.Down, lrstest.Cut, lrstest.Limited, lrstest.Locked} {
		lrs.Set(mode)
		before := lrs.Failed()
		for i := range n / 5 {
			s.LearningEvent(context.Background(), answer(int(mode)*100+i))
		}
		eventually(t, fmt.Sprintf("failed sends in mode %d", mode), func() bool { return lrs.Failed() > before+2 })
	}
	if got := len(lrs.Statements()); got != 0 {
		t.Fatalf("the LRS stored %d statements while it was down", got)
	}
	if w, r := outboxSize(t, db); w != 4*n/5 || r != 0 {
		t.Fatalf("outbox holds %d statements and %d refused, want %d and none", w, r, 4*n/5)
	}
	lrs.Set(lrstest.Up)
	for i := range n / 5 {
		s.LearningEvent(context.Background(), answer(900+i))
	}
	eventually(t, "every statement at the LRS", func() bool { return len(lrs.Statements()) == n })
	eventually(t, "an empty outbox", func() bool { w, r := outboxSize(t, db); return w == 0 && r == 0 })
	for id, k := range lrs.Received() {
		if k != 1 {
			t.Errorf("statement %s arrived %d times", id, k)
		}
	}
	if got := metric(t, s, "layerlab_xapi_statements_sent_total"); got != n {
		t.Errorf("sent_total %v, want %d", got, n)
	}
	if got := metric(t, s, "layerlab_xapi_statements_failed_total"); got < 3 {
		t.Errorf("failed_total %v, want the failed sends counted", got)
	}
	eventually(t, "an outbox depth of 0", func() bool { return metric(t, s, "layerlab_xapi_outbox_depth") == 0 })
	for _, want := range []string{"sending failed; will retry", "503 Service Unavailable", "429 Too Many Requests", "check --xapi-endpoint and --xapi-auth"} {
		if !strings.Contains(logs.String(), want) {
			t.Errorf("the failures were not logged (no %q):\n%s", want, logs)
		}
	}
	if got := lrs.Biggest(); got > 7 || got < 2 {
		t.Errorf("the biggest request carried %d statements, want batches of up to 7", got)
	}
}

// A statement the LRS refuses (400) is kept aside, logged and counted;
// the statements batched with it still arrive.
func TestRefusedStatementKeptAside(t *testing.T) {
	lrs := lrstest.New(t, "key", "secret")
	db := openDB(t)
	s, logs := newSender(t, lrs, db, nil)
	bad, err := xapi.NewStatement(base, answer(3))
	if err != nil {
		t.Fatal(err)
	}
	lrs.Refuse(bad.ID)
	for i := range 5 {
		s.LearningEvent(context.Background(), answer(i))
	}
	if !s.Flush(context.Background()) {
		t.Fatal("flush failed")
	}
	if got := len(lrs.Statements()); got != 4 {
		t.Fatalf("the LRS stored %d statements, want the 4 good ones", got)
	}
	if w, r := outboxSize(t, db); w != 0 || r != 1 {
		t.Fatalf("outbox: %d waiting, %d refused; want 0, 1", w, r)
	}
	if got := metric(t, s, "layerlab_xapi_statements_refused_total"); got != 1 {
		t.Errorf("refused_total %v, want 1", got)
	}
	if got := metric(t, s, "layerlab_xapi_outbox_refused"); got != 1 {
		t.Errorf("outbox_refused %v, want 1", got)
	}
	if !strings.Contains(logs.String(), "refused a statement") || !strings.Contains(logs.String(), bad.ID) {
		t.Errorf("the refusal was not logged with the statement id:\n%s", logs)
	}
	// It is never sent again.
	lrs.Set(lrstest.Up)
	s.Flush(context.Background())
	if got := lrs.Received()[bad.ID]; got != 0 {
		t.Errorf("the refused statement was stored %d times", got)
	}
}

// The outbox holds at most Limit statements: past it statements are
// dropped, counted, and the operator is told in one log line.
func TestOutboxLimit(t *testing.T) {
	lrs := lrstest.New(t, "key", "secret")
	lrs.Set(lrstest.Down)
	db := openDB(t)
	s, logs := newSender(t, lrs, db, func(c *xapi.Config) { c.Limit = 3 })
	for i := range 6 {
		s.LearningEvent(context.Background(), answer(i))
	}
	if w, _ := outboxSize(t, db); w != 3 {
		t.Fatalf("outbox holds %d, want its limit of 3", w)
	}
	if got := metric(t, s, "layerlab_xapi_statements_dropped_total"); got != 3 {
		t.Errorf("dropped_total %v, want 3", got)
	}
	if n := strings.Count(logs.String(), "xAPI outbox is full"); n != 1 {
		t.Errorf("%d log lines say the outbox is full, want 1:\n%s", n, logs)
	}
	if !strings.Contains(logs.String(), "limit=3") {
		t.Errorf("the log line does not name the limit:\n%s", logs)
	}
	// Once delivered, the room is used again.
	lrs.Set(lrstest.Up)
	if !s.Flush(context.Background()) {
		t.Fatal("flush failed")
	}
	s.LearningEvent(context.Background(), answer(7))
	if w, _ := outboxSize(t, db); w != 1 {
		t.Fatalf("after delivery the outbox holds %d, want the new one", w)
	}
}

// The same event makes the same statement id: stored and sent once.
func TestSameEventSameStatement(t *testing.T) {
	lrs := lrstest.New(t, "key", "secret")
	db := openDB(t)
	s, _ := newSender(t, lrs, db, nil)
	step := web.LearningEvent{Kind: web.StepCompleted, Pseudonym: "l-0123456789ab", Lesson: "images-and-containers", Step: 0, Steps: 3, At: time.Now()}
	s.LearningEvent(context.Background(), step)
	step.At = step.At.Add(time.Second) // the step, completed on another node a moment later
	s.LearningEvent(context.Background(), step)
	if w, _ := outboxSize(t, db); w != 1 {
		t.Fatalf("outbox holds %d statements for one step", w)
	}
	a, _ := xapi.NewStatement(base, answer(1))
	b, _ := xapi.NewStatement(base, answer(1))
	c, _ := xapi.NewStatement(base, answer(2))
	if a.ID != b.ID || a.ID == c.ID {
		t.Errorf("ids %s %s %s: want the same answer the same id, another answer another", a.ID, b.ID, c.ID)
	}
}

// Waits grow from Backoff to MaxBackoff, each drawn between half and all
// of its step.
func TestBackoff(t *testing.T) {
	lrs := lrstest.New(t, "key", "secret")
	s, _ := newSender(t, lrs, openDB(t), func(c *xapi.Config) { c.Backoff, c.MaxBackoff = time.Second, time.Minute })
	for _, tc := range []struct {
		n      int
		lo, hi time.Duration
	}{
		{0, 500 * time.Millisecond, time.Second},
		{1, time.Second, 2 * time.Second},
		{5, 16 * time.Second, 32 * time.Second},
		{6, 30 * time.Second, time.Minute},
		{1000, 30 * time.Second, time.Minute},
	} {
		seen := map[time.Duration]bool{}
		for range 50 {
			d := s.Backoff(tc.n)
			if d < tc.lo || d > tc.hi {
				t.Errorf("backoff after %d failures: %v, want %v..%v", tc.n+1, d, tc.lo, tc.hi)
			}
			seen[d] = true
		}
		if len(seen) < 2 {
			t.Errorf("backoff after %d failures is always %v: no jitter", tc.n+1, seen)
		}
	}
}

// Endpoints and credentials are checked before the server starts.
func TestParseSettings(t *testing.T) {
	for _, tc := range []struct {
		in, want, err string
	}{
		{"https://lrs.example.org/xapi/", "https://lrs.example.org/xapi", ""},
		{"http://127.0.0.1:8081/data/xAPI", "http://127.0.0.1:8081/data/xAPI", ""},
		{"lrs.example.org/xapi", "", "want the LRS's http"},
		{"ftp://lrs.example.org", "", "want the LRS's http"},
		{"https://", "", "no host"},
		{"https://key:secret@lrs.example.org/xapi", "", "--xapi-auth"},
		{"https://lrs.example.org/xapi?x=1", "", "no query"},
		{"https://lrs.example.org/xapi#frag", "", "no query"},
		{"https://lrs example", "", "not a URL"},
	} {
		got, err := xapi.ParseEndpoint(tc.in)
		if got != tc.want || (err == nil) != (tc.err == "") || err != nil && !strings.Contains(err.Error(), tc.err) {
			t.Errorf("ParseEndpoint(%q) = %q, %v; want %q, %q", tc.in, got, err, tc.want, tc.err)
		}
		if err != nil && strings.Contains(err.Error(), "secret") {
			t.Errorf("ParseEndpoint(%q) shows the password: %v", tc.in, err)
		}
	}
	for _, tc := range []struct {
		in, user, pass string
		ok             bool
	}{
		{"", "", "", true},
		{"key:secret", "key", "secret", true},
		{"key:se:cret", "key", "se:cret", true},
		{"key:", "key", "", true},
		{"key", "", "", false},
		{":secret", "", "", false},
	} {
		u, p, err := xapi.ParseAuth(tc.in)
		if u != tc.user || p != tc.pass || (err == nil) != tc.ok {
			t.Errorf("ParseAuth(%q) = %q, %q, %v", tc.in, u, p, err)
		}
	}
}

// Requests adding statements at once share commits, and the limit holds
// for all of them together.
func TestConcurrentEvents(t *testing.T) {
	for _, limit := range []int{1000, 50} {
		lrs := lrstest.New(t, "key", "secret")
		db := openDB(t)
		s, _ := newSender(t, lrs, db, func(c *xapi.Config) { c.Limit = limit })
		var wg sync.WaitGroup
		for i := range 200 {
			wg.Go(func() { s.LearningEvent(context.Background(), answer(i)) })
		}
		wg.Wait()
		want := min(200, limit)
		if w, _ := outboxSize(t, db); w != want {
			t.Errorf("limit %d: outbox holds %d, want %d", limit, w, want)
		}
		if got := metric(t, s, "layerlab_xapi_statements_dropped_total"); got != float64(200-want) {
			t.Errorf("limit %d: dropped %v, want %d", limit, got, 200-want)
		}
		if !s.Flush(context.Background()) || len(lrs.Statements()) != want {
			t.Errorf("limit %d: the LRS got %d statements, want %d", limit, len(lrs.Statements()), want)
		}
	}
}
