package web_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/gorilla/websocket"

	"github.com/layerlab/layerlab/web"
)

// /metrics shows every named metric in Prometheus's text format, with
// the counts of what was just done.
func TestMetrics(t *testing.T) {
	ts := newQuizServer(t, web.Config{AnswerRate: 1}, nil)
	get(t, ts.URL+"/healthz")
	// Answers until the limit refuses one.
	for i := range 6 {
		post(t, ts.URL+fmt.Sprintf(answerPath, "what-is-an-image"), "application/json", fmt.Sprintf(`{"client_id":"m%d","answer":"a"}`, i))
	}
	// A console session with one command, still open while /metrics is read.
	conn, _, err := websocket.DefaultDialer.Dial(wsURL(ts), http.Header{"Origin": {ts.URL}})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	var msg map[string]any
	if err := conn.ReadJSON(&msg); err != nil {
		t.Fatal(err)
	}
	if err := conn.WriteJSON(map[string]string{"type": "cmd", "line": "docker images"}); err != nil {
		t.Fatal(err)
	}
	if err := conn.ReadJSON(&msg); err != nil || msg["type"] != "result" {
		t.Fatalf("command answered %v (%v)", msg, err)
	}

	res, body := get(t, ts.URL+"/metrics")
	if res.StatusCode != 200 || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/plain") {
		t.Fatalf("GET /metrics: %d %s", res.StatusCode, res.Header.Get("Content-Type"))
	}
	for _, want := range []string{
		"# TYPE layerlab_http_requests_total counter",
		`layerlab_http_requests_total{code="200",method="GET",route="/healthz"} 1`,
		`layerlab_http_requests_total{code="429",method="POST",route="/api/quizzes/:quiz/questions/:question/answers"}`,
		"# TYPE layerlab_websocket_sessions gauge",
		"layerlab_websocket_sessions 1",
		"# TYPE layerlab_command_duration_seconds histogram",
		`layerlab_command_duration_seconds_count{type="cmd"} 1`,
		"# TYPE layerlab_answer_queue_depth gauge",
		"layerlab_answer_queue_depth 0",
		"# TYPE layerlab_session_replay_seconds histogram",
		"layerlab_session_replay_seconds_count 1",
		"# TYPE layerlab_limits_hit_total counter",
		`layerlab_limits_hit_total{limit="address /api/quizzes/:quiz/questions/:question/answers"}`,
		"go_goroutines",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	if t.Failed() {
		t.Logf("/metrics:\n%s", body)
	}
}
