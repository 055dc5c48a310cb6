package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/layerlab/layerlab/web/xapi/lrstest"
)

// Bad xAPI settings stop serve at start with one line, before the
// database is touched, and never show the password.
func TestServeXAPISettings(t *testing.T) {
	for _, c := range []struct {
		args []string
		vars map[string]string
		want string
	}{
		{[]string{"--xapi-endpoint", "https://lrs.example.org/xapi"}, nil, "needs --base-url"},
		{[]string{"--xapi-endpoint", "lrs.example.org", "--base-url", "https://ll.example.org"}, nil, "--xapi-endpoint"},
		{[]string{"--xapi-endpoint", "https://key:hunter2@lrs.example.org/xapi", "--base-url", "https://ll.example.org"}, nil, "--xapi-auth"},
		{[]string{"--base-url", "https://ll.example.org"}, map[string]string{"LAYERLAB_XAPI_ENDPOINT": "https://lrs.example.org/xapi", "LAYERLAB_XAPI_AUTH": "hunter2"}, "--xapi-auth: want USER:PASS"},
		{[]string{"--xapi-auth", "key:hunter2"}, nil, "without --xapi-endpoint"},
		{[]string{"--base-url", "ll.example.org/"}, nil, "--base-url"},
		{[]string{"--base-url", "https://ll.example.org/?x=1"}, nil, "--base-url"},
		{[]string{"--base-url", "https://ll.example.org", "--xapi-outbox-limit", "-1"}, nil, "positive"},
		{[]string{"--base-url", "https://ll.example.org"}, map[string]string{"LAYERLAB_XAPI_OUTBOX_LIMIT": "many"}, "LAYERLAB_XAPI_OUTBOX_LIMIT"},
	} {
		dbPath := filepath.Join(t.TempDir(), "layerlab.db")
		var out bytes.Buffer
		e := env{stdin: strings.NewReader(""), stdout: &out, stderr: &out, getenv: func(k string) string { return c.vars[k] }}
		err := run(context.Background(), append([]string{"serve", "--addr", freeAddr(t), "--db", dbPath}, c.args...), e)
		if err == nil {
			t.Fatalf("%v: serve started", c.args)
		}
		if msg := err.Error(); !strings.Contains(msg, c.want) || strings.Contains(msg, "\n") || strings.Contains(msg, "hunter2") {
			t.Errorf("%v %v: %q, want one line saying %q without the password", c.args, c.vars, msg, c.want)
		}
		if _, err := os.Stat(dbPath); err == nil {
			t.Errorf("%v: the database was created before the settings were checked", c.args)
		}
	}
}

// serve --xapi-endpoint sends a learner's answer to the LRS, and /metrics
// shows the outbox.
func TestServeXAPI(t *testing.T) {
	lrs := lrstest.New(t, "key", "secret")
	addr := freeAddr(t)
	vars := map[string]string{"LAYERLAB_XAPI_ENDPOINT": lrs.URL, "LAYERLAB_XAPI_AUTH": "key:secret", "LAYERLAB_BASE_URL": "https://layerlab.example.org/"}
	e := env{stdin: strings.NewReader(""), stdout: io.Discard, stderr: io.Discard, getenv: func(k string) string { return vars[k] }}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"serve", "--addr", addr, "--db", filepath.Join(t.TempDir(), "layerlab.db")}, e)
	}()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
	}()
	jar, _ := cookiejar.New(nil)
	cl := &http.Client{Jar: jar}
	base := "http://" + addr
	var quiz struct {
		Questions []struct {
			ID      string `json:"id"`
			Choices []struct {
				ID string `json:"id"`
			} `json:"choices"`
		} `json:"questions"`
	}
	deadline := time.Now().Add(60 * time.Second)
	for {
		res, err := cl.Get(base + "/api/quizzes/image-vs-container")
		if err == nil {
			err = json.NewDecoder(res.Body).Decode(&quiz)
			res.Body.Close()
		}
		if err == nil && len(quiz.Questions) > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the server never answered: %v", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	q := quiz.Questions[0]
	res, err := cl.Post(base+"/api/quizzes/image-vs-container/questions/"+q.ID+"/answers", "application/json",
		strings.NewReader(`{"client_id":"x1","answer":"`+q.Choices[0].ID+`"}`))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 200 {
		t.Fatalf("answer: %s", res.Status)
	}
	for len(lrs.Statements()) == 0 {
		if time.Now().After(deadline) {
			t.Fatal("the LRS never got the answer")
		}
		time.Sleep(20 * time.Millisecond)
	}
	st := lrs.Statements()[0]
	if obj, _ := st["object"].(map[string]any); obj["id"] != "https://layerlab.example.org/quizzes/image-vs-container/questions/"+q.ID {
		t.Errorf("object %v", st["object"])
	}
	res, err = http.Get(base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	metrics, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if !strings.Contains(string(metrics), "layerlab_xapi_outbox_depth") {
		t.Error("/metrics does not show the xAPI outbox")
	}
}
