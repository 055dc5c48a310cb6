package build_test

import (
	"context"
	"flag"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/layerlab/layerlab/sim/build"
)

var update = flag.Bool("update", false, "rewrite the golden result files")

// TestGolden builds every case under testdata/build. A case is a folder with
// a Dockerfile, an optional context/ folder, an optional script and the
// expected result. The script is one command a line:
//
//	build [--no-cache] [--target T] [--build-arg K=V] [-t TAG] [-f FILE]
//	write PATH TEXT      (TEXT may be a Go quoted string)
//	remove PATH
//
// Without a script the case is one plain build. Every build of a case runs
// on the same host, so later builds see the cache of earlier ones. The
// result holds each build's display and, when it made an image, a dump of
// the image; every image must pass the invariant checker.
func TestGolden(t *testing.T) {
	lib := testLibrary(t)
	dirs, err := filepath.Glob("testdata/build/*")
	if err != nil || len(dirs) == 0 {
		t.Fatalf("no cases: %v", err)
	}
	for _, dir := range dirs {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			got := runCase(t, lib, dir)
			file := filepath.Join(dir, "result")
			if *update {
				if err := os.WriteFile(file, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(file)
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			if got != string(want) {
				t.Errorf("result differs (run with -update and review the diff):\n%s", lineDiff(string(want), got))
			}
		})
	}
}

func runCase(t *testing.T, lib *library, dir string) string {
	t.Helper()
	ctxFS := fstest.MapFS{}
	if info, err := os.Stat(filepath.Join(dir, "context")); err == nil && info.IsDir() {
		m, err := mapContext(os.DirFS(filepath.Join(dir, "context")))
		if err != nil {
			t.Fatal(err)
		}
		ctxFS = m
	}
	script := "build"
	if data, err := os.ReadFile(filepath.Join(dir, "script")); err == nil {
		script = string(data)
	}
	h := newHost(lib)
	var out strings.Builder
	seen := map[string]bool{}
	for _, line := range strings.Split(strings.TrimSpace(script), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		args := strings.Fields(line)
		switch args[0] {
		case "write":
			if len(args) < 3 {
				t.Fatalf("write needs a path and text: %q", line)
			}
			text := strings.TrimSpace(strings.TrimPrefix(strings.TrimPrefix(line, "write"), " "+args[1]))
			if u, err := strconv.Unquote(text); err == nil {
				text = u
			}
			ctxFS[args[1]] = &fstest.MapFile{Mode: 0o644, Data: []byte(text)}
			continue
		case "remove":
			delete(ctxFS, args[1])
			continue
		case "build":
		default:
			t.Fatalf("unknown script command %q", line)
		}
		opts := build.Options{Context: ctxFS, BuildArgs: map[string]string{}}
		file := "Dockerfile"
		for i := 1; i < len(args); i++ {
			next := func() string {
				i++
				if i >= len(args) {
					t.Fatalf("%s needs a value", args[i-1])
				}
				return args[i]
			}
			switch args[i] {
			case "--no-cache":
				opts.NoCache = true
			case "--target":
				opts.Target = next()
			case "--build-arg":
				k, v, _ := strings.Cut(next(), "=")
				opts.BuildArgs[k] = v
			case "-t":
				opts.Tags = append(opts.Tags, next())
			case "-f":
				file = next()
			default:
				t.Fatalf("unknown build flag %q", args[i])
			}
		}
		src, err := os.ReadFile(filepath.Join(dir, file))
		if err != nil {
			t.Fatal(err)
		}
		opts.Source = src
		res, err := h.build(context.Background(), opts)
		out.WriteString("== " + line + "\n")
		if res != nil {
			out.WriteString(res.Output)
		}
		if err != nil {
			out.WriteString("error: " + err.Error() + "\n")
			if res == nil || res.Image != nil {
				t.Errorf("%s: a failed build must return its display and no image", line)
			}
			continue
		}
		if err := h.check.Image(res.Image); err != nil {
			t.Errorf("%s: invalid image: %v", line, err)
		}
		// An image the case already showed is named, not dumped again: the
		// line still pins its ID.
		if id := res.Image.ID().String(); seen[id] {
			out.WriteString("same image " + id + "\n")
			continue
		}
		seen[res.Image.ID().String()] = true
		out.WriteString(h.dump(res.Image))
	}
	return out.String()
}

// lineDiff shows the first lines where two texts part.
func lineDiff(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	var b strings.Builder
	shown := 0
	for i := 0; i < max(len(w), len(g)) && shown < 20; i++ {
		var wl, gl string
		if i < len(w) {
			wl = w[i]
		}
		if i < len(g) {
			gl = g[i]
		}
		if wl != gl {
			b.WriteString("line " + strconv.Itoa(i+1) + ":\n- " + wl + "\n+ " + gl + "\n")
			shown++
		}
	}
	return b.String()
}
