package pkg

import (
	"context"
	"fmt"
	"io"
	"path"
	"strings"
	"time"

	"github.com/layerlab/layerlab/sim/shell"
)

// downloadBytesPerSecond is how fast a teaching download goes on the
// virtual clock.
const downloadBytesPerSecond = 20e6

// localURL reports whether url names a server the simulation may run: the
// container itself or another container by name (a host with no dot).
func localURL(url string) bool {
	rest := url
	if i := strings.Index(rest, "://"); i >= 0 {
		rest = rest[i+3:]
	}
	host := rest
	if i := strings.IndexAny(host, "/?#"); i >= 0 {
		host = host[:i]
	}
	if i := strings.LastIndex(host, "@"); i >= 0 {
		host = host[i+1:]
	}
	if strings.HasPrefix(host, "[") {
		return true // an IPv6 literal: only the loopback makes sense here
	}
	name, _, _ := strings.Cut(host, ":")
	return name == "localhost" || name == "0.0.0.0" || strings.HasPrefix(name, "127.") || !strings.Contains(name, ".")
}

func hostPort(url string) (host, port string) {
	rest := url
	scheme := "http"
	if i := strings.Index(rest, "://"); i >= 0 {
		scheme, rest = rest[:i], rest[i+3:]
	}
	if i := strings.IndexAny(rest, "/?#"); i >= 0 {
		rest = rest[:i]
	}
	host, port, ok := strings.Cut(rest, ":")
	if !ok {
		port = "80"
		if scheme == "https" {
			port = "443"
		}
	}
	return host, port
}

// fetched is one download's result.
type fetched struct {
	data    []byte
	name    string // the file name the URL suggests
	local   bool   // answered by a server of the simulation
	refused bool
}

func fetchURL(ctx context.Context, p *shell.Proc, url string) fetched {
	if localURL(url) {
		body, err := p.Fetch(ctx, url)
		if err != nil {
			return fetched{local: true, refused: true}
		}
		return fetched{data: body, name: "index.html", local: true}
	}
	data, name := teachingDownload(url)
	spend(p, 150*time.Millisecond+time.Duration(float64(len(data))/downloadBytesPerSecond*float64(time.Second)))
	return fetched{data: data, name: name}
}

func teachingNote(p *shell.Proc, tool, url, saved string) {
	where := ""
	if saved != "" && saved != "-" {
		where = " as " + saved
	}
	fmt.Fprintf(p.Stderr, "layerlab: %s: no network here; saved a teaching copy of %s%s\n", tool, url, where)
}

// wget [-q] [-O FILE] [-P DIR] URL...
func wgetProg(ctx context.Context, p *shell.Proc) int {
	args := p.Args[1:]
	var out, dir string
	quiet, spider := false, false
	var urls []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		value := func() (string, bool) {
			if i+1 >= len(args) {
				fmt.Fprintf(p.Stderr, "wget: option requires an argument -- '%s'\nUsage: wget [OPTION]... [URL]...\n", strings.TrimLeft(a, "-"))
				return "", false
			}
			i++
			return args[i], true
		}
		switch {
		case a == "-O" || a == "--output-document":
			v, ok := value()
			if !ok {
				return 2
			}
			out = v
		case strings.HasPrefix(a, "--output-document="):
			out = strings.TrimPrefix(a, "--output-document=")
		case a == "-P" || a == "--directory-prefix":
			v, ok := value()
			if !ok {
				return 2
			}
			dir = v
		case strings.HasPrefix(a, "--directory-prefix="):
			dir = strings.TrimPrefix(a, "--directory-prefix=")
		case a == "-q" || a == "--quiet":
			quiet = true
		case a == "--spider":
			spider = true
		case a == "-T" || a == "-t" || a == "-U" || a == "--header" || a == "--user-agent" || a == "-e" || a == "--tries" || a == "--timeout":
			if _, ok := value(); !ok {
				return 2
			}
		case strings.HasPrefix(a, "--"):
			// --progress=…, --no-check-certificate, --no-verbose, -c, …
		case strings.HasPrefix(a, "-") && len(a) > 1:
			// short flags together: -qO- , -qO FILE, -nv, -c
			flags := a[1:]
			if flags == "nv" {
				continue
			}
			for j := 0; j < len(flags); j++ {
				switch flags[j] {
				case 'q':
					quiet = true
				case 'O', 'P', 'T', 't', 'U':
					v := flags[j+1:]
					if v == "" {
						var ok bool
						if v, ok = value(); !ok {
							return 2
						}
					}
					if flags[j] == 'O' {
						out = v
					} else if flags[j] == 'P' {
						dir = v
					}
					j = len(flags)
				}
			}
		default:
			urls = append(urls, a)
		}
	}
	_ = quiet
	if len(urls) == 0 {
		fmt.Fprintln(p.Stderr, "wget: missing URL\nUsage: wget [OPTION]... [URL]...\n\nTry `wget --help' for more options.")
		return 1
	}
	status := 0
	var all []byte
	for _, url := range urls {
		f := fetchURL(ctx, p, url)
		if f.refused {
			host, port := hostPort(url)
			fmt.Fprintf(p.Stderr, "Connecting to %s:%s... failed: Connection refused.\n", host, port)
			status = 4
			continue
		}
		if spider {
			continue
		}
		if out != "" {
			all = append(all, f.data...)
			if !f.local {
				teachingNote(p, "wget", url, out)
			}
			continue
		}
		name := path.Join(dir, f.name)
		if err := writeDownload(p, name, f.data); err != nil {
			fmt.Fprintf(p.Stderr, "%s: %s\n", name, errText(err))
			status = 3
			continue
		}
		if !f.local {
			teachingNote(p, "wget", url, name)
		}
	}
	if out != "" && !spider {
		if out == "-" {
			p.Stdout.Write(all)
		} else if err := writeDownload(p, out, all); err != nil {
			fmt.Fprintf(p.Stderr, "%s: %s\n", out, errText(err))
			return 3
		}
	}
	return status
}

func writeDownload(p *shell.Proc, name string, data []byte) error {
	return p.FS.WriteFile(abs(p, name), data, 0o644)
}

// curl [-fsSL] [-o FILE | -O] URL...
func curlProg(ctx context.Context, p *shell.Proc) int {
	args := p.Args[1:]
	var outs []string
	remote := false
	silent, showErr, fail, head, createDirs := false, false, false, false, false
	var urls []string
	takes := "oHAXdwumxe"
	for i := 0; i < len(args); i++ {
		a := args[i]
		value := func() (string, bool) {
			if i+1 >= len(args) {
				fmt.Fprintf(p.Stderr, "curl: option %s: requires parameter\ncurl: try 'curl --help' or 'curl --manual' for more information\n", a)
				return "", false
			}
			i++
			return args[i], true
		}
		switch {
		case a == "--output":
			v, ok := value()
			if !ok {
				return 2
			}
			outs = append(outs, v)
		case a == "--remote-name" || a == "--remote-name-all":
			remote = true
		case a == "--silent":
			silent = true
		case a == "--show-error":
			showErr = true
		case a == "--fail" || a == "--fail-with-body":
			fail = true
		case a == "--head":
			head = true
		case a == "--create-dirs":
			createDirs = true
		case a == "--header" || a == "--user-agent" || a == "--request" || a == "--data" || a == "--retry" || a == "--retry-delay" ||
			a == "--connect-timeout" || a == "--max-time" || a == "--proto" || a == "--write-out" || a == "--user" || a == "--proxy" ||
			a == "--retry-max-time" || a == "--cacert" || a == "--data-binary" || a == "--url":
			v, ok := value()
			if !ok {
				return 2
			}
			if a == "--url" {
				urls = append(urls, v)
			}
		case strings.HasPrefix(a, "--"):
			// --compressed, --location, --insecure, --tlsv1.2, --retry-all-errors, …
			if a == "--location" || a == "--compressed" {
				continue
			}
		case strings.HasPrefix(a, "-") && len(a) > 1:
			flags := a[1:]
			for j := 0; j < len(flags); j++ {
				c := flags[j]
				switch c {
				case 's':
					silent = true
				case 'S':
					showErr = true
				case 'f':
					fail = true
				case 'O':
					remote = true
				case 'I':
					head = true
				}
				if strings.IndexByte(takes, c) >= 0 {
					v := flags[j+1:]
					if v == "" {
						var ok bool
						if v, ok = value(); !ok {
							return 2
						}
					}
					if c == 'o' {
						outs = append(outs, v)
					}
					break
				}
			}
		default:
			urls = append(urls, a)
		}
	}
	_ = fail
	if len(urls) == 0 {
		fmt.Fprintln(p.Stderr, "curl: try 'curl --help' or 'curl --manual' for more information")
		return 2
	}
	status := 0
	for i, url := range urls {
		f := fetchURL(ctx, p, url)
		if f.refused {
			host, port := hostPort(url)
			if !silent || showErr {
				fmt.Fprintf(p.Stderr, "curl: (7) Failed to connect to %s port %s after 0 ms: Couldn't connect to server\n", host, port)
			}
			status = 7
			continue
		}
		if head {
			fmt.Fprint(p.Stdout, "HTTP/1.1 200 OK\r\n\r\n")
			continue
		}
		var dest string
		switch {
		case i < len(outs):
			dest = outs[i]
		case remote:
			dest = f.name
		}
		if dest == "" || dest == "-" {
			p.Stdout.Write(f.data)
		} else {
			if createDirs {
				p.FS.MkdirAll(path.Dir(abs(p, dest)), 0o755)
			}
			if err := writeDownload(p, dest, f.data); err != nil {
				if !silent || showErr {
					fmt.Fprintf(p.Stderr, "curl: (23) Failure writing output to destination\n")
				}
				status = 23
				continue
			}
		}
		if !f.local {
			teachingNote(p, "curl", url, dest)
		}
	}
	return status
}

// readAllLimited reads at most 64 MiB.
func readAllLimited(r io.Reader) ([]byte, error) {
	return io.ReadAll(io.LimitReader(r, 64<<20))
}
