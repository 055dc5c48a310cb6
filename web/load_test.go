package web_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// BenchmarkWebsocketSessions is the learners-per-node budget: it runs the
// real binary as a separate process on loopback, opens
// LAYERLAB_LOAD_SESSIONS sessions (default 5000) arriving over
// LAYERLAB_LOAD_RAMP seconds (default 10), each sending one console
// command every 2 s until LAYERLAB_LOAD_SECONDS (default 40) have passed,
// and reports the command→response latency (all of it, and after the
// arrivals), errors, and the server's peak RSS and CPU time.
//
// The load generator shares the machine with the server, so it is kept
// cheap: each learner's messages are encoded once, a reply is checked by
// its first bytes rather than decoded, and its buffers are reused.
// LAYERLAB_LOAD_PROFILE=DIR also writes the server's CPU profile (10 s,
// after the arrivals, or from LAYERLAB_LOAD_PROFILE_AT seconds) and heap
// profile (at the end) into DIR.
//
//	go test ./web -run '^$' -bench WebsocketSessions -benchtime 1x
func BenchmarkWebsocketSessions(b *testing.B) {
	sessions := envInt("LAYERLAB_LOAD_SESSIONS", 5000)
	seconds := envInt("LAYERLAB_LOAD_SECONDS", 40)
	ramp := time.Duration(envInt("LAYERLAB_LOAD_RAMP", 10)) * time.Second
	profDir := os.Getenv("LAYERLAB_LOAD_PROFILE")
	bin := buildBinary(b)
	for i := 0; i < b.N; i++ {
		var extra []string
		var pprofAddr string
		if profDir != "" {
			l, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				b.Fatal(err)
			}
			pprofAddr = l.Addr().String()
			l.Close()
			extra = append(extra, "--pprof", pprofAddr)
		}
		addr, pid, stop := startServer(b, bin, extra...)
		if pprofAddr != "" {
			at := ramp + 2*time.Second
			if v := envInt("LAYERLAB_LOAD_PROFILE_AT", 0); v > 0 {
				at = time.Duration(v) * time.Second
			}
			go saveProfile(b, "http://"+pprofAddr+"/debug/pprof/profile?seconds=10", filepath.Join(profDir, "cpu.pprof"), at)
		}
		cpu0 := processCPU(pid)
		res := loadSessions(b, addr, sessions, ramp, time.Duration(seconds)*time.Second)
		cpu := processCPU(pid) - cpu0
		if pprofAddr != "" {
			saveProfile(b, "http://"+pprofAddr+"/debug/pprof/heap", filepath.Join(profDir, "heap.pprof"), 0)
		}
		peak := peakRSS(pid)
		stop()
		b.ReportMetric(res.p50.Seconds()*1000, "p50-ms")
		b.ReportMetric(res.p99.Seconds()*1000, "p99-ms")
		b.ReportMetric(res.steadyP99.Seconds()*1000, "steady-p99-ms")
		b.ReportMetric(float64(res.errors), "errors")
		b.ReportMetric(float64(res.commands), "commands")
		b.ReportMetric(float64(peak)/(1<<20), "server-rss-MB")
		b.ReportMetric(cpu.Seconds(), "server-cpu-s")
		b.Logf("%d sessions (arriving over %v), %d commands in %ds: p50 %v, p99 %v, max %v, %d errors; after the arrivals p50 %v, p99 %v; server peak RSS %d MB, server CPU %.1f s, load generator CPU %.1f s",
			sessions, ramp, res.commands, seconds, res.p50, res.p99, res.max, res.errors, res.steadyP50, res.steadyP99, peak>>20, cpu.Seconds(), res.loaderCPU.Seconds())
	}
}

// saveProfile fetches a profile from the server after a delay.
func saveProfile(b *testing.B, url, file string, after time.Duration) {
	time.Sleep(after)
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

// processCPU is the user and system CPU time a process has used.
func processCPU(pid int) time.Duration {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	// The fields after the command name, which is in parentheses.
	f := strings.Fields(string(data[bytes.LastIndexByte(data, ')')+1:]))
	if len(f) < 13 {
		return 0
	}
	ut, _ := strconv.ParseInt(f[11], 10, 64)
	st, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(ut+st) * time.Second / 100 // USER_HZ
}

func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}

func buildBinary(b *testing.B) string {
	b.Helper()
	bin := filepath.Join(b.TempDir(), "layerlab")
	cmd := exec.Command("go", "build", "-o", bin, "github.com/layerlab/layerlab/cmd/layerlab")
	cmd.Stderr = os.Stderr
	if err := cmd.Run(); err != nil {
		b.Fatalf("building the server: %v", err)
	}
	return bin
}

// startServer runs `layerlab serve` on a free loopback port.
func startServer(b *testing.B, bin string, extra ...string) (addr string, pid int, stop func()) {
	b.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	addr = l.Addr().String()
	l.Close()
	args := append([]string{"serve", "--addr", addr, "--db", filepath.Join(b.TempDir(), "load.db"), "--log-level", "warn"}, extra...)
	cmd := exec.Command(bin, args...)
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		res, err := http.Get("http://" + addr + "/healthz")
		if err == nil {
			res.Body.Close()
			if res.StatusCode == 200 {
				break
			}
		}
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			b.Fatal("the server did not start")
		}
		time.Sleep(50 * time.Millisecond) // polling a process we started; not a test of timing
	}
	return addr, cmd.Process.Pid, func() {
		cmd.Process.Signal(os.Interrupt)
		cmd.Wait()
	}
}

type loadResult struct {
	commands, errors     int
	p50, p99, max        time.Duration
	steadyP50, steadyP99 time.Duration // commands sent after every session arrived
	loaderCPU            time.Duration
}

var resultPrefix = []byte(`{"type":"result"`)

// loadSessions opens n sessions, arriving evenly over ramp, and runs the
// command cycle in each, one command every 2 s, until d has passed.
func loadSessions(b *testing.B, addr string, n int, ramp, d time.Duration) loadResult {
	b.Helper()
	var mu sync.Mutex
	lat := make([]time.Duration, 0, n*int(d/(2*time.Second)+1))
	var steady []time.Duration
	errs := 0
	fail := func(err error) {
		mu.Lock()
		errs++
		if errs <= 5 {
			b.Logf("load error: %v", err)
		}
		mu.Unlock()
	}
	dialer := websocket.Dialer{HandshakeTimeout: 30 * time.Second, ReadBufferSize: 1024, WriteBufferSize: 512, WriteBufferPool: &sync.Pool{}}
	pages := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	var wg sync.WaitGroup
	cpu0 := selfCPU()
	start := time.Now()
	arrived := start.Add(ramp + time.Second)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			// Spread the arrivals over the ramp, as learners arriving
			// would.
			time.Sleep(time.Duration(i) * ramp / time.Duration(n))
			// Each learner carries its own learner cookie, as a browser
			// does once the page has set it; page loads themselves are
			// measured by BenchmarkPageInteractive.
			ck, err := fetchLearnerCookie(pages, addr)
			if err != nil {
				fail(err)
				return
			}
			h := http.Header{"Origin": {"http://" + addr}, "Cookie": {ck}}
			conn, _, err := dialer.Dial("ws://"+addr+"/ws", h)
			if err != nil {
				fail(err)
				return
			}
			defer conn.Close()
			var buf bytes.Buffer // one per learner, reused for every reply
			read := func() ([]byte, error) {
				_, r, err := conn.NextReader()
				if err != nil {
					return nil, err
				}
				buf.Reset()
				if _, err := buf.ReadFrom(r); err != nil {
					return nil, err
				}
				return buf.Bytes(), nil
			}
			if _, err := read(); err != nil { // the hello
				fail(err)
				return
			}
			name := fmt.Sprintf("c%d", i)
			var cycle [][]byte
			for _, line := range []string{
				"docker images",
				"docker run -d --name " + name + " python:3.12 sleep 3600",
				"docker ps",
				"docker exec " + name + " sh -c 'echo note >> /etc/motd'",
				"docker diff " + name,
				"docker rm -f " + name,
			} {
				msg, _ := json.Marshal(map[string]string{"type": "cmd", "line": line})
				cycle = append(cycle, msg)
			}
			tick := time.NewTicker(2 * time.Second)
			defer tick.Stop()
			for k := 0; time.Since(start) < d; k++ {
				sent := time.Now()
				if err := conn.WriteMessage(websocket.TextMessage, cycle[k%len(cycle)]); err != nil {
					fail(err)
					return
				}
				conn.SetReadDeadline(time.Now().Add(30 * time.Second))
				reply, err := read()
				if err != nil {
					fail(err)
					return
				}
				took := time.Since(sent)
				if !bytes.HasPrefix(reply, resultPrefix) {
					var res struct{ Error string }
					json.Unmarshal(reply, &res)
					fail(fmt.Errorf("%s answered %s", cycle[k%len(cycle)], res.Error))
				}
				mu.Lock()
				lat = append(lat, took)
				if sent.After(arrived) {
					steady = append(steady, took)
				}
				mu.Unlock()
				<-tick.C
			}
		}(i)
	}
	wg.Wait()
	r := loadResult{commands: len(lat), errors: errs, loaderCPU: selfCPU() - cpu0}
	slices.Sort(lat)
	slices.Sort(steady)
	if len(steady) > 0 {
		r.steadyP50, r.steadyP99 = steady[len(steady)/2], steady[len(steady)*99/100]
		b.Logf("after every session arrived (%v): p50 %v, p99 %v", arrived.Sub(start), r.steadyP50, r.steadyP99)
	}
	if len(lat) > 0 {
		r.p50 = lat[len(lat)/2]
		r.p99 = lat[len(lat)*99/100]
		r.max = lat[len(lat)-1]
	}
	return r
}

// selfCPU is the CPU time this process (the load generator) has used.
func selfCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// peakRSS reads a process's peak resident set size (VmHWM) in bytes.
func peakRSS(pid int) int64 {
	if runtime.GOOS != "linux" {
		return 0
	}
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return kb << 10
		}
	}
	return 0
}

// fetchLearnerCookie loads the playground once for the signed learner
// cookie it sets, as a browser does before it opens the console.
func fetchLearnerCookie(client *http.Client, addr string) (string, error) {
	res, err := client.Get("http://" + addr + "/play")
	if err != nil {
		return "", err
	}
	io.Copy(io.Discard, res.Body)
	res.Body.Close()
	for _, ck := range res.Cookies() {
		if ck.Name == "layerlab_learner" {
			return ck.Name + "=" + ck.Value, nil
		}
	}
	return "", fmt.Errorf("GET /play set no learner cookie (status %d)", res.StatusCode)
}
