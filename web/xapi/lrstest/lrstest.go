// Package lrstest is a small learning record store for tests: it takes
// statements at /statements as an xAPI 1.0.3 LRS would, checks each one's
// required properties, and keeps one copy per statement id. A test can
// take it down (503, or no answer at all) and bring it back, and make it
// refuse chosen statements.
package lrstest

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"sync"
	"testing"
	"time"
)

// LRS is a running test LRS.
type LRS struct {
	URL string // the xAPI endpoint; statements go to URL + "/statements"

	t          testing.TB
	srv        *httptest.Server
	user, pass string

	mu       sync.Mutex
	mode     Mode
	refuse   map[string]bool
	byID     map[string]map[string]any
	order    []string
	received map[string]int // copies of each id received, kept or not
	posts    int
	failed   int
	biggest  int // the most statements one request carried
}

// Mode is how the LRS answers.
type Mode int

const (
	Up      Mode = iota
	Down         // 503 Service Unavailable
	Cut          // the connection is closed without an answer
	Limited      // 429 Too Many Requests
	Locked       // 401 Unauthorized, as to a wrong key or secret
)

// New starts an LRS that wants HTTP Basic user and pass; it stops with
// the test.
func New(t testing.TB, user, pass string) *LRS {
	l := &LRS{t: t, user: user, pass: pass, refuse: map[string]bool{},
		byID: map[string]map[string]any{}, received: map[string]int{}}
	l.srv = httptest.NewServer(http.HandlerFunc(l.serve))
	t.Cleanup(l.srv.Close)
	l.URL = l.srv.URL + "/xapi"
	return l
}

// Set changes how the LRS answers from now on.
func (l *LRS) Set(m Mode) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.mode = m
}

// Refuse makes the LRS answer 400 to any request holding statement id.
func (l *LRS) Refuse(id string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.refuse[id] = true
}

// Statements are the statements stored, in the order they first came.
func (l *LRS) Statements() []map[string]any {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := make([]map[string]any, len(l.order))
	for i, id := range l.order {
		out[i] = l.byID[id]
	}
	return out
}

// Received is how many times each statement id arrived in a request the
// LRS stored; more than 1 means it was sent again after it was stored.
func (l *LRS) Received() map[string]int {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := make(map[string]int, len(l.received))
	for id, n := range l.received {
		out[id] = n
	}
	return out
}

// Failed is how many requests the LRS failed on purpose (down, cut,
// limited, refused).
func (l *LRS) Failed() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.failed
}

// Biggest is the most statements one request carried.
func (l *LRS) Biggest() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.biggest
}

func (l *LRS) serve(w http.ResponseWriter, r *http.Request) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.posts++
	switch l.mode {
	case Down:
		l.failed++
		http.Error(w, "down for maintenance", http.StatusServiceUnavailable)
		return
	case Limited:
		l.failed++
		w.Header().Set("Retry-After", "1")
		http.Error(w, "slow down", http.StatusTooManyRequests)
		return
	case Locked:
		l.failed++
		w.Header().Set("WWW-Authenticate", `Basic realm="LRS"`)
		http.Error(w, "unknown key", http.StatusUnauthorized)
		return
	case Cut:
		l.failed++
		if hj, ok := w.(http.Hijacker); ok {
			if conn, _, err := hj.Hijack(); err == nil {
				conn.Close()
				return
			}
		}
		panic(http.ErrAbortHandler)
	}
	if r.URL.Path != "/xapi/statements" || r.Method != http.MethodPost {
		l.t.Errorf("LRS: %s %s, want POST /xapi/statements", r.Method, r.URL.Path)
		http.Error(w, "not here", http.StatusNotFound)
		return
	}
	if v := r.Header.Get("X-Experience-API-Version"); v != "1.0.3" {
		l.t.Errorf("LRS: X-Experience-API-Version %q, want 1.0.3", v)
		http.Error(w, "version", http.StatusBadRequest)
		return
	}
	if u, p, ok := r.BasicAuth(); !ok || u != l.user || p != l.pass {
		l.t.Errorf("LRS: authorization %q, want Basic %s", r.Header.Get("Authorization"), base64.StdEncoding.EncodeToString([]byte(l.user+":"+l.pass)))
		http.Error(w, "who are you", http.StatusUnauthorized)
		return
	}
	if ct := r.Header.Get("Content-Type"); ct != "application/json" {
		l.t.Errorf("LRS: Content-Type %q", ct)
	}
	var batch []map[string]any
	if err := json.NewDecoder(r.Body).Decode(&batch); err != nil {
		l.t.Errorf("LRS: body is not an array of statements: %v", err)
		http.Error(w, "bad body", http.StatusBadRequest)
		return
	}
	l.biggest = max(l.biggest, len(batch))
	var ids []string
	for _, st := range batch {
		id, _ := st["id"].(string)
		if l.refuse[id] {
			l.failed++
			http.Error(w, "statement "+id+" refused", http.StatusBadRequest)
			return
		}
		if problems := Check(st); len(problems) > 0 {
			l.t.Errorf("LRS: statement %s: %v\n%v", id, problems, st)
			http.Error(w, fmt.Sprint(problems), http.StatusBadRequest)
			return
		}
		ids = append(ids, id)
	}
	for i, id := range ids {
		l.received[id]++
		if _, ok := l.byID[id]; !ok {
			l.byID[id] = batch[i]
			l.order = append(l.order, id)
		}
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(ids)
}

var uuidRE = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

// Check lists what is wrong with a statement by xAPI 1.0.3's rules for
// the properties layerlab sends (Data 2.4).
func Check(st map[string]any) []string {
	var p []string
	bad := func(f string, args ...any) { p = append(p, fmt.Sprintf(f, args...)) }
	if id, _ := st["id"].(string); !uuidRE.MatchString(id) {
		bad("id %v is not a UUID", st["id"])
	}
	// actor: an Agent identified by an account alone.
	actor, _ := st["actor"].(map[string]any)
	if actor == nil {
		bad("no actor")
	} else {
		if actor["objectType"] != nil && actor["objectType"] != "Agent" {
			bad("actor objectType %v", actor["objectType"])
		}
		for _, ifi := range []string{"mbox", "mbox_sha1sum", "openid"} {
			if actor[ifi] != nil {
				bad("actor has %s besides its account", ifi)
			}
		}
		acc, _ := actor["account"].(map[string]any)
		home, _ := acc["homePage"].(string)
		name, _ := acc["name"].(string)
		if !isIRI(home) || name == "" {
			bad("actor account %v: want homePage (an IRL) and name", actor["account"])
		}
	}
	// verb: an IRI and a language map.
	verb, _ := st["verb"].(map[string]any)
	if id, _ := verb["id"].(string); !isIRI(id) {
		bad("verb id %v is not an IRI", verb["id"])
	}
	if !isLangMap(verb["display"]) {
		bad("verb display %v is not a language map", verb["display"])
	}
	// object: an Activity with an IRI.
	obj, _ := st["object"].(map[string]any)
	if ot := obj["objectType"]; ot != "Activity" {
		bad("object objectType %v, want Activity", ot)
	}
	if id, _ := obj["id"].(string); !isIRI(id) {
		bad("object id %v is not an IRI", obj["id"])
	}
	if def, ok := obj["definition"].(map[string]any); ok {
		if typ, ok := def["type"]; ok && !isIRIValue(typ) {
			bad("activity type %v is not an IRI", typ)
		}
		if name, ok := def["name"]; ok && !isLangMap(name) {
			bad("activity name %v is not a language map", name)
		}
	}
	// result: typed fields, a score inside its bounds.
	if r, ok := st["result"]; ok {
		res, _ := r.(map[string]any)
		if res == nil {
			bad("result %v is not an object", r)
		}
		for _, f := range []string{"success", "completion"} {
			if v, ok := res[f]; ok {
				if _, isBool := v.(bool); !isBool {
					bad("result %s %v is not a boolean", f, v)
				}
			}
		}
		if s, ok := res["score"]; ok {
			p = append(p, checkScore(s)...)
		}
	}
	// context: platform a string, extensions keyed by IRIs.
	if c, ok := st["context"].(map[string]any); ok {
		if pl, ok := c["platform"]; ok {
			if _, isStr := pl.(string); !isStr {
				bad("context platform %v is not a string", pl)
			}
		}
		if ext, ok := c["extensions"].(map[string]any); ok {
			for k := range ext {
				if !isIRI(k) {
					bad("extension key %q is not an IRI", k)
				}
			}
		}
	}
	ts, _ := st["timestamp"].(string)
	if _, err := time.Parse(time.RFC3339Nano, ts); err != nil {
		bad("timestamp %v is not ISO 8601: %v", st["timestamp"], err)
	}
	for _, lrsOnly := range []string{"stored", "authority"} {
		if _, ok := st[lrsOnly]; ok {
			bad("%s is the LRS's to set", lrsOnly)
		}
	}
	return p
}

func checkScore(s any) []string {
	score, _ := s.(map[string]any)
	if score == nil {
		return []string{fmt.Sprintf("score %v is not an object", s)}
	}
	num := func(f string) (float64, bool) {
		v, ok := score[f]
		if !ok {
			return 0, false
		}
		n, isNum := v.(float64)
		return n, isNum
	}
	var p []string
	for f := range score {
		if _, ok := num(f); !ok {
			p = append(p, fmt.Sprintf("score %s %v is not a number", f, score[f]))
		}
	}
	if sc, ok := num("scaled"); ok && (sc < -1 || sc > 1) {
		p = append(p, fmt.Sprintf("scaled score %v outside -1..1", sc))
	}
	lo, hasMin := num("min")
	hi, hasMax := num("max")
	raw, hasRaw := num("raw")
	if hasMin && hasMax && lo >= hi {
		p = append(p, fmt.Sprintf("score min %v not below max %v", lo, hi))
	}
	if hasRaw && (hasMin && raw < lo || hasMax && raw > hi) {
		p = append(p, fmt.Sprintf("raw score %v outside %v..%v", raw, lo, hi))
	}
	return p
}

func isIRIValue(v any) bool {
	s, ok := v.(string)
	return ok && isIRI(s)
}

func isIRI(s string) bool {
	u, err := url.Parse(s)
	return err == nil && u.Scheme != "" && (u.Host != "" || u.Opaque != "")
}

func isLangMap(v any) bool {
	m, ok := v.(map[string]any)
	if !ok || len(m) == 0 {
		return false
	}
	for k, s := range m {
		if _, isStr := s.(string); !isStr || k == "" {
			return false
		}
	}
	return true
}
