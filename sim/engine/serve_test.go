package engine

import (
	"context"
	"errors"
	"strings"
	"testing"
)

// TestServeAnswersAsTheAppLoadedIt: a Flask script answers its routes on
// its port from the code it started with; an edit inside the running
// container changes nothing until a restart; nothing answers on another
// port, or when the container is stopped, and a paused one never answers.
func TestServeAnswersAsTheAppLoadedIt(t *testing.T) {
	e := newTestEngine(t)
	if err := e.Preload("python:3.12"); err != nil {
		t.Fatal(err)
	}
	// An image holding the script, made the way commit makes one.
	b := run(t, e, ContainerOptions{Image: "python:3.12", Name: "builder", Cmd: []string{"sleep", "infinity"}})
	exec(t, e, b, `mkdir -p /app && printf '%s\n' 'from flask import Flask' 'app = Flask(__name__)' '@app.get("/")' 'def shelf():' '    return "Pageturn: your reading list"' '@app.route("/about")' 'def about():' "    return 'made with layers'" 'app.run(host="0.0.0.0", port=8000)' > /app/app.py`)
	if _, err := e.Commit(b, "pageturn:test", "", "", nil); err != nil {
		t.Fatal(err)
	}
	srv := run(t, e, ContainerOptions{Image: "pageturn:test", Name: "srv", Cmd: []string{"python", "/app/app.py"}})
	for _, c := range []struct {
		port int
		path string
		code int
		body string
	}{
		{8000, "/", 200, "Pageturn: your reading list"},
		{8000, "/about", 200, "made with layers"},
		{8000, "/missing", 404, "Not Found"},
	} {
		res, err := e.Serve(srv, c.port, c.path)
		if err != nil || res.Status != c.code || !strings.Contains(res.Body, c.body) {
			t.Errorf("GET :%d%s = %d %q, %v; want %d %q", c.port, c.path, res.Status, res.Body, err, c.code, c.body)
		}
	}
	// curl inside the container gets the same answers.
	if out := exec(t, e, srv, "curl -s localhost:8000"); out != "Pageturn: your reading list" {
		t.Errorf("curl -s localhost:8000 in the container printed %q", out)
	}
	if out := exec(t, e, srv, "curl -s http://127.0.0.1:8000/about"); out != "made with layers" {
		t.Errorf("curl of /about printed %q", out)
	}
	if _, errs, st, _ := e.Exec(context.Background(), srv, []string{"curl", "-s", "localhost:5000"}, "", nil, ""); st != 7 {
		t.Errorf("curl of a port nothing listens on: status %d, %q; want 7 (could not connect)", st, errs)
	}
	if _, err := e.Serve(srv, 5000, "/"); !errors.Is(err, ErrNoServer) {
		t.Errorf("a port nothing listens on answered: %v", err)
	}
	// Editing the script in the running container does not change the
	// running server.
	exec(t, e, srv, `sed -i 's/your reading list/edited/' /app/app.py`)
	if res, _ := e.Serve(srv, 8000, "/"); res.Body != "Pageturn: your reading list" {
		t.Errorf("after an edit the running server answers %q", res.Body)
	}
	if err := e.Pause(srv); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Serve(srv, 8000, "/"); err == nil || !strings.Contains(err.Error(), "paused") {
		t.Errorf("a paused container answered: %v", err)
	}
	if err := e.Unpause(srv); err != nil {
		t.Fatal(err)
	}
	e.Stop(srv, 0, 0)
	if _, err := e.Serve(srv, 8000, "/"); !errors.Is(err, ErrNoServer) {
		t.Errorf("a stopped container answered: %v", err)
	}
	// Started again, it loads the edited script.
	if err := e.Start(context.Background(), srv); err != nil {
		t.Fatal(err)
	}
	if res, _ := e.Serve(srv, 8000, "/"); res.Body != "Pageturn: edited" {
		t.Errorf("after a restart the server answers %q, want the edited script", res.Body)
	}
}

// TestServeNginxReadsItsFiles: nginx answers port 80 from its html
// directory on every request, so an edit shows at once.
func TestServeNginxReadsItsFiles(t *testing.T) {
	e := newTestEngine(t)
	if err := e.Preload("nginx"); err != nil {
		t.Fatal(err)
	}
	c := run(t, e, ContainerOptions{Image: "nginx", Name: "web"})
	res, err := e.Serve(c, 80, "/")
	if err != nil || res.Status != 200 || res.Body == "" {
		t.Fatalf("GET / = %d %q, %v", res.Status, res.Body, err)
	}
	exec(t, e, c, `echo hello > /usr/share/nginx/html/index.html`)
	if res, _ := e.Serve(c, 80, "/"); res.Body != "hello\n" {
		t.Errorf("after an edit nginx answers %q", res.Body)
	}
	if res, _ := e.Serve(c, 80, "/nope.html"); res.Status != 404 {
		t.Errorf("a missing file answered %d", res.Status)
	}
}
