package xapi

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/layerlab/layerlab/web"
)

// Config is where statements go and how hard the sender tries.
type Config struct {
	// Endpoint is the LRS's xAPI endpoint (ParseEndpoint); statements are
	// posted to Endpoint + "/statements".
	Endpoint string
	// Username and Password are sent with HTTP Basic authentication when
	// Username is set (ParseAuth).
	Username, Password string
	// BaseURL is the server's own address (web.NormalizeBaseURL).
	BaseURL string
	// Limit is how many statements the outbox may hold (waiting and
	// refused); past it new statements are dropped, counted and logged.
	// 0 means DefaultLimit.
	Limit int
	// Batch is how many statements one request carries; 0 means 50.
	Batch int
	// Backoff is the first wait after a failed send, doubled at each
	// failure up to MaxBackoff, each wait drawn at random between half
	// and all of it; 0 means 1 s and 5 min.
	Backoff, MaxBackoff time.Duration
	// Poll is how often an idle sender looks for statements another node
	// stored or that are due again; 0 means 2 s.
	Poll time.Duration
	// Timeout bounds one request to the LRS; 0 means 30 s. A claimed batch
	// is leased for twice as long, so no other node sends it meanwhile.
	Timeout time.Duration
	Logger  *slog.Logger
	// Client is the HTTP client; nil means a new one.
	Client *http.Client
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// DefaultLimit is the outbox's size when Config.Limit is 0: at about 1 KB
// a statement, 100 MB of database.
const DefaultLimit = 100_000

// Sender stores statements in the outbox and sends them.
type Sender struct {
	cfg     Config
	store   web.OutboxStore
	log     *slog.Logger
	client  *http.Client
	url     string
	wake    chan struct{}
	metrics *senderMetrics

	// Statements are stored in the outbox by group commit: the first
	// caller commits everything queued meanwhile, then hands over to the
	// next one waiting.
	addMu   sync.Mutex
	adding  bool
	pending []*addition

	fullMu     sync.Mutex
	fullLogged time.Time
	fullSince  int // statements dropped since the last log line
}

// addition is one statement waiting for its commit to the outbox.
type addition struct {
	m    web.OutboxMessage
	done chan error    // the outcome
	lead chan struct{} // it is this caller's turn to commit
}

// errOutboxFull says the outbox held its limit of statements already.
var errOutboxFull = errors.New("the xAPI outbox is full")

// maxAddBatch bounds one commit to the outbox.
const maxAddBatch = 256

type senderMetrics struct {
	waiting, refused atomic.Int64
	sent             prometheus.Counter
	failed           prometheus.Counter
	refusedTotal     prometheus.Counter
	dropped          *prometheus.CounterVec
	collectors       []prometheus.Collector
}

// ParseEndpoint checks an LRS endpoint: an absolute http or https URL
// without query, fragment or credentials (those go in --xapi-auth). It
// returns it without a trailing slash.
func ParseEndpoint(s string) (string, error) {
	u, err := url.Parse(s)
	if err != nil {
		return "", fmt.Errorf("%q is not a URL: %v", s, err)
	}
	switch {
	case u.Scheme != "http" && u.Scheme != "https":
		return "", fmt.Errorf("%q: want the LRS's http:// or https:// xAPI endpoint, like https://lrs.example.org/xapi", s)
	case u.Host == "":
		return "", fmt.Errorf("%q has no host", s)
	case u.User != nil:
		return "", fmt.Errorf("%q: give the user and password with --xapi-auth USER:PASS, not in the URL", u.Redacted())
	case u.RawQuery != "" || u.ForceQuery || u.Fragment != "" || strings.Contains(s, "#"):
		return "", fmt.Errorf("%q: an endpoint has no query or fragment", s)
	}
	return strings.TrimRight(u.String(), "/"), nil
}

// ParseAuth reads USER:PASS for HTTP Basic authentication; "" means none.
func ParseAuth(s string) (user, pass string, err error) {
	if s == "" {
		return "", "", nil
	}
	user, pass, ok := strings.Cut(s, ":")
	if !ok || user == "" {
		return "", "", errors.New("want USER:PASS (the LRS's key and secret)")
	}
	return user, pass, nil
}

// New makes a sender that stores statements in store. Endpoint and
// BaseURL must be set.
func New(cfg Config, store web.OutboxStore) (*Sender, error) {
	if cfg.Endpoint == "" || cfg.BaseURL == "" || store == nil {
		return nil, errors.New("xapi: an endpoint, a base URL and an outbox are needed")
	}
	if cfg.Limit <= 0 {
		cfg.Limit = DefaultLimit
	}
	if cfg.Batch <= 0 {
		cfg.Batch = 50
	}
	if cfg.Backoff <= 0 {
		cfg.Backoff = time.Second
	}
	if cfg.MaxBackoff <= 0 {
		cfg.MaxBackoff = 5 * time.Minute
	}
	cfg.MaxBackoff = max(cfg.MaxBackoff, cfg.Backoff)
	if cfg.Poll <= 0 {
		cfg.Poll = 2 * time.Second
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 30 * time.Second
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	client := cfg.Client
	if client == nil {
		client = &http.Client{}
	}
	s := &Sender{cfg: cfg, store: store, log: cfg.Logger, client: client,
		url: cfg.Endpoint + "/statements", wake: make(chan struct{}, 1)}
	s.metrics = newSenderMetrics()
	return s, nil
}

func newSenderMetrics() *senderMetrics {
	m := &senderMetrics{
		sent: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "layerlab_xapi_statements_sent_total",
			Help: "xAPI statements the learning record store accepted.",
		}),
		failed: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "layerlab_xapi_statements_failed_total",
			Help: "xAPI statements in sends that failed and will be retried (network error, 429, 5xx).",
		}),
		refusedTotal: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "layerlab_xapi_statements_refused_total",
			Help: "xAPI statements the learning record store refused (4xx): kept in the outbox, not sent again.",
		}),
		dropped: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "layerlab_xapi_statements_dropped_total",
			Help: "xAPI statements never stored in the outbox, by reason.",
		}, []string{"reason"}),
	}
	m.dropped.WithLabelValues("outbox full")
	m.dropped.WithLabelValues("store error")
	m.collectors = []prometheus.Collector{m.sent, m.failed, m.refusedTotal, m.dropped,
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "layerlab_xapi_outbox_depth",
			Help: "xAPI statements waiting in the outbox (all nodes), as of this node's last look.",
		}, func() float64 { return float64(m.waiting.Load()) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "layerlab_xapi_outbox_refused",
			Help: "Refused xAPI statements kept in the outbox (all nodes), as of this node's last look.",
		}, func() float64 { return float64(m.refused.Load()) }),
	}
	return m
}

// Collectors are the sender's metrics, for web.Deps.Collectors.
func (s *Sender) Collectors() []prometheus.Collector { return s.metrics.collectors }

// LearningEvent stores the event's statement in the outbox and wakes the
// sender. It waits for the database only: the LRS is never asked on the
// learner's request.
func (s *Sender) LearningEvent(ctx context.Context, e web.LearningEvent) {
	st, err := NewStatement(s.cfg.BaseURL, e)
	if err != nil {
		s.log.Error("xAPI: no statement", "err", err)
		return
	}
	body, err := st.Marshal()
	if err != nil {
		s.log.Error("xAPI: encoding a statement", "err", err)
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	err = s.add(ctx, web.OutboxMessage{ID: st.ID, Body: body, Added: s.cfg.Now()})
	switch {
	case errors.Is(err, errOutboxFull):
		s.metrics.dropped.WithLabelValues("outbox full").Inc()
		s.logFull(st)
		return
	case err != nil:
		s.metrics.dropped.WithLabelValues("store error").Inc()
		s.log.Error("xAPI: statement not stored, so never sent", "statement", st.ID, "verb", st.Verb.Display["en-US"], "object", st.Object.ID, "err", err)
		return
	}
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// add stores m in the outbox, in one transaction with whatever other
// requests are adding meanwhile, and returns once it is committed.
func (s *Sender) add(ctx context.Context, m web.OutboxMessage) error {
	a := &addition{m: m, done: make(chan error, 1), lead: make(chan struct{}, 1)}
	s.addMu.Lock()
	s.pending = append(s.pending, a)
	if s.adding {
		s.addMu.Unlock()
		select {
		case err := <-a.done:
			return err
		case <-a.lead:
		}
		s.addMu.Lock()
	}
	s.adding = true
	batch := s.pending[:min(len(s.pending), maxAddBatch)]
	s.pending = s.pending[len(batch):]
	s.addMu.Unlock()

	msgs := make([]web.OutboxMessage, len(batch))
	for i, b := range batch {
		msgs[i] = b.m
	}
	n, err := s.store.AddToOutbox(ctx, msgs, s.cfg.Limit)
	for i, b := range batch {
		switch {
		case err != nil:
			b.done <- err
		case i >= n:
			b.done <- errOutboxFull
		default:
			b.done <- nil
		}
	}

	s.addMu.Lock()
	if len(s.pending) > 0 {
		s.pending[0].lead <- struct{}{}
	} else {
		s.adding = false
	}
	s.addMu.Unlock()
	return <-a.done
}

// logFull says the outbox is full at most once a minute, with how many
// statements were dropped since it last said so.
func (s *Sender) logFull(st Statement) {
	s.fullMu.Lock()
	defer s.fullMu.Unlock()
	s.fullSince++
	now := s.cfg.Now()
	if !s.fullLogged.IsZero() && now.Sub(s.fullLogged) < time.Minute {
		return
	}
	s.log.Warn("xAPI outbox is full: statements are dropped until the learning record store takes the waiting ones (see layerlab_xapi_outbox_depth)",
		"limit", s.cfg.Limit, "dropped", s.fullSince, "statement", st.ID, "object", st.Object.ID)
	s.fullLogged, s.fullSince = now, 0
}

// Run sends the outbox until ctx ends: a batch at a time while statements
// are due, then it waits for a new one or the next poll. After a failed
// send it waits (exponential backoff with jitter) before trying again.
func (s *Sender) Run(ctx context.Context) {
	s.log.Info("xAPI: sending statements", "to", s.url, "as", s.cfg.Username)
	fails := 0
	for ctx.Err() == nil {
		n, ok := s.round(ctx)
		var wait time.Duration
		switch {
		case !ok:
			fails++
			wait = s.backoff(fails - 1)
		case n == 0:
			fails = 0
			wait = s.cfg.Poll
		default:
			fails = 0
			continue
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
		case <-s.wake:
			if !ok {
				// A new statement does not cut a backoff short.
				select {
				case <-ctx.Done():
				case <-t.C:
				}
			}
		case <-t.C:
		}
		t.Stop()
	}
}

// Flush sends every statement due now and reports whether all sends
// succeeded; tests and the command line use it.
func (s *Sender) Flush(ctx context.Context) bool {
	for {
		n, ok := s.round(ctx)
		if !ok {
			return false
		}
		if n == 0 {
			return true
		}
	}
}

// round claims one batch and delivers it: how many it claimed, and
// whether nothing failed in a way worth backing off for.
func (s *Sender) round(ctx context.Context) (int, bool) {
	defer s.refreshSize(ctx)
	lease := 2 * s.cfg.Timeout
	msgs, err := s.store.ClaimOutbox(ctx, s.cfg.Now(), s.cfg.Batch, lease)
	if err != nil {
		if ctx.Err() == nil {
			s.log.Error("xAPI: reading the outbox", "err", err)
		}
		return 0, false
	}
	if len(msgs) == 0 {
		return 0, true
	}
	return len(msgs), s.deliver(ctx, msgs)
}

func (s *Sender) refreshSize(ctx context.Context) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if w, r, err := s.store.OutboxSize(ctx); err == nil {
		s.metrics.waiting.Store(int64(w))
		s.metrics.refused.Store(int64(r))
	}
}

// deliver posts msgs as one array and records the outcome: delivered
// ones are deleted, ones worth retrying (no answer, 5xx, 429, and the
// statuses of settingsRefused) put back with their next try, and a
// statement the LRS refuses alone with another 4xx is set aside. A batch refused as a
// whole is sent again one statement at a time, so one bad statement does
// not hold back the rest.
func (s *Sender) deliver(ctx context.Context, msgs []web.OutboxMessage) bool {
	code, retryAfter, why := s.post(ctx, msgs)
	// The outcome is recorded even when ctx ends meanwhile: a statement
	// delivered but not deleted would only be sent again.
	bctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	ids := make([]string, len(msgs))
	for i, m := range msgs {
		ids[i] = m.ID
	}
	switch {
	case code >= 200 && code < 300, code == http.StatusConflict && len(msgs) == 1:
		// 409 for one statement: the LRS holds a statement with its id, so
		// sending it again can only fail the same way.
		if code == http.StatusConflict {
			s.log.Warn("xAPI: the LRS already holds a statement with this id", "statement", ids[0])
		}
		s.metrics.sent.Add(float64(len(msgs)))
		if err := s.store.DeleteFromOutbox(bctx, ids); err != nil {
			s.log.Error("xAPI: statements sent but still in the outbox (they will be sent again, under the same ids)", "err", err)
		}
		return true
	case code >= 400 && code < 500 && !settingsRefused(code) && code != http.StatusTooManyRequests:
		if len(msgs) > 1 {
			ok := true
			for _, m := range msgs {
				ok = s.deliver(ctx, []web.OutboxMessage{m}) && ok
			}
			return ok
		}
		s.log.Error("xAPI: the LRS refused a statement; it is kept in the outbox and not sent again", "statement", ids[0], "status", code, "reply", why)
		if err := s.store.RefuseOutbox(bctx, ids, why); err != nil {
			s.log.Error("xAPI: setting aside a refused statement", "err", err)
		}
		s.metrics.refusedTotal.Inc()
		return true
	}
	s.metrics.failed.Add(float64(len(msgs)))
	if settingsRefused(code) {
		s.log.Error("xAPI: the LRS refuses this server, not the statements: check --xapi-endpoint and --xapi-auth", "status", why)
	}
	now := s.cfg.Now()
	next := now.Add(max(s.backoff(msgs[0].Attempts), retryAfter))
	s.log.Warn("xAPI: sending failed; will retry", "statements", len(msgs), "err", why, "next", next.UTC().Format(time.RFC3339))
	if err := s.store.RetryOutbox(bctx, ids, next, why); err != nil {
		s.log.Error("xAPI: putting statements back in the outbox (they are sent when their lease ends)", "err", err)
	}
	return false
}

// settingsRefused says a status answers the request's credentials or
// address, which are the same for every statement: sending the statements
// one by one would only have each refused in turn, so they wait and are
// retried with backoff while the operator fixes the settings.
func settingsRefused(code int) bool {
	switch code {
	case http.StatusUnauthorized, http.StatusForbidden, http.StatusNotFound, http.StatusMethodNotAllowed,
		http.StatusRequestTimeout, http.StatusProxyAuthRequired:
		return true
	}
	return false
}

// post sends the statements as one JSON array. It returns the status
// code (0 when no answer came), how long the LRS asked to be left alone
// (Retry-After), and what went wrong, in one line.
func (s *Sender) post(ctx context.Context, msgs []web.OutboxMessage) (code int, retryAfter time.Duration, why string) {
	var body bytes.Buffer
	body.WriteByte('[')
	for i, m := range msgs {
		if i > 0 {
			body.WriteByte(',')
		}
		body.Write(m.Body)
	}
	body.WriteByte(']')
	ctx, cancel := context.WithTimeout(ctx, s.cfg.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.url, &body)
	if err != nil {
		return 0, 0, err.Error()
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Experience-API-Version", "1.0.3")
	if s.cfg.Username != "" {
		req.SetBasicAuth(s.cfg.Username, s.cfg.Password)
	}
	resp, err := s.client.Do(req)
	if err != nil {
		return 0, 0, err.Error()
	}
	defer resp.Body.Close()
	reply, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
	if secs, err := strconv.Atoi(resp.Header.Get("Retry-After")); err == nil && secs > 0 {
		retryAfter = min(time.Duration(secs)*time.Second, s.cfg.MaxBackoff)
	}
	why = resp.Status
	if line := strings.Join(strings.Fields(string(reply)), " "); line != "" {
		why += ": " + line
	}
	return resp.StatusCode, retryAfter, why
}

// backoff is the wait after the nth failure in a row (n from 0): the base
// doubled n times, capped, then drawn between half and all of it so that
// nodes that failed together do not retry together.
func (s *Sender) backoff(n int) time.Duration {
	d := s.cfg.MaxBackoff
	if n < 30 {
		d = min(s.cfg.Backoff<<n, s.cfg.MaxBackoff)
	}
	return d/2 + rand.N(d/2+1)
}
