package postgres_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/layerlab/layerlab/web"
	"github.com/layerlab/layerlab/web/postgres"
	"github.com/layerlab/layerlab/web/xapi"
	"github.com/layerlab/layerlab/web/xapi/lrstest"
)

// Two nodes share one database and send its xAPI outbox at the same time,
// in small batches, while both keep adding statements: every statement
// reaches the LRS, and none twice. (Should a node stall past its lease,
// another would send its batch again under the same statement ids, which
// an LRS stores once.)
func TestXAPITwoSendersNoDuplicates(t *testing.T) {
	dsn := openDSN(t)
	lrs := lrstest.New(t, "key", "secret")
	var senders []*xapi.Sender
	for range 2 {
		db, err := postgres.Open(context.Background(), dsn)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		s, err := xapi.New(xapi.Config{Endpoint: lrs.URL, Username: "key", Password: "secret",
			BaseURL: "https://layerlab.example.org", Batch: 5, Poll: time.Millisecond, Backoff: time.Millisecond,
			Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}, db)
		if err != nil {
			t.Fatal(err)
		}
		senders = append(senders, s)
	}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for _, s := range senders {
		wg.Go(func() { s.Run(ctx) })
	}
	defer func() { cancel(); wg.Wait() }()
	const n = 300
	var add sync.WaitGroup
	for node, s := range senders {
		add.Go(func() {
			for i := range n / 2 {
				s.LearningEvent(context.Background(), web.LearningEvent{Kind: web.Answered,
					Pseudonym: fmt.Sprintf("l-%06d%06d", node, i), Quiz: "q", Question: "a", Correct: true,
					Source: "playground", At: time.Now()})
			}
		})
	}
	add.Wait()
	deadline := time.Now().Add(90 * time.Second)
	for len(lrs.Statements()) < n {
		if time.Now().After(deadline) {
			t.Fatalf("the LRS has %d statements, want %d", len(lrs.Statements()), n)
		}
		time.Sleep(10 * time.Millisecond)
	}
	for id, k := range lrs.Received() {
		if k != 1 {
			t.Errorf("statement %s was sent %d times", id, k)
		}
	}
	for i, s := range senders {
		reg := prometheus.NewRegistry()
		reg.MustRegister(s.Collectors()...)
		mfs, err := reg.Gather()
		if err != nil {
			t.Fatal(err)
		}
		for _, mf := range mfs {
			if mf.GetName() == "layerlab_xapi_statements_sent_total" {
				sent := mf.GetMetric()[0].GetCounter().GetValue()
				t.Logf("node %d sent %v statements", i, sent)
				if sent == 0 {
					t.Errorf("node %d sent nothing: the race was not run", i)
				}
			}
		}
	}
}
