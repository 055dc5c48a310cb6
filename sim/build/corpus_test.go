package build_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/moby/buildkit/frontend/dockerfile/parser"

	"github.com/layerlab/layerlab/sim/build"
)

// TestCorpus builds every Dockerfile of testdata/corpus, each modelled on a
// real-world one (official images, sample applications; see the corpus
// README), and checks each image's layer count against BuildKit's rules
// worked out from the Dockerfile alone: the base image's layers plus one
// for every RUN, COPY and ADD and every WORKDIR other than "/" of the
// final stage (and of the stages it starts from). It reports the build
// rate, the reason of each failure and each build's time, and fails when
// the rate drops below the one recorded in testdata/corpus/rate; -update
// records the current rate and writes the table to testdata/corpus/results.
func TestCorpus(t *testing.T) {
	lib := testLibrary(t)
	dirs, err := filepath.Glob("testdata/corpus/*/Dockerfile")
	if err != nil || len(dirs) == 0 {
		t.Fatalf("no corpus: %v", err)
	}
	var table strings.Builder
	fmt.Fprintf(&table, "| Dockerfile | result | layers | build time |\n|---|---|---|---|\n")
	ok := 0
	for _, df := range dirs {
		dir := filepath.Dir(df)
		name := filepath.Base(dir)
		res, layers, took := buildCorpusCase(t, lib, dir)
		if res == "" {
			ok++
			res = "builds"
		}
		fmt.Fprintf(&table, "| %s | %s | %s | %.1f ms |\n", name, res, layers, float64(took.Microseconds())/1000)
	}
	rate := fmt.Sprintf("%d/%d", ok, len(dirs))
	fmt.Fprintf(&table, "\n%s build with BuildKit's layer count (%.0f%%).\n", rate, 100*float64(ok)/float64(len(dirs)))
	t.Log("\n" + table.String())
	if *update {
		os.WriteFile("testdata/corpus/rate", []byte(rate+"\n"), 0o644)
		os.WriteFile("testdata/corpus/results", []byte(table.String()), 0o644)
		return
	}
	data, err := os.ReadFile("testdata/corpus/rate")
	if err != nil {
		t.Fatalf("%v (run with -update to record the rate)", err)
	}
	want, _ := strconv.Atoi(strings.SplitN(strings.TrimSpace(string(data)), "/", 2)[0])
	if ok < want {
		t.Errorf("%s Dockerfiles build; %d did before", rate, want)
	}
	if float64(ok) < 0.9*float64(len(dirs)) {
		t.Errorf("only %s Dockerfiles build; the goal is 90%%", rate)
	}
}

// buildCorpusCase builds one case; it returns "" when the build worked and
// made as many layers as BuildKit would, or the reason it did not.
func buildCorpusCase(t *testing.T, lib *library, dir string) (reason, layers string, took time.Duration) {
	src, err := os.ReadFile(filepath.Join(dir, "Dockerfile"))
	if err != nil {
		return err.Error(), "", 0
	}
	ctxFS, err := mapContext(os.DirFS(dir))
	if err != nil {
		return err.Error(), "", 0
	}
	want, err := buildkitLayers(src, func(ref string) (int, bool) {
		img, ok := lib.images[ref]
		if !ok && !strings.Contains(ref, ":") {
			img, ok = lib.images[ref+":latest"]
		}
		if !ok {
			return 0, ref == "scratch"
		}
		return len(img.Layers()), true
	})
	if err != nil {
		return "cannot count layers: " + err.Error(), "", 0
	}
	h := newHost(lib)
	start := time.Now()
	res, err := h.build(context.Background(), build.Options{Context: ctxFS, Source: src, Tags: []string{"corpus"}})
	took = time.Since(start)
	if err != nil {
		msg := err.Error()
		if i := strings.IndexByte(msg, '\n'); i >= 0 {
			msg = msg[:i]
		}
		if i := strings.Index(msg, ": process \""); i >= 0 {
			msg = msg[:i] // the step's line; its last output says why
		}
		if res != nil {
			msg += ": " + lastOutput(res.Output)
			if testing.Verbose() {
				t.Logf("%s:\n%s", dir, res.Output)
			}
		}
		return "fails: " + strings.ReplaceAll(msg, "|", "\\|"), "", took
	}
	if err := h.check.Image(res.Image); err != nil {
		return "invalid image: " + err.Error(), "", took
	}
	got := len(res.Image.Layers())
	if got != want {
		return fmt.Sprintf("%d layers, BuildKit makes %d", got, want), strconv.Itoa(got), took
	}
	return "", strconv.Itoa(got), took
}

// lastOutput is the last line a failed step printed before BuildKit's
// error block.
func lastOutput(out string) string {
	last := ""
	for _, l := range strings.Split(out, "\n") {
		if strings.HasPrefix(l, "Dockerfile:") || strings.HasPrefix(l, "------") && last != "" {
			break
		}
		// step output is "SECONDS TEXT"
		ts, text, ok := strings.Cut(strings.TrimSpace(l), " ")
		if _, err := strconv.ParseFloat(ts, 64); ok && err == nil && strings.TrimSpace(text) != "" {
			last = strings.TrimSpace(text)
		}
	}
	return last
}

// buildkitLayers counts the layers BuildKit gives the last stage of a
// Dockerfile, from its instructions only.
func buildkitLayers(src []byte, baseLayers func(ref string) (int, bool)) (int, error) {
	ast, err := parser.Parse(strings.NewReader(string(src)))
	if err != nil {
		return 0, err
	}
	stages, metaArgs, err := instructions.Parse(ast.AST, nil)
	if err != nil {
		return 0, err
	}
	args := map[string]string{}
	for _, a := range metaArgs {
		for _, kv := range a.Args {
			if kv.Value != nil {
				args[kv.Key] = *kv.Value
			}
		}
	}
	counts := map[string]int{}
	var last int
	for i, st := range stages {
		from := st.BaseName
		for k, v := range args {
			from = strings.ReplaceAll(strings.ReplaceAll(from, "${"+k+"}", v), "$"+k, v)
		}
		n, ok := counts[strings.ToLower(from)]
		if !ok {
			if n, ok = baseLayers(from); !ok {
				return 0, fmt.Errorf("unknown base %s", from)
			}
		}
		for _, c := range st.Commands {
			switch c := c.(type) {
			case *instructions.RunCommand, *instructions.CopyCommand, *instructions.AddCommand:
				n++
			case *instructions.WorkdirCommand:
				if c.Path != "/" {
					n++
				}
			}
		}
		counts[strings.ToLower(st.Name)] = n
		counts[strconv.Itoa(i)] = n
		last = n
	}
	return last, nil
}

// warmCatalogs builds once with apt, so the Debian index an engine loads
// once per process is loaded before a test times a build.
func warmCatalogs(tb testing.TB, lib *library) {
	tb.Helper()
	warmOnce.Do(func() {
		src := []byte("FROM debian:bookworm-slim\nRUN apt-get update && apt-get install -y --no-install-recommends curl\n")
		if _, err := newHost(lib).build(context.Background(), build.Options{Source: src}); err != nil {
			tb.Fatal(err)
		}
	})
}

var warmOnce sync.Once
