package web_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"sort"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/layerlab/layerlab/web"
	"github.com/layerlab/layerlab/web/xapi/lrstest"
)

// loadAnswers posts answers from workers concurrent clients until total
// have been sent, and returns the latency of every 2xx and how many failed.
func loadAnswers(url string, workers, total int, id func(n int) string) (lat []time.Duration, acked []string, failed int) {
	var next atomic.Int64
	var mu sync.Mutex
	var wg sync.WaitGroup
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: workers}, Timeout: 10 * time.Second}
	questions := []struct{ q, a string }{{"same-thing", `false`}, {"container-changes", `false`}, {"same-thing", `true`}}
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				n := int(next.Add(1)) - 1
				if n >= total {
					return
				}
				q := questions[n%len(questions)]
				cid := id(n)
				body := fmt.Sprintf(`{"client_id":%q,"answer":%s}`, cid, q.a)
				start := time.Now()
				res, err := client.Post(url+fmt.Sprintf(answerPath, q.q), "application/json", bytes.NewBufferString(body))
				took := time.Since(start)
				ok := err == nil && res.StatusCode/100 == 2
				if err == nil {
					// Read to the end, so the connection is kept for the
					// next answer instead of a new one each time.
					io.Copy(io.Discard, res.Body)
					res.Body.Close()
				}
				mu.Lock()
				if ok {
					lat = append(lat, took)
					acked = append(acked, cid)
				} else {
					failed++
				}
				mu.Unlock()
				if err != nil && total > 0 {
					// The server is gone (the crash test killed it).
					if res == nil {
						return
					}
				}
			}
		}()
	}
	wg.Wait()
	return lat, acked, failed
}

func percentile(lat []time.Duration, p float64) time.Duration {
	if len(lat) == 0 {
		return 0
	}
	s := append([]time.Duration(nil), lat...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return s[min(len(s)-1, int(float64(len(s))*p))]
}

// BenchmarkAnswers is the quiz answer budget of docs/performance.md:
// answers posted over loopback HTTP to the real server and stored in a real
// SQLite file, from 32 concurrent clients.
func BenchmarkAnswers(b *testing.B) {
	benchmarkAnswers(b, func() *testServer { return newQuizServer(b, web.Config{AnswerRate: -1}, nil) })
}

// BenchmarkAnswersXAPI is BenchmarkAnswers with every answer also stored
// in the xAPI outbox and sent to a test LRS meanwhile.
func BenchmarkAnswersXAPI(b *testing.B) {
	benchmarkAnswers(b, func() *testServer {
		ts, sender := xapiServer(b, filepath.Join(b.TempDir(), "layerlab.db"), lrstest.New(b, "key", "secret"))
		ctx, stop := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() { sender.Run(ctx); close(done) }()
		b.Cleanup(func() { stop(); <-done })
		return ts
	})
}

func benchmarkAnswers(b *testing.B, newServer func() *testServer) {
	const workers, total = 32, 20000
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		ts := newServer()
		b.StartTimer()
		start := time.Now()
		lat, _, failed := loadAnswers(ts.URL, workers, total, func(n int) string { return fmt.Sprintf("b%d-%d", i, n) })
		took := time.Since(start)
		b.StopTimer()
		if failed > 0 {
			b.Fatalf("%d of %d answers failed", failed, total)
		}
		n, err := ts.db.CountAnswers(b.Context())
		if err != nil || n != total {
			b.Fatalf("database holds %d answers, want %d (%v)", n, total, err)
		}
		b.ReportMetric(float64(total)/took.Seconds(), "answers/s")
		b.ReportMetric(float64(percentile(lat, 0.50).Microseconds())/1000, "p50-ms")
		b.ReportMetric(float64(percentile(lat, 0.99).Microseconds())/1000, "p99-ms")
		b.StartTimer()
	}
}
