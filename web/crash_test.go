package web_test

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/layerlab/layerlab/web/sqlite"
)

// The server is killed with SIGKILL while answers pour in; after a restart
// every answer that was acknowledged with a 2xx is in the database. Each
// client posts from its own loopback address (127.0.0.x), as separate
// learners would, so the per-client rate limit of the real binary stays on.
func TestCrashKeepsAcknowledgedAnswers(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and kills the real binary; skipped with -short")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "layerlab")
	build := exec.Command("go", "build", "-o", bin, "github.com/layerlab/layerlab/cmd/layerlab") // go test puts its go first on PATH
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building layerlab: %v\n%s", err, out)
	}
	dbPath := filepath.Join(dir, "crash.db")
	addr := freeAddr(t)
	srv := startServe(t, bin, addr, dbPath)

	const workers = 24
	var acked sync.Map
	var nAcked, sent atomic.Int64
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			local := &net.TCPAddr{IP: net.IPv4(127, 0, 0, byte(10+w))}
			client := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{
				DialContext: (&net.Dialer{LocalAddr: local}).DialContext,
			}}
			for n := 0; ; n++ {
				select {
				case <-stop:
					return
				default:
				}
				id := fmt.Sprintf("w%d-%d", w, n)
				sent.Add(1)
				res, err := client.Post("http://"+addr+fmt.Sprintf(answerPath, "same-thing"), "application/json",
					bytes.NewBufferString(fmt.Sprintf(`{"client_id":%q,"answer":false}`, id)))
				if err != nil {
					return // the server is gone
				}
				res.Body.Close()
				if res.StatusCode/100 == 2 {
					acked.Store(id, true)
					nAcked.Add(1)
				} else if res.StatusCode == http.StatusTooManyRequests {
					// Over this client's rate: back off a little, as the
					// widget's user would click again later.
					select {
					case <-stop:
						return
					case <-time.After(20 * time.Millisecond):
					}
				}
			}
		}()
	}
	deadline := time.Now().Add(10 * time.Second)
	for nAcked.Load() < 1500 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond) // polling a counter, not waiting for an outcome
	}
	if err := srv.Process.Kill(); err != nil { // SIGKILL
		t.Fatal(err)
	}
	srv.Wait()
	close(stop)
	wg.Wait()
	if nAcked.Load() < 500 {
		t.Fatalf("only %d answers acknowledged before the kill; the load did not get going", nAcked.Load())
	}

	srv = startServe(t, bin, addr, dbPath)
	defer srv.Process.Kill()
	db, err := sqlite.Open(context.Background(), dbPath)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	missing := 0
	acked.Range(func(k, _ any) bool {
		if _, found, err := db.AnswerByClientID(context.Background(), k.(string)); err != nil || !found {
			missing++
		}
		return true
	})
	stored, _ := db.CountAnswers(context.Background())
	t.Logf("sent %d, acknowledged %d, stored %d after kill -9 and restart, lost %d", sent.Load(), nAcked.Load(), stored, missing)
	if missing > 0 {
		t.Fatalf("%d acknowledged answers are not in the database", missing)
	}
}

func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// startServe runs `layerlab serve` and waits until /healthz answers.
func startServe(t *testing.T, bin, addr, dbPath string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(bin, "serve", "--addr", addr, "--db", dbPath, "--log-level", "error")
	cmd.Env = append(os.Environ(), "LAYERLAB_DEV=false")
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(15 * time.Second)
	for {
		res, err := http.Get("http://" + addr + "/healthz")
		if err == nil {
			res.Body.Close()
			if res.StatusCode == 200 {
				return cmd
			}
		}
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			t.Fatalf("layerlab serve did not answer /healthz: %v", err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
