package postgres_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/cookiejar"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/layerlab/layerlab/quizzes"
	"github.com/layerlab/layerlab/sim/base"
	"github.com/layerlab/layerlab/sim/engine"
	"github.com/layerlab/layerlab/sim/pkg"
	"github.com/layerlab/layerlab/static"
	"github.com/layerlab/layerlab/web"
	"github.com/layerlab/layerlab/web/postgres"
)

// startNode runs one layerlab node on a loopback port over the database
// at dsn, the way serve does, and returns its base URL.
func startNode(t *testing.T, dsn string) string {
	t.Helper()
	db, err := postgres.Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	bases, err := base.Load()
	if err != nil {
		t.Fatal(err)
	}
	pkgs, err := pkg.Load()
	if err != nil {
		t.Fatal(err)
	}
	lib, err := engine.NewLibrary(bases, pkgs)
	if err != nil {
		t.Fatal(err)
	}
	qs, err := quizzes.Load(quizzes.Files)
	if err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	srv := web.New(web.Config{Addr: addr, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Static: static.FS},
		web.Deps{Store: db, Answers: db, Instructors: db, Progress: db, Claims: db, Secrets: db, Library: lib, Quizzes: qs})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	base := "http://" + addr
	for deadline := time.Now().Add(10 * time.Second); ; {
		if res, err := http.Get(base + "/healthz"); err == nil {
			res.Body.Close()
			if res.StatusCode == 200 {
				return base
			}
		}
		if time.Now().After(deadline) {
			t.Fatal("node never became healthy")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// console is one browser tab's websocket to a node.
type console struct {
	t    *testing.T
	conn *websocket.Conn
}

func openConsole(t *testing.T, base, cookie string) (*console, string, map[string]any) {
	t.Helper()
	h := http.Header{"Origin": {base}}
	if cookie != "" {
		h.Set("Cookie", cookie)
	}
	conn, res, err := websocket.DefaultDialer.Dial("ws"+strings.TrimPrefix(base, "http")+"/ws", h)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	if sc := res.Header.Get("Set-Cookie"); sc != "" {
		cookie, _, _ = strings.Cut(sc, ";")
	}
	c := &console{t: t, conn: conn}
	hello := c.read()
	if hello["type"] != "hello" {
		t.Fatalf("first message %v", hello)
	}
	return c, cookie, hello
}

func (c *console) read() map[string]any {
	c.t.Helper()
	c.conn.SetReadDeadline(time.Now().Add(20 * time.Second))
	var m map[string]any
	if err := c.conn.ReadJSON(&m); err != nil {
		c.t.Fatal(err)
	}
	return m
}

func (c *console) run(line string) string {
	c.t.Helper()
	if err := c.conn.WriteJSON(map[string]string{"type": "cmd", "line": line}); err != nil {
		c.t.Fatal(err)
	}
	m := c.read()
	out, _ := m["output"].(string)
	return out
}

// A learner's session resumes on another node from the stored log, and a
// second tab on another node takes the session over: the first tab is
// closed with the same code as on one node.
func TestNodesShareSessions(t *testing.T) {
	dsn := openDSN(t)
	a, b := startNode(t, dsn), startNode(t, dsn)

	tab1, cookie, _ := openConsole(t, a, "")
	if out := tab1.run("docker build -t pageturn ."); !strings.Contains(out, "naming to pageturn:latest") {
		t.Fatalf("build on node a:\n%s", out)
	}
	tab1.run("docker run -d --name web1 pageturn")

	// The same learner opens a second tab on node b: it starts where node
	// a left off.
	tab2, _, hello := openConsole(t, b, cookie)
	if tr, _ := hello["transcript"].(string); !strings.Contains(tr, "docker run -d --name web1 pageturn") {
		t.Fatalf("node b's hello lacks the commands run on node a:\n%s", tr)
	}
	if out := tab2.run("docker ps --format '{{.Names}}'"); !strings.Contains(out, "web1") {
		t.Fatalf("node b does not see the container made on node a:\n%s", out)
	}

	// Node a closes its tab, told through PostgreSQL.
	tab1.conn.SetReadDeadline(time.Now().Add(20 * time.Second))
	var ce *websocket.CloseError
	for {
		_, _, err := tab1.conn.ReadMessage()
		if err == nil {
			continue
		}
		if !errors.As(err, &ce) || ce.Code != 4000 {
			t.Fatalf("the tab on node a got %v, want close code 4000", err)
		}
		break
	}

	// Back on node a later: everything done on b is there.
	tab2.conn.Close()
	_, _, hello = openConsole(t, a, cookie)
	if tr, _ := hello["transcript"].(string); !strings.Contains(tr, "docker ps --format") {
		t.Fatalf("node a's hello lacks the command run on node b:\n%s", tr)
	}
}

// dealtChoice is the id of the first choice of image-vs-container's first
// question as dealt to the learner of client (ids are dealt per learner,
// from a key all nodes read from the store).
func dealtChoice(t *testing.T, client *http.Client, base string) string {
	t.Helper()
	res, err := client.Get(base + "/api/quizzes/image-vs-container")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var v struct {
		Questions []struct {
			ID      string `json:"id"`
			Choices []struct {
				ID string `json:"id"`
			} `json:"choices"`
		} `json:"questions"`
	}
	if err := json.NewDecoder(res.Body).Decode(&v); err != nil || len(v.Questions) == 0 || len(v.Questions[0].Choices) == 0 {
		t.Fatalf("GET quiz: %d %v", res.StatusCode, err)
	}
	return v.Questions[0].ID + " " + v.Questions[0].Choices[0].ID
}

// Answers posted to two nodes land in one store; a client id retried on
// the other node is stored once, and the ids one node dealt are good on
// the other.
func TestNodesShareAnswers(t *testing.T) {
	dsn := openDSN(t)
	nodes := []string{startNode(t, dsn), startNode(t, dsn)}
	jar, _ := cookiejar.New(nil)
	client := &http.Client{Jar: jar}
	question, choice, _ := strings.Cut(dealtChoice(t, client, nodes[0]), " ")
	path := "/api/quizzes/image-vs-container/questions/" + question + "/answers"
	for i := range 10 {
		for _, n := range nodes { // every answer sent to both: a retry elsewhere
			res, err := client.Post(n+path, "application/json", strings.NewReader(fmt.Sprintf(`{"client_id":"n%d","answer":%q}`, i, choice)))
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(res.Body)
			res.Body.Close()
			if res.StatusCode != 200 {
				t.Fatalf("answer %d on %s: %d %s", i, n, res.StatusCode, body)
			}
		}
	}
	db, err := postgres.Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if n, err := db.CountAnswers(context.Background()); err != nil || n != 10 {
		t.Fatalf("%d answers stored (%v), want 10", n, err)
	}
}
