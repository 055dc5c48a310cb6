package main

import (
	"bytes"
	"context"
	"flag"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the expected transcripts in testdata/play")

// TestTranscripts runs every testdata/play/NAME.play script through
// `layerlab play` and compares what it prints with NAME.out. A directory
// NAME.context, when present, is the build context. Run with -update to
// rewrite the .out files, then review the diff.
func TestTranscripts(t *testing.T) {
	scripts, err := filepath.Glob("testdata/play/*.play")
	if err != nil {
		t.Fatal(err)
	}
	if len(scripts) == 0 {
		t.Fatal("no transcripts in testdata/play")
	}
	for _, script := range scripts {
		name := strings.TrimSuffix(filepath.Base(script), ".play")
		t.Run(name, func(t *testing.T) {
			args := []string{"play"}
			if dir := contextOf(t, script); dir != "" {
				args = append(args, "--context", dir)
			}
			args = append(args, script)
			var out, errb bytes.Buffer
			if err := run(context.Background(), args, env{stdin: strings.NewReader(""), stdout: &out, stderr: &errb, getenv: func(string) string { return "" }}); err != nil {
				t.Fatalf("layerlab play: %v\n%s", err, errb.String())
			}
			golden := strings.TrimSuffix(script, ".play") + ".out"
			if *update {
				if err := os.WriteFile(golden, out.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test ./cmd/layerlab -run TestTranscripts -update to create it)", err)
			}
			if got := out.String(); got != string(want) {
				t.Errorf("transcript %s differs from %s:\n%s", script, golden, lineDiff(string(want), got))
			}
		})
	}
}

// contextOf is a script's build context: NAME.context beside it, or the one
// its first line names ("# context: pageturn"), so scripts can share one.
func contextOf(t *testing.T, script string) string {
	if dir := strings.TrimSuffix(script, ".play") + ".context"; isDir(dir) {
		return dir
	}
	src, err := os.ReadFile(script)
	if err != nil {
		t.Fatal(err)
	}
	first, _, _ := strings.Cut(string(src), "\n")
	if name, ok := strings.CutPrefix(first, "# context: "); ok {
		dir := filepath.Join(filepath.Dir(script), strings.TrimSpace(name)+".context")
		if !isDir(dir) {
			t.Fatalf("%s names the context %s, which does not exist", script, dir)
		}
		return dir
	}
	return ""
}

func isDir(p string) bool {
	info, err := os.Stat(p)
	return err == nil && info.IsDir()
}

// lineDiff shows the first differing lines, enough to see what changed.
func lineDiff(want, got string) string {
	w, g := strings.Split(want, "\n"), strings.Split(got, "\n")
	var b strings.Builder
	shown := 0
	for i := 0; i < len(w) || i < len(g); i++ {
		var wl, gl string
		if i < len(w) {
			wl = w[i]
		}
		if i < len(g) {
			gl = g[i]
		}
		if wl != gl {
			b.WriteString("line " + strconv.Itoa(i+1) + ":\n  want: " + wl + "\n  got:  " + gl + "\n")
			if shown++; shown == 8 {
				break
			}
		}
	}
	return b.String()
}
