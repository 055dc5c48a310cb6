package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/layerlab/layerlab/web/postgres"
	"github.com/layerlab/layerlab/web/postgres/pgtest"
)

var pgServer *pgtest.Server

func TestMain(m *testing.M) { pgtest.Main(m, &pgServer) }

func freeAddr(t testing.TB) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// serve --db postgres://… (here through LAYERLAB_DB) serves from
// PostgreSQL, and healthcheck says so.
func TestServePostgres(t *testing.T) {
	dsn := pgtest.Database(t, pgServer)
	addr := freeAddr(t)
	vars := map[string]string{"LAYERLAB_DB": dsn, "LAYERLAB_ADDR": addr}
	e := env{stdin: strings.NewReader(""), stdout: io.Discard, stderr: io.Discard, getenv: func(k string) string { return vars[k] }}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- run(ctx, []string{"serve"}, e) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
	}()
	var out bytes.Buffer
	probe := env{stdin: strings.NewReader(""), stdout: &out, stderr: &out, getenv: func(k string) string { return vars[k] }}
	deadline := time.Now().Add(30 * time.Second)
	for {
		out.Reset()
		err := run(context.Background(), []string{"healthcheck"}, probe)
		if err == nil {
			break
		}
		select {
		case err := <-done:
			t.Fatalf("serve ended: %v", err)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("healthcheck never passed: %v", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if strings.TrimSpace(out.String()) != "ok" {
		t.Errorf("healthcheck printed %q", out.String())
	}
}

// A database that cannot be used stops serve at start with one line.
func TestServeBadDatabase(t *testing.T) {
	for _, c := range []struct{ db, want string }{
		{"postgres://ada:pw@127.0.0.1:1/layerlab?sslmode=disable", "cannot connect"},
		{"postgres://ada:pw@127.0.0.1:1/layerlab?sslmode=maybe", "not a PostgreSQL URL"},
	} {
		var out bytes.Buffer
		e := env{stdin: strings.NewReader(""), stdout: &out, stderr: &out, getenv: func(string) string { return "" }}
		err := run(context.Background(), []string{"serve", "--addr", freeAddr(t), "--db", c.db}, e)
		if err == nil {
			t.Fatalf("%s: serve started", c.db)
		}
		if msg := err.Error(); !strings.Contains(msg, c.want) || strings.Contains(msg, "\n") || strings.Contains(msg, ":pw@") {
			t.Errorf("%s: %q, want one line saying %q without the password", c.db, msg, c.want)
		}
	}
}

// healthcheck fails on a server that is not there.
func TestHealthcheckFails(t *testing.T) {
	var out bytes.Buffer
	e := env{stdin: strings.NewReader(""), stdout: &out, stderr: &out, getenv: func(string) string { return "" }}
	err := run(context.Background(), []string{"healthcheck", "--addr", freeAddr(t)}, e)
	if err == nil || !strings.Contains(err.Error(), "healthcheck") {
		t.Fatalf("healthcheck of nothing: %v", err)
	}
	var ee exitError
	if errors.As(err, &ee) {
		t.Fatalf("exit %d, want the error printed", ee)
	}
}

// instructor add writes the account into PostgreSQL when --db is a URL.
func TestInstructorAddPostgres(t *testing.T) {
	dsn := pgtest.Database(t, pgServer)
	var out bytes.Buffer
	e := env{stdin: strings.NewReader("correct horse battery\n"), stdout: &out, stderr: &out, getenv: func(string) string { return "" }}
	if err := run(context.Background(), []string{"instructor", "add", "--db", dsn, "--password-stdin", "ada@example.org"}, e); err != nil {
		t.Fatalf("instructor add: %v\n%s", err, out.String())
	}
	db, err := postgres.Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	_, hash, found, err := db.Instructor(context.Background(), "ada@example.org")
	if err != nil || !found || !strings.HasPrefix(hash, "$argon2id$") {
		t.Fatalf("account in PostgreSQL: found=%v hash=%q err=%v", found, hash, err)
	}
}
