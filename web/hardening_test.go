package web_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/layerlab/layerlab/web"
)

// heapWatch samples the live heap while fn runs and returns the most it
// grew over what was live before: the memory the requests in fn cost the
// server, which runs in this process.
func heapWatch(t *testing.T, fn func()) (grew uint64) {
	t.Helper()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	base := ms.HeapInuse
	var peak atomic.Uint64
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		tick := time.NewTicker(5 * time.Millisecond)
		defer tick.Stop()
		for {
			var ms runtime.MemStats
			runtime.ReadMemStats(&ms)
			if ms.HeapInuse > peak.Load() {
				peak.Store(ms.HeapInuse)
			}
			select {
			case <-stop:
				return
			case <-tick.C:
			}
		}
	}()
	fn()
	close(stop)
	<-done
	if p := peak.Load(); p > base {
		return p - base
	}
	return 0
}

// signedLearner is a new learner's cookie header and id.
func signedLearner(t *testing.T, ts *testServer) (cookie, id string) {
	t.Helper()
	cookie = learnerCookie(t, ts.URL)
	id, _, _ = strings.Cut(strings.TrimPrefix(cookie, "layerlab_learner="), ".")
	return cookie, id
}

// heavyLog is a session that costs much memory and time to replay: files
// of random bytes written in containers.
func heavyLog(n int) []web.LogEntry {
	var log []web.LogEntry
	for i := range n {
		log = append(log, web.LogEntry{Kind: "cmd", Line: fmt.Sprintf(
			"docker run --name heavy%d alpine:3.20 sh -c 'for i in 1 2 3 4 5 6 7 8; do head -c 1000000 /dev/urandom > /f$i; done'", i)})
	}
	return log
}

// Page loads never replay a session: ten at once of a learner whose
// session is heavy cost the server next to no memory.
func TestHeavyPageLoadsDoNotReplay(t *testing.T) {
	ts := newServer(t)
	cookie, id := signedLearner(t, ts)
	if err := ts.db.SaveSession(context.Background(), id, "play", 3, heavyLog(12)); err != nil {
		t.Fatal(err)
	}
	grew := heapWatch(t, func() {
		var wg sync.WaitGroup
		for range 10 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				req, _ := http.NewRequest("GET", ts.URL+"/play", nil)
				req.Header.Set("Cookie", cookie)
				res, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Error(err)
					return
				}
				res.Body.Close()
				if res.StatusCode != 200 {
					t.Errorf("page load: %d", res.StatusCode)
				}
			}()
		}
		wg.Wait()
	})
	const bound = 32 << 20
	t.Logf("ten heavy page loads grew the heap by %d MB", grew>>20)
	if grew > bound {
		t.Errorf("ten page loads of a heavy session grew the heap by %d MB; the bound is %d MB", grew>>20, bound>>20)
	}
}

// Ten heavy sessions reconnecting at once are replayed a few at a time
// (the heavy gate), so their memory does not add up.
func TestHeavyReconnectsBounded(t *testing.T) {
	ts := newServer(t)
	var cookies []string
	for range 10 {
		cookie, id := signedLearner(t, ts)
		if err := ts.db.SaveSession(context.Background(), id, "play", 3, heavyLog(4)); err != nil {
			t.Fatal(err)
		}
		cookies = append(cookies, cookie)
	}
	grew := heapWatch(t, func() {
		var wg sync.WaitGroup
		for _, cookie := range cookies {
			wg.Add(1)
			go func() {
				defer wg.Done()
				conn, _, err := websocket.DefaultDialer.Dial(wsURL(ts), http.Header{"Origin": {ts.URL}, "Cookie": {cookie}})
				if err != nil {
					t.Error(err)
					return
				}
				// The hello, then away: the session is let go.
				conn.SetReadDeadline(time.Now().Add(60 * time.Second))
				var m map[string]any
				conn.ReadJSON(&m)
				conn.Close()
			}()
		}
		wg.Wait()
	})
	const bound = 96 << 20
	t.Logf("ten heavy reconnects at once grew the heap by %d MB", grew>>20)
	if grew > bound {
		t.Errorf("ten heavy reconnects at once grew the heap by %d MB; the bound is %d MB", grew>>20, bound>>20)
	}
}

// The page shows the picture the console last drew, without a replay.
func TestPageShowsLastPicture(t *testing.T) {
	ts := newServer(t)
	cookie, _ := signedLearner(t, ts)
	conn := dialWS(t, ts, cookie)
	send(t, conn, `{"type":"cmd","line":"docker run -d --name pictured python:3.12 sleep 100"}`)
	conn.Close()
	req, _ := http.NewRequest("GET", ts.URL+"/play", nil)
	req.Header.Set("Cookie", cookie)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body := readAll(res)
	if !strings.Contains(body, "pictured") {
		t.Error("the page does not show the container the console made")
	}
}

// Ten concurrent views of hostile Dockerfiles in the viz embed stay under
// a memory bound: builds run a few at a time under small limits, and a
// Dockerfile already built is served from the cache.
func TestHeavyEmbedViewsBounded(t *testing.T) {
	ts := newServer(t)
	hostile := func(i int) string {
		var b strings.Builder
		b.WriteString("FROM alpine:3.20\n")
		for k := range 6 {
			fmt.Fprintf(&b, "RUN for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16; do head -c 1000000 /dev/urandom > /f%d-%d-$i; done\n", i, k)
		}
		return b.String()
	}
	view := func(df string) int {
		res, err := http.Get(ts.URL + "/embed/viz?dockerfile=" + urlEscape(df))
		if err != nil {
			t.Error(err)
			return 0
		}
		readAll(res)
		return res.StatusCode
	}
	var ok atomic.Int32
	grew := heapWatch(t, func() {
		var wg sync.WaitGroup
		for i := range 10 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if view(hostile(i)) == 200 {
					ok.Add(1)
				}
			}()
		}
		wg.Wait()
	})
	const bound = 64 << 20
	t.Logf("ten hostile embeds (%d answered 200) grew the heap by %d MB", ok.Load(), grew>>20)
	if grew > bound {
		t.Errorf("ten hostile embed views grew the heap by %d MB; the bound is %d MB", grew>>20, bound>>20)
	}
	if ok.Load() == 0 {
		t.Error("no hostile embed view was answered")
	}
	// The same Dockerfile again is the cached page: no build, so nearly
	// nothing allocated.
	view(hostile(0))
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	if code := view(hostile(0)); code != 200 {
		t.Fatalf("cached view: %d", code)
	}
	runtime.ReadMemStats(&after)
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 8<<20 {
		t.Errorf("a cached embed view allocated %d MB: it was built again", alloc>>20)
	}
}

// 100 opens of a share link by new learners add a few bytes each to the
// database, not a copy of the shared log each; the learner's first write
// gives them their own copy.
func TestShareOpensAddBoundedBytes(t *testing.T) {
	ts := newServer(t)
	ctx := context.Background()
	var log []web.LogEntry
	for i := range 60 {
		log = append(log, web.LogEntry{Kind: "file", Path: fmt.Sprintf("f%d.txt", i), Data: []byte(strings.Repeat(fmt.Sprint(i%10), 64<<10))})
	}
	log = append(log, web.LogEntry{Kind: "cmd", Line: "docker run --name shared python:3.12 true"})
	const id = "00112233aabbccdd"
	if err := ts.db.SaveShare(ctx, id, 11, log); err != nil {
		t.Fatal(err)
	}
	before := dbBytes(t, ts)
	client := noRedirect(nil)
	for i := range 100 {
		res, err := client.Get(ts.URL + "/play?share=" + id)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusSeeOther {
			t.Fatalf("open %d: %d, want 303", i, res.StatusCode)
		}
	}
	grew := dbBytes(t, ts) - before
	t.Logf("100 share opens grew the database by %d KB", grew>>10)
	if grew > 2<<20 {
		t.Errorf("100 share opens grew the database by %d KB; the bound is 2 MB (the shared log is %d KB)", grew>>10, 60*64)
	}
}

func dbBytes(t *testing.T, ts *testServer) int64 {
	t.Helper()
	var n int64
	for _, suffix := range []string{"", "-wal"} {
		if fi, err := os.Stat(ts.dbPath + suffix); err == nil {
			n += fi.Size()
		}
	}
	return n
}

// A learner cookie the server did not sign is not a learner: the socket
// gets a new learner, and nothing is stored under the made-up id.
func TestMintedLearnerCookieRefused(t *testing.T) {
	ts := newServer(t)
	ctx := context.Background()
	for _, minted := range []string{
		"0123456789abcdef0123456789abcdef",
		"0123456789abcdef0123456789abcdef.0123456789abcdef0123456789abcdef",
	} {
		h := http.Header{"Origin": {ts.URL}, "Cookie": {"layerlab_learner=" + minted}}
		conn, res, err := websocket.DefaultDialer.Dial(wsURL(ts), h)
		if err != nil {
			t.Fatal(err)
		}
		conn.Close()
		ck := res.Header.Get("Set-Cookie")
		if !strings.HasPrefix(ck, "layerlab_learner=") || strings.HasPrefix(ck, "layerlab_learner=0123456789abcdef0123456789abcdef") {
			t.Errorf("minted cookie %.40s… answered with Set-Cookie %q, want a new learner", minted, ck)
		}
		if known, _ := ts.db.KnownLearner(ctx, "0123456789abcdef0123456789abcdef"); known {
			t.Errorf("a session was stored under the minted id %.40s…", minted)
		}
	}
	// The signed cookie a page hands out is kept.
	cookie, id := signedLearner(t, ts)
	conn, res, err := websocket.DefaultDialer.Dial(wsURL(ts), http.Header{"Origin": {ts.URL}, "Cookie": {cookie}})
	if err != nil {
		t.Fatal(err)
	}
	conn.Close()
	if ck := res.Header.Get("Set-Cookie"); ck != "" {
		t.Errorf("a signed cookie was answered with Set-Cookie %q", ck)
	}
	if known, _ := ts.db.KnownLearner(ctx, id); !known {
		t.Error("no session for the signed learner")
	}
}

// New sessions are counted per address however the cookies are made up;
// a learner with a signed cookie is not counted.
func TestNewSessionsLimitedPerAddress(t *testing.T) {
	ts := newQuizServer(t, web.Config{NewSessionBurst: 3}, nil)
	cookie := learnerCookie(t, ts.URL) // before the burst is spent
	refused := 0
	for i := range 8 {
		h := http.Header{"Origin": {ts.URL}, "Cookie": {fmt.Sprintf("layerlab_learner=%032x", i+1)}}
		conn, res, err := websocket.DefaultDialer.Dial(wsURL(ts), h)
		if err == nil {
			conn.Close()
			continue
		}
		if res == nil || res.StatusCode != http.StatusTooManyRequests {
			t.Fatalf("dial %d: %v", i, err)
		}
		refused++
	}
	if refused < 4 {
		t.Errorf("8 sockets with made-up cookies: %d refused, want at least 4 past a burst of 3", refused)
	}
	conn, _, err := websocket.DefaultDialer.Dial(wsURL(ts), http.Header{"Origin": {ts.URL}, "Cookie": {cookie}})
	if err != nil {
		t.Fatalf("a signed learner was refused: %v", err)
	}
	conn.Close()
}

// A bare learner id from before cookies were signed keeps its session when
// the server knows it, and is answered with the signed cookie.
func TestLegacyCookieResigned(t *testing.T) {
	ts := newServer(t)
	const old = "00000000000000000000000000000abc"
	log := []web.LogEntry{{Kind: "cmd", Line: "docker run --name kept python:3.12 true"}}
	if err := ts.db.SaveSession(context.Background(), old, "play", 5, log); err != nil {
		t.Fatal(err)
	}
	conn, res, err := websocket.DefaultDialer.Dial(wsURL(ts), http.Header{"Origin": {ts.URL}, "Cookie": {"layerlab_learner=" + old}})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if ck := res.Header.Get("Set-Cookie"); !strings.HasPrefix(ck, "layerlab_learner="+old+".") {
		t.Errorf("a known bare id was answered with Set-Cookie %q, want it signed", ck)
	}
	m := read(t, conn)
	if !strings.Contains(m["transcript"].(string), "kept") {
		t.Errorf("the old session was not resumed: %v", m["transcript"])
	}
}

// A command that used all of its time is answered, so it is stored, and a
// reconnect replays it.
func TestCommandOutOfTimeIsStored(t *testing.T) {
	ts := newQuizServer(t, web.Config{CommandTime: time.Millisecond}, nil)
	cookie, id := signedLearner(t, ts)
	conn := dialWS(t, ts, cookie)
	line := "docker run --name slow alpine:3.20 sh -c 'i=0; while [ $i -lt 100000 ]; do i=$((i+1)); done'"
	m := send(t, conn, fmt.Sprintf(`{"type":"cmd","line":%q}`, line))
	if m["type"] != "result" {
		t.Fatalf("the command was answered with %v", m)
	}
	conn.Close()
	_, log, _, err := ts.db.LoadSession(context.Background(), id, "play")
	if err != nil {
		t.Fatal(err)
	}
	if len(log) != 1 || log[0].Line != line {
		t.Fatalf("stored log %v, want the command that was answered", log)
	}
}

// A long session replays whole on reconnect: every command has its own
// time, however long the log.
func TestLongSessionReplaysWhole(t *testing.T) {
	ts := newQuizServer(t, web.Config{CommandTime: 300 * time.Millisecond}, nil)
	cookie, id := signedLearner(t, ts)
	var log []web.LogEntry
	for i := range 40 {
		log = append(log, web.LogEntry{Kind: "cmd", Line: fmt.Sprintf("docker run --name c%d alpine:3.20 sh -c 'i=0; while [ $i -lt 2000 ]; do i=$((i+1)); done'", i)})
	}
	if err := ts.db.SaveSession(context.Background(), id, "play", 2, log); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	conn := dialWS(t, ts, cookie)
	t.Logf("replayed 40 commands in %v", time.Since(start))
	m := send(t, conn, `{"type":"cmd","line":"docker ps -a --format '{{.Names}}'"}`)
	out, _ := m["output"].(string)
	for i := range 40 {
		if !strings.Contains(out, fmt.Sprintf("c%d\n", i)) {
			t.Errorf("container c%d is missing after the replay:\n%s", i, out)
			break
		}
	}
}

func dialWS(t *testing.T, ts *testServer, cookie string) *websocket.Conn {
	t.Helper()
	conn, _, err := websocket.DefaultDialer.Dial(wsURL(ts), http.Header{"Origin": {ts.URL}, "Cookie": {cookie}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	if m := read(t, conn); m["type"] != "hello" {
		t.Fatalf("first message %v", m)
	}
	return conn
}

func read(t *testing.T, conn *websocket.Conn) map[string]any {
	t.Helper()
	conn.SetReadDeadline(time.Now().Add(60 * time.Second))
	var m map[string]any
	if err := conn.ReadJSON(&m); err != nil {
		t.Fatal(err)
	}
	return m
}

func send(t *testing.T, conn *websocket.Conn, msg string) map[string]any {
	t.Helper()
	if err := conn.WriteMessage(websocket.TextMessage, []byte(msg)); err != nil {
		t.Fatal(err)
	}
	return read(t, conn)
}

func readAll(res *http.Response) string {
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return string(b)
}

func urlEscape(s string) string { return url.QueryEscape(s) }

// A console that reconnects finds its session still in memory: reconnecting
// in a loop does not make the server replay, and a session changed in
// storage meanwhile is replayed from storage, not taken from memory.
func TestReconnectTakesIdleSession(t *testing.T) {
	ts := newServer(t)
	cookie, id := signedLearner(t, ts)
	if err := ts.db.SaveSession(context.Background(), id, "play", 3, heavyLog(8)); err != nil {
		t.Fatal(err)
	}
	dialWS(t, ts, cookie).Close() // replays, then parks the session
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	// (A reconnect that wins the race with the server noticing the close
	// replays, as a second tab does; most do not.)
	for range 5 {
		conn := dialWS(t, ts, cookie)
		conn.Close()
	}
	runtime.ReadMemStats(&after)
	t.Logf("five reconnects allocated %d MB", (after.TotalAlloc-before.TotalAlloc)>>20)
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 100<<20 {
		t.Errorf("five reconnects allocated %d MB: the session was replayed each time", alloc>>20)
	}
	// Changed in storage (as by another node): replayed from there.
	changed := []web.LogEntry{{Kind: "cmd", Line: "docker run --name elsewhere python:3.12 true"}}
	if err := ts.db.SaveSession(context.Background(), id, "play", 3, changed); err != nil {
		t.Fatal(err)
	}
	conn, _, err := websocket.DefaultDialer.Dial(wsURL(ts), http.Header{"Origin": {ts.URL}, "Cookie": {cookie}})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if m := read(t, conn); !strings.Contains(fmt.Sprint(m["transcript"]), "elsewhere") || strings.Contains(fmt.Sprint(m["transcript"]), "heavy0") {
		t.Errorf("after the stored session changed, the console shows %q", m["transcript"])
	}
}

// One learner's console reconnecting in a loop is slowed down.
func TestReconnectLoopLimited(t *testing.T) {
	ts := newServer(t)
	cookie, _ := signedLearner(t, ts)
	other, _ := signedLearner(t, ts)
	limited := false
	for range 20 {
		conn, res, err := websocket.DefaultDialer.Dial(wsURL(ts), http.Header{"Origin": {ts.URL}, "Cookie": {cookie}})
		if err == nil {
			conn.Close()
			continue
		}
		if res != nil && res.StatusCode == http.StatusTooManyRequests {
			limited = true
			break
		}
		t.Fatal(err)
	}
	if !limited {
		t.Fatal("20 reconnects in a row were never limited")
	}
	dialWS(t, ts, other) // another learner is not
}
