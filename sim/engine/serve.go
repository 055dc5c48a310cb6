package engine

import (
	"context"
	"fmt"
	"path"
	"regexp"
	"strconv"
	"strings"

	"github.com/layerlab/layerlab/sim/shell"
)

// ErrNoServer is the answer to a request no process listens for: the
// shell's, so curl and the visit pane say the same.
var ErrNoServer = shell.ErrNoServer

// Response is what a simulated server answers to a GET.
type Response struct {
	Status int
	Body   string
}

var (
	flaskPort  = regexp.MustCompile(`\.run\([^)]*port\s*=\s*(\d+)`)
	nodePort   = regexp.MustCompile(`\.listen\(\s*(\d+)`)
	stringBody = regexp.MustCompile(`^\s*return\s+f?("(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*')`)
	nodeBody   = regexp.MustCompile(`\.(?:end|send)\(\s*("(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*'|` + "`[^`]*`" + `)`)
)

// Serve answers a GET for urlPath on a container's port as its main
// process would: a Flask or Node script answers from the code it loaded
// when it started (an edit made since does not change a running server,
// as without a reloader), nginx from the files it serves. It knows string
// responses only; the teaching copies' servers return nothing else.
func (e *Engine) Serve(c *Container, port int, urlPath string) (Response, error) {
	switch c.State {
	case Running:
	case Paused:
		return Response{}, fmt.Errorf("container %s is paused: its processes are frozen, so the request waits with no answer", c.Name)
	default:
		return Response{}, ErrNoServer
	}
	if urlPath == "" {
		urlPath = "/"
	}
	p := c.process
	switch {
	case p.name == "nginx":
		if port != 80 {
			return Response{}, ErrNoServer
		}
		file := path.Join("/usr/share/nginx/html", path.Clean("/"+urlPath))
		if strings.HasSuffix(urlPath, "/") {
			file = path.Join(file, "index.html")
		}
		data, err := c.fs.ReadFile(file)
		if err != nil {
			return Response{Status: 404, Body: "<html><head><title>404 Not Found</title></head><body><h1>404 Not Found</h1><hr>nginx</body></html>\n"}, nil
		}
		return Response{Status: 200, Body: string(data)}, nil
	case p.app != nil && strings.HasPrefix(p.name, "python"):
		want := 5000 // Flask's default
		if m := flaskPort.FindSubmatch(p.app); m != nil {
			want, _ = strconv.Atoi(string(m[1]))
		}
		if port != want {
			return Response{}, ErrNoServer
		}
		if body, ok := flaskRoute(string(p.app), urlPath); ok {
			return Response{Status: 200, Body: body}, nil
		}
		return Response{Status: 404, Body: "<!doctype html>\n<html lang=en>\n<title>404 Not Found</title>\n<h1>Not Found</h1>\n"}, nil
	case p.app != nil && p.name == "node":
		want := 3000
		if m := nodePort.FindSubmatch(p.app); m != nil {
			want, _ = strconv.Atoi(string(m[1]))
		}
		if port != want {
			return Response{}, ErrNoServer
		}
		if m := nodeBody.FindSubmatch(p.app); m != nil {
			return Response{Status: 200, Body: unquote(string(m[1]))}, nil
		}
		return Response{Status: 200, Body: ""}, nil
	}
	return Response{}, ErrNoServer
}

// flaskRoute finds the view for urlPath (@app.get or @app.route) and the
// string its first return statement gives.
func flaskRoute(src, urlPath string) (string, bool) {
	lines := strings.Split(src, "\n")
	for i, l := range lines {
		t := strings.TrimSpace(l)
		if !strings.HasPrefix(t, "@app.get(") && !strings.HasPrefix(t, "@app.route(") {
			continue
		}
		if !strings.Contains(t, `"`+urlPath+`"`) && !strings.Contains(t, `'`+urlPath+`'`) {
			continue
		}
		for _, body := range lines[i+1:] {
			if m := stringBody.FindStringSubmatch(body); m != nil {
				return unquote(m[1]), true
			}
			if strings.HasPrefix(strings.TrimSpace(body), "@") {
				break
			}
		}
	}
	return "", false
}

func unquote(s string) string {
	if len(s) < 2 {
		return s
	}
	if s[0] == '`' {
		return s[1 : len(s)-1]
	}
	if s[0] == '\'' {
		s = `"` + strings.ReplaceAll(s[1:len(s)-1], `"`, `\"`) + `"`
	}
	if u, err := strconv.Unquote(s); err == nil {
		return u
	}
	return s[1 : len(s)-1]
}

// fetcherFor answers curl and wget inside a container: a request to the
// container's own loopback reaches its main process, through Serve, so
// `curl localhost:8000` in it gets what the picture's visit shows.
func (e *Engine) fetcherFor(c *Container) shell.Fetcher {
	return func(_ context.Context, url string) ([]byte, error) {
		host, port, urlPath, ok := splitURL(url)
		if !ok {
			return nil, shell.ErrNoServer
		}
		switch host {
		case "localhost", "127.0.0.1", "0.0.0.0", "[::1]", "::1":
		default:
			return nil, shell.ErrNoServer
		}
		res, err := e.Serve(c, port, urlPath)
		if err != nil {
			return nil, shell.ErrNoServer
		}
		return []byte(res.Body), nil
	}
}

// splitURL takes http://host:port/path apart; the port defaults to 80.
func splitURL(url string) (host string, port int, urlPath string, ok bool) {
	rest := url
	if scheme, r, found := strings.Cut(rest, "://"); found {
		if scheme != "http" {
			return "", 0, "", false
		}
		rest = r
	}
	hostPort, urlPath := rest, "/"
	if i := strings.IndexAny(rest, "/?#"); i >= 0 {
		hostPort, urlPath = rest[:i], rest[i:]
		if j := strings.IndexAny(urlPath, "?#"); j >= 0 {
			urlPath = urlPath[:j]
		}
		if urlPath == "" {
			urlPath = "/"
		}
	}
	port = 80
	host = hostPort
	if i := strings.LastIndex(hostPort, ":"); i >= 0 && !strings.HasSuffix(hostPort, "]") {
		p, err := strconv.Atoi(hostPort[i+1:])
		if err != nil {
			return "", 0, "", false
		}
		host, port = hostPort[:i], p
	}
	return host, port, urlPath, true
}
