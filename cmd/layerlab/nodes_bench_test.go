package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/layerlab/layerlab/web/postgres"
	"github.com/layerlab/layerlab/web/postgres/pgtest"
	"github.com/layerlab/layerlab/web/sqlite"
)

// BenchmarkAnswerNodes is the many-node answer budget of
// docs/performance.md: 40,000 quiz answers posted over loopback HTTP to real
// `layerlab serve` processes, on SQLite and on a durable PostgreSQL
// (fsync and synchronous commit on), one node and three. With three
// nodes the load generator spreads its learners over them itself, as a
// layer-4 balancer would, and once more through HAProxy (when installed)
// balancing on the learner cookie. Load generator, nodes, proxy and
// database share the machine, so beside the throughput each setup reports
// the CPU time each part spent per answer.
//
// LAYERLAB_ANSWER_SETUPS=postgres/3-nodes,… runs some setups only;
// LAYERLAB_ANSWER_WORKERS (default 64) and LAYERLAB_ANSWER_TOTAL (default
// 40000) size the load; LAYERLAB_BENCH_PROFILE=DIR writes each node's CPU
// profile (5 s mid-run) and the load generator's into DIR.
//
//	go test ./cmd/layerlab -run '^$' -bench AnswerNodes -benchtime 1x
func BenchmarkAnswerNodes(b *testing.B) {
	workers := envInt("LAYERLAB_ANSWER_WORKERS", 64)
	total := envInt("LAYERLAB_ANSWER_TOTAL", 40000)
	only := os.Getenv("LAYERLAB_ANSWER_SETUPS")
	profDir := os.Getenv("LAYERLAB_BENCH_PROFILE")
	for _, c := range []struct {
		name  string
		pg    bool
		nodes int
		proxy bool
	}{
		{"sqlite/1-node", false, 1, false},
		{"postgres/1-node", true, 1, false},
		{"postgres/3-nodes", true, 3, false},
		{"postgres/3-nodes-haproxy", true, 3, true},
	} {
		if only != "" && !slices.Contains(strings.Split(only, ","), c.name) {
			continue
		}
		b.Run(c.name, func(b *testing.B) {
			if c.proxy && !haveHAProxy() {
				b.Skip("no haproxy (apt-get install haproxy)")
			}
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				db := filepath.Join(b.TempDir(), "layerlab.db")
				var pg *pgtest.Server
				if c.pg {
					var err error
					if pg, err = pgtest.Start(context.Background(), pgtest.Options{Durable: true}); err != nil {
						b.Fatal(err)
					}
					b.Cleanup(func() { pg.Stop() })
					if db, err = pg.NewDatabase(context.Background()); err != nil {
						b.Fatal(err)
					}
				}
				var pprofAddrs []string
				cl := startClusterWith(b, c.nodes, db, c.proxy, func(int) []string {
					if profDir == "" {
						return nil
					}
					a := freeAddr(b)
					pprofAddrs = append(pprofAddrs, a)
					return []string{"--pprof", a}
				})
				targets := []string{cl.base}
				if !c.proxy {
					targets = targets[:0]
					for _, a := range cl.addrs {
						targets = append(targets, "http://"+a)
					}
				}
				gen := newAnswerLoad(targets, workers)
				defer gen.close()
				// Each learner's first answer gets them their cookie, as
				// loading a page would: not timed.
				if failed := gen.post(workers, "warm"); len(failed) > 0 {
					b.Fatalf("warm-up answers failed, by status: %v", failed)
				}
				var profiles sync.WaitGroup
				if profDir != "" {
					name := strings.ReplaceAll(c.name, "/", "-")
					for k, a := range pprofAddrs {
						profiles.Add(1)
						go func() {
							defer profiles.Done()
							saveProfile(b, "http://"+a+"/debug/pprof/profile?seconds=5", filepath.Join(profDir, fmt.Sprintf("%s-node%d.pprof", name, k)))
						}()
					}
					f, err := os.Create(filepath.Join(profDir, name+"-loadgen.pprof"))
					if err != nil {
						b.Fatal(err)
					}
					pprof.StartCPUProfile(f)
					defer func() { pprof.StopCPUProfile(); f.Close() }()
				}
				cpu := cpuSnapshot(cl, pg)
				b.StartTimer()
				start := time.Now()
				failed := gen.post(total, "b")
				took := time.Since(start)
				b.StopTimer()
				used := cpuSnapshot(cl, pg).minus(cpu)
				if profDir != "" {
					pprof.StopCPUProfile()
					profiles.Wait()
				}
				if len(failed) > 0 {
					b.Fatalf("%d of %d answers failed, by status: %v", sum(failed), total, failed)
				}
				if n := countAnswers(b, db); n != total+workers {
					b.Fatalf("database holds %d answers, want %d", n, total+workers)
				}
				lat := gen.latencies()
				per := func(d time.Duration) float64 { return float64(d.Microseconds()) / float64(total) }
				b.ReportMetric(float64(total)/took.Seconds(), "answers/s")
				b.ReportMetric(float64(pct(lat, 0.50).Microseconds())/1000, "p50-ms")
				b.ReportMetric(float64(pct(lat, 0.99).Microseconds())/1000, "p99-ms")
				b.ReportMetric(per(used.nodes), "node-cpu-µs/answer")
				b.ReportMetric(per(used.db), "db-cpu-µs/answer")
				b.ReportMetric(per(used.proxy), "proxy-cpu-µs/answer")
				b.ReportMetric(per(used.loadgen), "loadgen-cpu-µs/answer")
				b.Logf("%d answers in %v by %d learners over %d target(s): %.0f answers/s, p50 %v, p99 %v; CPU per answer: nodes %.0f µs, database %.0f µs, proxy %.0f µs, load generator %.0f µs; load average %s",
					total, took.Round(time.Millisecond), workers, len(targets), float64(total)/took.Seconds(), pct(lat, 0.50), pct(lat, 0.99),
					per(used.nodes), per(used.db), per(used.proxy), per(used.loadgen), loadAverage())
			}
		})
	}
}

func haveHAProxy() bool {
	_, err := os.Stat("/usr/sbin/haproxy")
	if err == nil {
		return true
	}
	for _, dir := range filepath.SplitList(os.Getenv("PATH")) {
		if _, err := os.Stat(filepath.Join(dir, "haproxy")); err == nil {
			return true
		}
	}
	return false
}

// answerLoad posts true/false answers from learners, each with its own
// cookie and its own kept-alive connection, as browsers do. It is built to
// cost little, since it shares the cores with what it measures: each
// learner writes its requests on its connection from bytes it reuses and
// reads the response on the same goroutine (net/http's client spent
// twice as much, most of it in the two goroutines it runs per
// connection).
type answerLoad struct {
	learners []*answerLearner
	next     atomic.Int64
}

type answerLearner struct {
	addr   string // host:port
	conn   net.Conn
	br     *bufio.Reader
	cookie string
	lat    []time.Duration
	req    []byte
	body   []byte
}

const answerPath = "/api/quizzes/image-vs-container/questions/same-thing/answers"

func newAnswerLoad(targets []string, n int) *answerLoad {
	g := &answerLoad{}
	for w := range n {
		g.learners = append(g.learners, &answerLearner{addr: strings.TrimPrefix(targets[w%len(targets)], "http://")})
	}
	return g
}

func (g *answerLoad) close() {
	for _, l := range g.learners {
		if l.conn != nil {
			l.conn.Close()
		}
	}
}

// post sends n answers, client ids prefix-N, and returns how many failed
// by status (0: no answer).
func (g *answerLoad) post(n int, prefix string) map[int]int {
	g.next.Store(0)
	var mu sync.Mutex
	failed := map[int]int{}
	var wg sync.WaitGroup
	for _, l := range g.learners {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				k := int(g.next.Add(1)) - 1
				if k >= n {
					return
				}
				took, status := l.answer(prefix, k)
				if status == http.StatusOK {
					if prefix != "warm" {
						l.lat = append(l.lat, took)
					}
					continue
				}
				mu.Lock()
				failed[status]++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	return failed
}

func (l *answerLearner) answer(prefix string, k int) (time.Duration, int) {
	l.body = append(l.body[:0], `{"client_id":"`...)
	l.body = append(l.body, prefix...)
	l.body = append(l.body, '-')
	l.body = strconv.AppendInt(l.body, int64(k), 10)
	l.body = append(l.body, `","answer":`...)
	l.body = strconv.AppendBool(l.body, k%2 == 0)
	l.body = append(l.body, '}')
	l.req = append(l.req[:0], "POST "+answerPath+" HTTP/1.1\r\nHost: "...)
	l.req = append(l.req, l.addr...)
	l.req = append(l.req, "\r\nContent-Type: application/json\r\n"...)
	if l.cookie != "" {
		l.req = append(l.req, "Cookie: "...)
		l.req = append(l.req, l.cookie...)
		l.req = append(l.req, "\r\n"...)
	}
	l.req = append(l.req, "Content-Length: "...)
	l.req = strconv.AppendInt(l.req, int64(len(l.body)), 10)
	l.req = append(l.req, "\r\n\r\n"...)
	l.req = append(l.req, l.body...)
	start := time.Now()
	if l.conn == nil {
		c, err := net.Dial("tcp", l.addr)
		if err != nil {
			return 0, 0
		}
		l.conn, l.br = c, bufio.NewReaderSize(c, 4096)
	}
	l.conn.SetDeadline(start.Add(10 * time.Second))
	res, err := l.roundTrip()
	if err != nil {
		l.conn.Close()
		l.conn = nil
		return 0, 0
	}
	took := time.Since(start)
	if res.Close {
		l.conn.Close()
		l.conn = nil
	}
	if l.cookie == "" {
		for _, ck := range res.Cookies() {
			if ck.Name == "layerlab_learner" {
				l.cookie = ck.Name + "=" + ck.Value
			}
		}
	}
	return took, res.StatusCode
}

func (l *answerLearner) roundTrip() (*http.Response, error) {
	if _, err := l.conn.Write(l.req); err != nil {
		return nil, err
	}
	res, err := http.ReadResponse(l.br, nil)
	if err != nil {
		return nil, err
	}
	// Read to the end, so the connection is ready for the next answer.
	_, err = io.Copy(io.Discard, res.Body)
	res.Body.Close()
	return res, err
}

func (g *answerLoad) latencies() []time.Duration {
	var all []time.Duration
	for _, l := range g.learners {
		all = append(all, l.lat...)
		l.lat = l.lat[:0]
	}
	return all
}

// cpuUse is CPU time used so far by each part of a benchmark.
type cpuUse struct{ nodes, db, proxy, loadgen time.Duration }

func (a cpuUse) minus(b cpuUse) cpuUse {
	return cpuUse{a.nodes - b.nodes, a.db - b.db, a.proxy - b.proxy, a.loadgen - b.loadgen}
}

func cpuSnapshot(cl *cluster, pg *pgtest.Server) cpuUse {
	var u cpuUse
	for _, n := range cl.nodes {
		u.nodes += processCPU(n.Process.Pid)
	}
	if cl.proxy != nil {
		u.proxy = processCPU(cl.proxy.Process.Pid)
	}
	if pg != nil {
		if pid := pg.PID(); pid > 0 {
			u.db = processCPU(pid)
			for _, child := range childrenOf(pid) {
				u.db += processCPU(child)
			}
		}
	}
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) == nil {
		u.loadgen = time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	}
	return u
}

// processCPU is the user and system CPU time a process has used.
func processCPU(pid int) time.Duration {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	f := strings.Fields(string(data[bytes.LastIndexByte(data, ')')+1:]))
	if len(f) < 13 {
		return 0
	}
	ut, _ := strconv.ParseInt(f[11], 10, 64)
	st, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(ut+st) * time.Second / 100 // USER_HZ
}

// childrenOf lists the processes whose parent is pid (PostgreSQL's
// backends).
func childrenOf(pid int) []int {
	if runtime.GOOS != "linux" {
		return nil
	}
	ents, _ := os.ReadDir("/proc")
	var out []int
	for _, e := range ents {
		child, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		data, err := os.ReadFile("/proc/" + e.Name() + "/stat")
		if err != nil {
			continue
		}
		f := strings.Fields(string(data[bytes.LastIndexByte(data, ')')+1:]))
		if len(f) > 1 && f[1] == strconv.Itoa(pid) {
			out = append(out, child)
		}
	}
	return out
}

func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "?"
	}
	return strings.Join(f[:3], " ")
}

func saveProfile(b *testing.B, url, file string) {
	res, err := http.Get(url)
	if err != nil {
		b.Logf("profile %s: %v", url, err)
		return
	}
	defer res.Body.Close()
	f, err := os.Create(file)
	if err != nil {
		b.Logf("profile: %v", err)
		return
	}
	defer f.Close()
	io.Copy(f, res.Body)
}

func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}

func sum(m map[int]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}

func countAnswers(b *testing.B, db string) int {
	ctx := context.Background()
	var n int
	var err error
	if filepath.IsAbs(db) {
		var lite *sqlite.DB
		if lite, err = sqlite.Open(ctx, db); err == nil {
			n, err = lite.CountAnswers(ctx)
			lite.Close()
		}
	} else {
		var pg *postgres.DB
		if pg, err = postgres.Open(ctx, db); err == nil {
			n, err = pg.CountAnswers(ctx)
			pg.Close()
		}
	}
	if err != nil {
		b.Fatal(err)
	}
	return n
}

func pct(lat []time.Duration, p float64) time.Duration {
	if len(lat) == 0 {
		return 0
	}
	s := slices.Clone(lat)
	slices.Sort(s)
	return s[min(len(s)-1, int(float64(len(s))*p))]
}
