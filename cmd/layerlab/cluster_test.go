package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/layerlab/layerlab/web/postgres"
	"github.com/layerlab/layerlab/web/postgres/pgtest"
)

// TestCluster is the many-node test (make cluster-test): three `layerlab
// serve` processes on one PostgreSQL behind HAProxy, all on loopback.
// Websocket learners and answer posters go through the balancer; one
// node is killed with SIGKILL mid-load and PostgreSQL is restarted
// mid-load. Every answer and command acknowledged must be in the
// database, and every learner must resume exactly where they were.
func TestCluster(t *testing.T) {
	if os.Getenv("LAYERLAB_CLUSTER_TEST") == "" {
		t.Skip("the cluster test runs with make cluster-test (LAYERLAB_CLUSTER_TEST=1)")
	}
	ctx := context.Background()
	// Its own PostgreSQL, durable as in production: it is stopped the hard
	// way mid-load.
	pg, err := pgtest.Start(ctx, pgtest.Options{Durable: true})
	if err != nil {
		t.Fatal(err)
	}
	defer pg.Stop()
	dsn, err := pg.NewDatabase(ctx)
	if err != nil {
		t.Fatal(err)
	}
	cl := startCluster(t, 3, dsn, true)
	nodes, addrs, base := cl.nodes, cl.addrs, cl.base

	// The load.
	stop := make(chan struct{})
	var wg sync.WaitGroup
	var answersAcked sync.Map // client id -> true
	var nAnswers, answerRetries atomic.Int64
	var badAnswers atomic.Int64
	var statusMu sync.Mutex
	failures := map[int]int{} // refused answers by status, 0 for a cut connection
	for w := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// Each poster is a learner with a cookie: choice ids are dealt
			// per learner, from a key every node reads from the store.
			jar, _ := cookiejar.New(nil)
			client := &http.Client{Jar: jar, Timeout: 10 * time.Second}
			path, choice, err := dealt(client, base)
			if err != nil {
				badAnswers.Add(1)
				return
			}
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				id := fmt.Sprintf("w%d-%d", w, i)
				for {
					status := postAnswer(client, base+path, id, choice)
					if status == 200 {
						break
					}
					if status == 400 {
						badAnswers.Add(1) // a node dealt ids another refuses
						return
					}
					statusMu.Lock()
					failures[status]++
					statusMu.Unlock()
					answerRetries.Add(1)
					select {
					case <-stop:
						return // never acknowledged: not counted
					case <-time.After(50 * time.Millisecond):
					}
				}
				answersAcked.Store(id, true)
				nAnswers.Add(1)
			}
		}()
	}
	learners := make([]*learner, 30)
	for i := range learners {
		learners[i] = &learner{name: fmt.Sprintf("l%d", i), base: base}
		wg.Add(1)
		go func() {
			defer wg.Done()
			learners[i].work(stop)
		}()
	}

	time.Sleep(3 * time.Second)
	victim := nodes[1]
	if err := victim.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	victim.Wait()
	t.Logf("killed node 1 (%s) with SIGKILL", addrs[1])
	time.Sleep(4 * time.Second)
	if err := pg.Kill(); err != nil {
		t.Fatal(err)
	}
	t.Log("stopped PostgreSQL (immediate)")
	time.Sleep(1500 * time.Millisecond)
	if err := pg.Restart(ctx); err != nil {
		t.Fatal(err)
	}
	t.Log("PostgreSQL back")
	time.Sleep(4 * time.Second)
	close(stop)
	wg.Wait()

	// Every acknowledged answer is stored.
	db, err := postgres.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	lost := 0
	answersAcked.Range(func(k, _ any) bool {
		if _, found, err := db.AnswerByClientID(ctx, k.(string)); err != nil || !found {
			lost++
		}
		return true
	})
	// Every learner resumes with every acknowledged command, in order.
	var commands, moved, cmdLost, cmdErrors int
	for _, l := range learners {
		commands += l.acked
		moved += l.reconnects
		cmdErrors += l.errors
		c, err := l.connect()
		if err != nil {
			t.Fatalf("%s cannot reconnect at the end: %v", l.name, err)
		}
		c.conn.Close()
		missing := l.missingFrom(c.transcript)
		cmdLost += missing
		if missing > 0 {
			t.Errorf("%s: %d acknowledged commands missing after resuming", l.name, missing)
		}
	}
	summary := fmt.Sprintf("cluster: 3 nodes behind HAProxy, node 1 killed, PostgreSQL restarted; "+
		"answers acknowledged %d (retried %d), lost %d; learners %d, reconnected %d times, commands acknowledged %d (refused while the database was away %d), lost %d",
		nAnswers.Load(), answerRetries.Load(), lost, len(learners), moved, commands, cmdErrors, cmdLost)
	fmt.Println(summary)
	t.Log(summary)
	if lost > 0 {
		t.Errorf("%d acknowledged answers lost", lost)
	}
	// What clients saw while things broke: retryable answers only, never
	// a bare 500.
	t.Logf("refused answers by status (0: connection cut): %v", failures)
	for status := range failures {
		if status != 0 && status != http.StatusServiceUnavailable && status != http.StatusBadGateway && status != http.StatusGatewayTimeout {
			t.Errorf("answers refused with %d while a node or the database was away: %v", status, failures)
		}
	}
	if n := badAnswers.Load(); n > 0 {
		t.Errorf("%d answer posters were refused their dealt choice", n)
	}
	if nAnswers.Load() == 0 || commands == 0 || moved == 0 {
		t.Errorf("the load did not run: %d answers, %d commands, %d reconnections", nAnswers.Load(), commands, moved)
	}
}

// cluster is layerlab nodes on one database, and HAProxy in front of them
// when asked for.
type cluster struct {
	nodes []*exec.Cmd
	addrs []string
	base  string // the balancer's URL, or the only node's
	proxy *exec.Cmd
}

// layerlabBinary is built once per test binary.
var layerlabBinary = sync.OnceValues(func() (string, error) {
	dir, err := os.MkdirTemp("", "layerlab-bin-")
	if err != nil {
		return "", err
	}
	bin := filepath.Join(dir, "layerlab")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		return "", fmt.Errorf("building layerlab: %v\n%s", err, out)
	}
	return bin, nil
})

// startCluster starts n `layerlab serve` processes on db (a SQLite path or
// a postgres URL) and, with proxy, HAProxy in front balancing by the
// learner cookie and checking /healthz. Everything stops with the test.
func startCluster(t testing.TB, n int, db string, proxy bool) *cluster {
	t.Helper()
	return startClusterWith(t, n, db, proxy, nil)
}

// startClusterWith is startCluster with more flags for node i's serve.
func startClusterWith(t testing.TB, n int, db string, proxy bool, nodeArgs func(i int) []string) *cluster {
	t.Helper()
	bin, err := layerlabBinary()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	cl := &cluster{}
	for i := range n {
		addr := freeAddr(t)
		args := []string{"serve", "--addr", addr, "--db", db, "--trust-proxy", "--answer-rate", "-1", "--log-level", "warn"}
		if nodeArgs != nil {
			args = append(args, nodeArgs(i)...)
		}
		cmd := exec.Command(bin, args...)
		log, err := os.Create(filepath.Join(dir, fmt.Sprintf("node%d.log", i)))
		if err != nil {
			t.Fatal(err)
		}
		cmd.Stdout, cmd.Stderr = log, log
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
		cl.nodes, cl.addrs = append(cl.nodes, cmd), append(cl.addrs, addr)
	}
	for _, a := range cl.addrs {
		waitHealthy(t, "http://"+a)
	}
	if !proxy {
		cl.base = "http://" + cl.addrs[0]
		return cl
	}
	haproxy, err := exec.LookPath("haproxy")
	if err != nil {
		t.Fatal("no haproxy on PATH (apt-get install haproxy)")
	}
	front := freeAddr(t)
	cfg := filepath.Join(dir, "haproxy.cfg")
	var servers strings.Builder
	for i, a := range cl.addrs {
		fmt.Fprintf(&servers, "    server node%d %s check inter 1s fall 3 rise 2\n", i, a)
	}
	os.WriteFile(cfg, []byte(`global
    maxconn 4096
defaults
    mode http
    timeout connect 2s
    timeout client 60s
    timeout server 60s
    timeout tunnel 1h
    timeout check 3s
    retries 3
    option redispatch
frontend layerlab
    bind `+front+`
    option forwardfor
    default_backend nodes
backend nodes
    balance hash req.cook(layerlab_learner)
    hash-type consistent
    option httpchk GET /healthz
`+servers.String()), 0o644)
	px := exec.Command(haproxy, "-f", cfg, "-db")
	pxLog, _ := os.Create(filepath.Join(dir, "haproxy.log"))
	px.Stdout, px.Stderr = pxLog, pxLog
	if err := px.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { px.Process.Kill(); px.Wait() })
	cl.proxy = px
	cl.base = "http://" + front
	waitHealthy(t, cl.base)
	return cl
}

func waitHealthy(t testing.TB, base string) {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); ; {
		if res, err := http.Get(base + "/healthz"); err == nil {
			res.Body.Close()
			if res.StatusCode == 200 {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s never became healthy", base)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// dealt reads the quiz through the balancer and returns the answer path of
// its first question and the id of a choice as dealt to client's learner.
func dealt(client *http.Client, base string) (path, choice string, err error) {
	for range 50 {
		var res *http.Response
		if res, err = client.Get(base + "/api/quizzes/image-vs-container"); err != nil {
			time.Sleep(100 * time.Millisecond)
			continue
		}
		var v struct {
			Questions []struct {
				ID      string
				Choices []struct{ ID string }
			}
		}
		err = json.NewDecoder(res.Body).Decode(&v)
		res.Body.Close()
		if err == nil && len(v.Questions) > 0 && len(v.Questions[0].Choices) > 0 {
			return "/api/quizzes/image-vs-container/questions/" + v.Questions[0].ID + "/answers", v.Questions[0].Choices[0].ID, nil
		}
	}
	return "", "", fmt.Errorf("reading the quiz: %v", err)
}

// postAnswer posts one answer and returns the status, 0 when there was no
// answer at all; only a 200 is an acknowledgement.
func postAnswer(client *http.Client, url, id, choice string) int {
	res, err := client.Post(url, "application/json", strings.NewReader(`{"client_id":"`+id+`","answer":"`+choice+`"}`))
	if err != nil {
		return 0
	}
	io.Copy(io.Discard, res.Body)
	res.Body.Close()
	return res.StatusCode
}

// learner is one browser: a cookie, and the commands the server
// acknowledged, which must all be there whenever it reconnects.
type learner struct {
	name, base, cookie string
	acked              int // volumes l-0 … l-(acked-1) were acknowledged
	connected          bool
	reconnects, errors int
}

type tab struct {
	conn       *websocket.Conn
	transcript string
}

func (l *learner) connect() (*tab, error) {
	h := http.Header{"Origin": {l.base}}
	if l.cookie != "" {
		h.Set("Cookie", l.cookie)
	}
	d := websocket.Dialer{HandshakeTimeout: 10 * time.Second}
	conn, res, err := d.Dial("ws"+strings.TrimPrefix(l.base, "http")+"/ws", h)
	if err != nil {
		if res != nil {
			body, _ := io.ReadAll(io.LimitReader(res.Body, 300))
			return nil, fmt.Errorf("%w: %d %s", err, res.StatusCode, body)
		}
		return nil, err
	}
	if sc := res.Header.Get("Set-Cookie"); sc != "" {
		l.cookie, _, _ = strings.Cut(sc, ";")
	}
	conn.SetReadDeadline(time.Now().Add(20 * time.Second))
	var hello struct {
		Type, Transcript string
	}
	if err := conn.ReadJSON(&hello); err != nil {
		conn.Close()
		return nil, err
	}
	if hello.Type != "hello" {
		conn.Close()
		return nil, fmt.Errorf("first message %q", hello.Type)
	}
	return &tab{conn: conn, transcript: hello.Transcript}, nil
}

func (l *learner) command(k int) string { return fmt.Sprintf("docker volume create %s-%d", l.name, k) }

// missingFrom counts acknowledged commands not in a transcript.
func (l *learner) missingFrom(transcript string) int {
	n := 0
	for k := range l.acked {
		if !strings.Contains(transcript, "$ "+l.command(k)+"\n") {
			n++
		}
	}
	return n
}

func (l *learner) work(stop chan struct{}) {
	var c *tab
	defer func() {
		if c != nil {
			c.conn.Close()
		}
	}()
	for {
		select {
		case <-stop:
			return
		default:
		}
		if c == nil {
			var err error
			if c, err = l.connect(); err != nil {
				c = nil
				time.Sleep(100 * time.Millisecond)
				continue
			}
			if l.connected {
				l.reconnects++
			}
			l.connected = true
			// A command the server stored but whose answer was lost
			// with its node is there too: go on after it.
			for strings.Contains(c.transcript, "$ "+l.command(l.acked)+"\n") {
				l.acked++
			}
		}
		c.conn.SetReadDeadline(time.Now().Add(20 * time.Second))
		if err := c.conn.WriteJSON(map[string]string{"type": "cmd", "line": l.command(l.acked)}); err != nil {
			c.conn.Close()
			c = nil
			continue
		}
		var m struct{ Type, Error string }
		if err := c.conn.ReadJSON(&m); err != nil {
			var ce *websocket.CloseError
			if errors.As(err, &ce) && ce.Code == 4000 {
				// Another connection of ours took over: impossible with
				// one tab per learner.
				panic("learner " + l.name + " was taken over")
			}
			c.conn.Close()
			c = nil
			continue
		}
		if m.Type == "result" {
			l.acked++
		} else {
			l.errors++
			time.Sleep(100 * time.Millisecond)
		}
		time.Sleep(200 * time.Millisecond)
	}
}
