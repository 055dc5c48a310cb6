package main

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/cookiejar"
	"os/exec"
	"path/filepath"
	"sort"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/layerlab/layerlab/web/postgres"
	"github.com/layerlab/layerlab/web/postgres/pgtest"
	"github.com/layerlab/layerlab/web/sqlite"
)

// BenchmarkAnswerNodes is the many-node answer budget of
// docs/performance.md: quiz answers posted over loopback HTTP to real
// `layerlab serve` processes, on SQLite and on a durable PostgreSQL
// (fsync and synchronous commit on), one node and three behind HAProxy.
// Load generator, nodes, proxy and database share the machine.
func BenchmarkAnswerNodes(b *testing.B) {
	const workers, total = 64, 20000
	for _, c := range []struct {
		name  string
		pg    bool
		nodes int
		proxy bool
	}{
		{"sqlite/1-node", false, 1, false},
		{"postgres/1-node", true, 1, false},
		{"postgres/1-node-haproxy", true, 1, true},
		{"postgres/3-nodes-haproxy", true, 3, true},
	} {
		b.Run(c.name, func(b *testing.B) {
			if c.proxy {
				if _, err := exec.LookPath("haproxy"); err != nil {
					b.Skip("no haproxy (apt-get install haproxy)")
				}
			}
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				db := filepath.Join(b.TempDir(), "layerlab.db")
				if c.pg {
					pg, err := pgtest.Start(context.Background(), pgtest.Options{Durable: true})
					if err != nil {
						b.Fatal(err)
					}
					b.Cleanup(func() { pg.Stop() })
					if db, err = pg.NewDatabase(context.Background()); err != nil {
						b.Fatal(err)
					}
				}
				cl := startCluster(b, c.nodes, db, c.proxy)
				b.StartTimer()
				start := time.Now()
				lat, failed := postAnswers(cl.base, workers, total)
				took := time.Since(start)
				b.StopTimer()
				if len(failed) > 0 {
					b.Fatalf("%d of %d answers failed, by status: %v", sum(failed), total, failed)
				}
				if n := countAnswers(b, db); n != total {
					b.Fatalf("database holds %d answers, want %d", n, total)
				}
				b.ReportMetric(float64(total)/took.Seconds(), "answers/s")
				b.ReportMetric(float64(pct(lat, 0.50).Microseconds())/1000, "p50-ms")
				b.ReportMetric(float64(pct(lat, 0.99).Microseconds())/1000, "p99-ms")
			}
		})
	}
}

// postAnswers posts total true/false answers from workers learners, each
// with its own cookie (so a balancer spreads them), and returns the
// latency of each acknowledged one and how many failed.
func postAnswers(base string, workers, total int) (lat []time.Duration, failed map[int]int) {
	failed = map[int]int{} // by status, 0 for no answer
	var next atomic.Int64
	var mu sync.Mutex
	var wg sync.WaitGroup
	transport := &http.Transport{MaxIdleConnsPerHost: workers}
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			jar, _ := cookiejar.New(nil)
			client := &http.Client{Transport: transport, Jar: jar, Timeout: 10 * time.Second}
			for {
				n := int(next.Add(1)) - 1
				if n >= total {
					return
				}
				body := fmt.Sprintf(`{"client_id":"b%d-%d","answer":%v}`, w, n, n%2 == 0)
				start := time.Now()
				res, err := client.Post(base+"/api/quizzes/image-vs-container/questions/same-thing/answers", "application/json", bytes.NewBufferString(body))
				took := time.Since(start)
				ok := err == nil && res.StatusCode == 200
				if err == nil {
					res.Body.Close()
				}
				mu.Lock()
				if ok {
					lat = append(lat, took)
				} else if err != nil {
					failed[0]++
				} else {
					failed[res.StatusCode]++
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	return lat, failed
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
	s := append([]time.Duration(nil), lat...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return s[min(len(s)-1, int(float64(len(s))*p))]
}
