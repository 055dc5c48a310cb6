// Package pgtest starts a throwaway PostgreSQL for tests, from the
// machine's own binaries (initdb and pg_ctl, on PATH or under
// /usr/lib/postgresql/*/bin): a fresh cluster in a temporary directory,
// listening on a free loopback port, removed when it stops. PostgreSQL
// refuses to run as root, so as root the binaries run as the postgres
// user.
//
// LAYERLAB_TEST_POSTGRES=postgres://… uses a server that is already
// running instead.
package pgtest

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
)

// Server is a running PostgreSQL a test may make databases on.
type Server struct {
	// URL is the superuser's URL of the server's postgres database.
	URL  string
	Port int

	dir      string // the temporary directory, "" for an outside server
	bin      string
	data     string
	settings string     // the postgres options it was started with
	as       *user.User // run the binaries as this user (when we are root)
	err      error      // why Main could not start it
}

// Options change how the server runs.
type Options struct {
	// Durable keeps fsync and synchronous commit on, as in production;
	// benchmarks want it. Tests leave it off and run faster.
	Durable bool
}

// Start runs a new PostgreSQL, or returns the one LAYERLAB_TEST_POSTGRES
// names.
func Start(ctx context.Context, opt Options) (*Server, error) {
	if u := os.Getenv("LAYERLAB_TEST_POSTGRES"); u != "" {
		return &Server{URL: u}, nil
	}
	bin, err := binDir()
	if err != nil {
		return nil, err
	}
	s := &Server{bin: bin}
	if os.Geteuid() == 0 {
		if s.as, err = user.Lookup("postgres"); err != nil {
			return nil, fmt.Errorf("PostgreSQL will not run as root and there is no postgres user: %w", err)
		}
	}
	if s.dir, err = os.MkdirTemp("", "layerlab-pg-"); err != nil {
		return nil, err
	}
	if err := s.own(s.dir); err != nil {
		s.remove()
		return nil, err
	}
	s.data = filepath.Join(s.dir, "data")
	if out, err := s.run(ctx, "initdb", "-D", s.data, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--locale=C", "--no-sync"); err != nil {
		s.remove()
		return nil, fmt.Errorf("initdb: %v: %s", err, lastLines(out))
	}
	if s.Port, err = freePort(); err != nil {
		s.remove()
		return nil, err
	}
	settings := []string{"-p", strconv.Itoa(s.Port), "-k", s.dir, "-c", "listen_addresses=127.0.0.1", "-c", "max_connections=300"}
	if !opt.Durable {
		settings = append(settings, "-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off")
	}
	s.settings = strings.Join(settings, " ")
	if out, err := s.run(ctx, "pg_ctl", "-D", s.data, "-l", filepath.Join(s.dir, "log"), "-w", "-t", "60",
		"-o", s.settings, "start"); err != nil {
		log, _ := os.ReadFile(filepath.Join(s.dir, "log"))
		s.remove()
		return nil, fmt.Errorf("pg_ctl start: %v: %s %s", err, lastLines(out), lastLines(log))
	}
	s.URL = fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", s.Port)
	return s, nil
}

// PID is the process id of the server's postmaster (its backends are its
// children), or 0 for an outside server; benchmarks read its CPU time.
func (s *Server) PID() int {
	if s.data == "" {
		return 0
	}
	b, err := os.ReadFile(filepath.Join(s.data, "postmaster.pid"))
	if err != nil {
		return 0
	}
	first, _, _ := strings.Cut(string(b), "\n")
	pid, _ := strconv.Atoi(strings.TrimSpace(first))
	return pid
}

// Stop stops the server at once and removes its files. An outside server
// is left running.
func (s *Server) Stop() error {
	if s.dir == "" {
		return nil
	}
	_, err := s.run(context.Background(), "pg_ctl", "-D", s.data, "-m", "immediate", "-w", "stop")
	s.remove()
	return err
}

// Kill stops the server the hard way (pg_ctl -m immediate), keeping its
// files, so Restart can bring it back: a database that goes away mid-load.
func (s *Server) Kill() error {
	if s.dir == "" {
		return errors.New("pgtest: only a server Start ran can be killed")
	}
	_, err := s.run(context.Background(), "pg_ctl", "-D", s.data, "-m", "immediate", "-w", "stop")
	return err
}

// Restart starts a killed server again on its port.
func (s *Server) Restart(ctx context.Context) error {
	out, err := s.run(ctx, "pg_ctl", "-D", s.data, "-l", filepath.Join(s.dir, "log"), "-w", "-t", "60",
		"-o", s.settings, "start")
	if err != nil {
		return fmt.Errorf("pg_ctl start: %v: %s", err, lastLines(out))
	}
	return nil
}

// NewDatabase creates an empty database with a fresh name and returns its
// URL.
func (s *Server) NewDatabase(ctx context.Context) (string, error) {
	b := make([]byte, 6)
	rand.Read(b)
	name := "layerlab_test_" + hex.EncodeToString(b)
	conn, err := pgx.Connect(ctx, s.URL)
	if err != nil {
		return "", fmt.Errorf("connecting to the test server: %w", err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		return "", fmt.Errorf("creating database %s: %w", name, err)
	}
	cfg, err := pgx.ParseConfig(s.URL)
	if err != nil {
		return "", err
	}
	u := fmt.Sprintf("postgres://%s@%s:%d/%s?sslmode=disable", cfg.User, cfg.Host, cfg.Port, name)
	if cfg.Password != "" {
		u = fmt.Sprintf("postgres://%s:%s@%s:%d/%s?sslmode=disable", cfg.User, cfg.Password, cfg.Host, cfg.Port, name)
	}
	return u, nil
}

// Main runs a test binary's tests with a server in *srv, stopping it
// after. Where PostgreSQL cannot start, the tests that need it skip, with
// the reason; under CI=true that is a failure instead, so CI never passes
// without having run them.
func Main(m *testing.M, srv **Server) {
	s, err := Start(context.Background(), Options{})
	if err != nil {
		if os.Getenv("CI") == "true" {
			fmt.Fprintf(os.Stderr, "PostgreSQL did not start, and CI needs the PostgreSQL tests (apt-get install postgresql): %v\n", err)
			os.Exit(1)
		}
		fmt.Fprintf(os.Stderr, "PostgreSQL tests will skip: %v\n", err)
		s = &Server{err: err}
	}
	*srv = s
	code := m.Run()
	if s.err == nil {
		if err := s.Stop(); err != nil {
			fmt.Fprintf(os.Stderr, "stopping PostgreSQL: %v\n", err)
		}
	}
	os.Exit(code)
}

// Database makes a fresh database on srv for one test, or skips the test
// when Main could not start PostgreSQL.
func Database(t testing.TB, srv *Server) string {
	t.Helper()
	if srv.err != nil {
		t.Skipf("no PostgreSQL: %v", srv.err)
	}
	u, err := srv.NewDatabase(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func (s *Server) run(ctx context.Context, name string, args ...string) ([]byte, error) {
	path := filepath.Join(s.bin, name)
	var cmd *exec.Cmd
	if s.as != nil {
		cmd = exec.CommandContext(ctx, "runuser", append([]string{"-u", s.as.Username, "--", path}, args...)...)
	} else {
		cmd = exec.CommandContext(ctx, path, args...)
	}
	cmd.Dir = s.dir
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	return out.Bytes(), err
}

func (s *Server) own(dir string) error {
	if s.as == nil {
		return nil
	}
	uid, _ := strconv.Atoi(s.as.Uid)
	gid, _ := strconv.Atoi(s.as.Gid)
	if err := os.Chown(dir, uid, gid); err != nil {
		return fmt.Errorf("giving %s to the postgres user: %w", dir, err)
	}
	return os.Chmod(dir, 0o700)
}

func (s *Server) remove() {
	if s.dir != "" {
		os.RemoveAll(s.dir)
	}
}

// binDir finds initdb: on PATH, or in the newest /usr/lib/postgresql/N/bin.
func binDir() (string, error) {
	if p, err := exec.LookPath("initdb"); err == nil {
		if real, err := filepath.EvalSymlinks(p); err == nil {
			p = real
		}
		return filepath.Dir(p), nil
	}
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Slice(dirs, func(i, j int) bool {
		vi, _ := strconv.Atoi(filepath.Base(filepath.Dir(dirs[i])))
		vj, _ := strconv.Atoi(filepath.Base(filepath.Dir(dirs[j])))
		return vi < vj
	})
	for i := len(dirs) - 1; i >= 0; i-- {
		if _, err := os.Stat(filepath.Join(dirs[i], "initdb")); err == nil {
			return dirs[i], nil
		}
	}
	return "", errors.New("no initdb on PATH or under /usr/lib/postgresql/*/bin (apt-get install postgresql)")
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func lastLines(b []byte) string {
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if len(lines) > 5 {
		lines = lines[len(lines)-5:]
	}
	return strings.Join(lines, " | ")
}
