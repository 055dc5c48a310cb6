package web_test

import (
	"bufio"
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
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// BenchmarkWebsocketSessions is the load generator of the websocket
// budget: it runs the real binary as a separate process on loopback, opens
// LAYERLAB_LOAD_SESSIONS sessions (default 1000), each sending one console
// command every 2 s for LAYERLAB_LOAD_SECONDS (default 20), and reports the
// command→response latency, errors and the server's peak RSS.
//
//	go test ./web -run '^$' -bench WebsocketSessions -benchtime 1x
func BenchmarkWebsocketSessions(b *testing.B) {
	sessions := envInt("LAYERLAB_LOAD_SESSIONS", 1000)
	seconds := envInt("LAYERLAB_LOAD_SECONDS", 20)
	bin := buildBinary(b)
	for i := 0; i < b.N; i++ {
		addr, pid, stop := startServer(b, bin)
		res := loadSessions(b, addr, sessions, time.Duration(seconds)*time.Second)
		peak := peakRSS(pid)
		stop()
		b.ReportMetric(res.p50.Seconds()*1000, "p50-ms")
		b.ReportMetric(res.p99.Seconds()*1000, "p99-ms")
		b.ReportMetric(float64(res.errors), "errors")
		b.ReportMetric(float64(res.commands), "commands")
		b.ReportMetric(float64(peak)/(1<<20), "server-rss-MB")
		b.Logf("%d sessions, %d commands in %ds: p50 %v, p99 %v, max %v, %d errors, server peak RSS %d MB",
			sessions, res.commands, seconds, res.p50, res.p99, res.max, res.errors, peak>>20)
	}
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
func startServer(b *testing.B, bin string) (addr string, pid int, stop func()) {
	b.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	addr = l.Addr().String()
	l.Close()
	cmd := exec.Command(bin, "serve", "--addr", addr, "--db", filepath.Join(b.TempDir(), "load.db"), "--log-level", "warn")
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
	commands, errors int
	p50, p99, max    time.Duration
}

// loadSessions opens n sessions and runs the command cycle in each.
func loadSessions(b *testing.B, addr string, n int, d time.Duration) loadResult {
	b.Helper()
	var mu sync.Mutex
	var lat, steady []time.Duration
	errs := 0
	fail := func(err error) {
		mu.Lock()
		errs++
		if errs <= 5 {
			b.Logf("load error: %v", err)
		}
		mu.Unlock()
	}
	dialer := websocket.Dialer{HandshakeTimeout: 30 * time.Second}
	var wg sync.WaitGroup
	start := time.Now()
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			// Spread the sessions over the first two seconds, as learners
			// arriving would.
			time.Sleep(time.Duration(i) * 2 * time.Second / time.Duration(n))
			// Each learner carries its own learner cookie, as a browser
			// does once the page has set it; page loads themselves are
			// measured by BenchmarkPageInteractive.
			ck, err := fetchLearnerCookie(addr)
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
			var hello map[string]any
			if err := conn.ReadJSON(&hello); err != nil {
				fail(err)
				return
			}
			name := fmt.Sprintf("c%d", i)
			cycle := []string{
				"docker images",
				"docker run -d --name " + name + " python:3.12 sleep 3600",
				"docker ps",
				"docker exec " + name + " sh -c 'echo note >> /etc/motd'",
				"docker diff " + name,
				"docker rm -f " + name,
			}
			tick := time.NewTicker(2 * time.Second)
			defer tick.Stop()
			for k := 0; time.Since(start) < d; k++ {
				line := cycle[k%len(cycle)]
				msg, _ := json.Marshal(map[string]string{"type": "cmd", "line": line})
				sent := time.Now()
				if err := conn.WriteMessage(websocket.TextMessage, msg); err != nil {
					fail(err)
					return
				}
				var res map[string]any
				conn.SetReadDeadline(time.Now().Add(30 * time.Second))
				if err := conn.ReadJSON(&res); err != nil {
					fail(err)
					return
				}
				took := time.Since(sent)
				if res["type"] != "result" {
					fail(fmt.Errorf("%s answered %v", line, res["error"]))
				}
				mu.Lock()
				lat = append(lat, took)
				if time.Since(start) > 4*time.Second {
					steady = append(steady, took)
				}
				mu.Unlock()
				<-tick.C
			}
		}(i)
	}
	wg.Wait()
	slices.Sort(lat)
	slices.Sort(steady)
	if len(steady) > 0 {
		b.Logf("after the first 4 s: p50 %v, p99 %v", steady[len(steady)/2], steady[len(steady)*99/100])
	}
	r := loadResult{commands: len(lat), errors: errs}
	if len(lat) > 0 {
		r.p50 = lat[len(lat)/2]
		r.p99 = lat[len(lat)*99/100]
		r.max = lat[len(lat)-1]
	}
	return r
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
func fetchLearnerCookie(addr string) (string, error) {
	res, err := http.Get("http://" + addr + "/play")
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
