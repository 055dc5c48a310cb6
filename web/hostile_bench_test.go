package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// BenchmarkHostileNeighbours is the fairness budget: 200 normal learners
// (the websocket load of BenchmarkWebsocketSessions) beside 10 hostile
// clients against the real binary on loopback, for LAYERLAB_LOAD_SECONDS
// (default 20). The hostile ones, two of each: consoles running `yes > /f`
// and files of random bytes as fast as they are let; heavy sessions
// reloading their page and reconnecting (a replay each time); new
// Dockerfiles for the viz embed; cookieless share-link opens; sockets with
// made-up learner cookies. It reports the normal learners' latency and the
// server's peak RSS.
//
// LAYERLAB_HOSTILE=hog,heavy,embed,share,minted picks some of them.
//
//	go test ./web -run '^$' -bench HostileNeighbours -benchtime 1x
func BenchmarkHostileNeighbours(b *testing.B) {
	normal := envInt("LAYERLAB_LOAD_SESSIONS_NORMAL", 200)
	seconds := envInt("LAYERLAB_LOAD_SECONDS", 20)
	bin := buildBinary(b)
	for i := 0; i < b.N; i++ {
		addr, pid, stop := startServer(b, bin)
		ctx, cancel := context.WithTimeout(context.Background(), time.Duration(seconds)*time.Second)
		var counts hostileCounts
		var wg sync.WaitGroup
		attacks := map[string]func(context.Context, string, int, *hostileCounts){
			"hog": hogConsole, "heavy": heavyReloads, "embed": embedPump, "share": shareOpens, "minted": mintedCookies,
		}
		only := os.Getenv("LAYERLAB_HOSTILE") // e.g. "hog,embed": only these; default all
		for k := range 2 {
			for name, attack := range attacks {
				if only != "" && !slices.Contains(strings.Split(only, ","), name) {
					continue
				}
				wg.Add(1)
				go func() {
					defer wg.Done()
					attack(ctx, addr, k, &counts)
				}()
			}
		}
		res := loadSessions(b, addr, normal, 2*time.Second, time.Duration(seconds)*time.Second)
		cancel()
		wg.Wait()
		peak := peakRSS(pid)
		stop()
		b.ReportMetric(res.p50.Seconds()*1000, "p50-ms")
		b.ReportMetric(res.p99.Seconds()*1000, "p99-ms")
		b.ReportMetric(float64(res.errors), "errors")
		b.ReportMetric(float64(peak)/(1<<20), "server-rss-MB")
		b.Logf("%d normal learners beside 10 hostile clients for %ds: %d commands, p50 %v, p99 %v, max %v, %d errors; server peak RSS %d MB",
			normal, seconds, res.commands, res.p50, res.p99, res.max, res.errors, peak>>20)
		b.Logf("hostile: %d commands answered (%d refused as hogs), %d page loads, %d reconnects, %d embeds (%d turned away), %d share opens (%d limited), %d minted sockets (%d refused)",
			counts.commands.Load(), counts.hogRefused.Load(), counts.pages.Load(), counts.reconnects.Load(), counts.embeds.Load(), counts.embedsRefused.Load(),
			counts.shares.Load(), counts.sharesLimited.Load(), counts.minted.Load(), counts.mintedRefused.Load())
	}
}

type hostileCounts struct {
	commands, hogRefused, pages, reconnects, embeds, embedsRefused, shares, sharesLimited, minted, mintedRefused atomic.Int64
}

func hostileDial(addr, cookie string) (*websocket.Conn, error) {
	h := http.Header{"Origin": {"http://" + addr}}
	if cookie != "" {
		h.Set("Cookie", cookie)
	}
	conn, _, err := websocket.DefaultDialer.Dial("ws://"+addr+"/ws", h)
	if err != nil {
		return nil, err
	}
	conn.SetReadDeadline(time.Now().Add(30 * time.Second))
	var hello map[string]any
	if err := conn.ReadJSON(&hello); err != nil {
		conn.Close()
		return nil, err
	}
	return conn, nil
}

// hostileRun sends one console line and waits for its answer.
func hostileRun(conn *websocket.Conn, line string) (map[string]any, error) {
	msg, _ := json.Marshal(map[string]string{"type": "cmd", "line": line})
	if err := conn.WriteMessage(websocket.TextMessage, msg); err != nil {
		return nil, err
	}
	conn.SetReadDeadline(time.Now().Add(30 * time.Second))
	var m map[string]any
	return m, conn.ReadJSON(&m)
}

// hogConsole keeps a core busy from its console as fast as it is let.
func hogConsole(ctx context.Context, addr string, k int, n *hostileCounts) {
	ck, err := fetchLearnerCookie(http.DefaultClient, addr)
	if err != nil {
		return
	}
	conn, err := hostileDial(addr, ck)
	if err != nil {
		return
	}
	defer conn.Close()
	for i := 0; ctx.Err() == nil; i++ {
		line := "docker run --rm alpine:3.20 sh -c 'yes > /f'"
		if i%2 == 1 {
			line = fmt.Sprintf("docker run --name r%d-%d alpine:3.20 sh -c 'for i in 1 2 3 4 5 6 7 8; do head -c 1000000 /dev/urandom > /f$i; done'", k, i)
		}
		m, err := hostileRun(conn, line)
		if err != nil {
			return
		}
		n.commands.Add(1)
		if e, _ := m["error"].(string); strings.Contains(e, "more than its share") {
			n.hogRefused.Add(1)
			time.Sleep(time.Second) // as told; a hostile client could as well not
		}
	}
}

// heavyReloads makes a heavy session, then loads its page and reconnects
// its console over and over: each reconnect is a replay.
func heavyReloads(ctx context.Context, addr string, k int, n *hostileCounts) {
	ck, err := fetchLearnerCookie(http.DefaultClient, addr)
	if err != nil {
		return
	}
	conn, err := hostileDial(addr, ck)
	if err != nil {
		return
	}
	for i := 0; i < 8 && ctx.Err() == nil; i++ {
		hostileRun(conn, fmt.Sprintf("docker run --name h%d alpine:3.20 sh -c 'for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16; do head -c 1000000 /dev/urandom > /f$i; done'", i))
	}
	conn.Close()
	client := &http.Client{Timeout: 30 * time.Second}
	for ctx.Err() == nil {
		req, _ := http.NewRequest("GET", "http://"+addr+"/play", nil)
		req.Header.Set("Cookie", ck)
		if res, err := client.Do(req); err == nil {
			io.Copy(io.Discard, res.Body)
			res.Body.Close()
			n.pages.Add(1)
		}
		if conn, err := hostileDial(addr, ck); err == nil {
			conn.Close()
			n.reconnects.Add(1)
		}
	}
}

// embedPump asks the viz embed for a new hostile Dockerfile each time, so
// no cache helps.
func embedPump(ctx context.Context, addr string, k int, n *hostileCounts) {
	client := &http.Client{Timeout: 30 * time.Second}
	for i := 0; ctx.Err() == nil; i++ {
		df := fmt.Sprintf("FROM alpine:3.20\nRUN for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16; do head -c 1000000 /dev/urandom > /f%d-%d-$i; done\nRUN yes > /g\n", k, i)
		res, err := client.Get("http://" + addr + "/embed/viz?dockerfile=" + url.QueryEscape(df))
		if err != nil {
			continue
		}
		io.Copy(io.Discard, res.Body)
		res.Body.Close()
		n.embeds.Add(1)
		if res.StatusCode != 200 {
			n.embedsRefused.Add(1)
		}
	}
}

// shareOpens opens one large share link as ever-new cookieless learners.
func shareOpens(ctx context.Context, addr string, k int, n *hostileCounts) {
	ck, err := fetchLearnerCookie(http.DefaultClient, addr)
	if err != nil {
		return
	}
	conn, err := hostileDial(addr, ck)
	if err != nil {
		return
	}
	for i := 0; i < 40; i++ {
		msg, _ := json.Marshal(map[string]string{"type": "file", "path": fmt.Sprintf("big%d.txt", i), "content": strings.Repeat("s", 60<<10)})
		conn.WriteMessage(websocket.TextMessage, msg)
		var m map[string]any
		if conn.ReadJSON(&m) != nil {
			return
		}
		if i%8 == 7 {
			time.Sleep(time.Second) // the console's own rate limit
		}
	}
	conn.WriteMessage(websocket.TextMessage, []byte(`{"type":"share"}`))
	var m map[string]any
	conn.ReadJSON(&m)
	conn.Close()
	link, _ := m["url"].(string)
	if link == "" {
		return
	}
	client := &http.Client{Timeout: 30 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	for ctx.Err() == nil {
		res, err := client.Get(link)
		if err != nil {
			continue
		}
		io.Copy(io.Discard, res.Body)
		res.Body.Close()
		n.shares.Add(1)
		if res.StatusCode == http.StatusTooManyRequests {
			n.sharesLimited.Add(1)
		}
	}
}

// mintedCookies opens sockets with made-up learner ids.
func mintedCookies(ctx context.Context, addr string, k int, n *hostileCounts) {
	for i := 0; ctx.Err() == nil; i++ {
		h := http.Header{"Origin": {"http://" + addr}, "Cookie": {fmt.Sprintf("layerlab_learner=%016x%016x", k+1, i)}}
		conn, res, err := websocket.DefaultDialer.Dial("ws://"+addr+"/ws", h)
		n.minted.Add(1)
		if err != nil {
			if res != nil && res.StatusCode == http.StatusTooManyRequests {
				n.mintedRefused.Add(1)
			}
			continue
		}
		conn.Close()
	}
}
