package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/layerlab/layerlab/sim"
	"github.com/layerlab/layerlab/sim/docker"
	"github.com/layerlab/layerlab/sim/engine"
)

// TestRealcheck is the oracle: every script in testdata/realcheck runs on a
// real Docker engine through the real docker CLI and on layerlab through its
// console, and the two transcripts must agree line by line once IDs, times
// and column padding are normalised. Lines a script marks `# real-differs:`
// may differ; the report lists them with their reasons. It needs a Docker
// engine (and root, to start a private one), so it runs only when
// LAYERLAB_REALCHECK=1: `make realcheck`.
func TestRealcheck(t *testing.T) {
	if os.Getenv("LAYERLAB_REALCHECK") == "" {
		t.Skip("the oracle needs a Docker engine: run make realcheck (LAYERLAB_REALCHECK=1)")
	}
	ctx := context.Background()
	cacheDir := os.Getenv("LAYERLAB_REALCHECK_CACHE")
	if cacheDir == "" {
		dir, err := os.UserCacheDir()
		if err != nil {
			dir = os.TempDir() // no HOME: the Debian rootfs is made again each time
		}
		cacheDir = filepath.Join(dir, "layerlab-realcheck")
	}
	if err := os.MkdirAll(cacheDir, 0o755); err != nil {
		t.Fatal(err)
	}
	paths, err := filepath.Glob("testdata/realcheck/*.play")
	if err != nil || len(paths) == 0 {
		t.Fatalf("no scripts in testdata/realcheck (%v)", err)
	}
	var scripts []*rcScript
	only := os.Getenv("LAYERLAB_REALCHECK_ONLY")
	for _, p := range paths {
		s, err := readRealcheckScript(p)
		if err != nil {
			t.Fatal(err)
		}
		if only != "" && !strings.Contains(","+only+",", ","+s.name+",") {
			continue
		}
		scripts = append(scripts, s)
	}

	d, err := startRealDaemon(ctx, cacheDir)
	if err != nil {
		t.Fatalf("realcheck: %v", err)
	}
	defer d.stop()
	if err := d.reset(ctx, nil); err != nil {
		t.Fatal(err)
	}
	// Bases are imported when a script first needs one (the Debian one is
	// slow to make) and stay for the scripts after it, on both sides.
	keep := map[string]bool{}
	present := map[string]string{} // base name -> its docker save tar
	sort.SliceStable(scripts, func(i, j int) bool { return len(scripts[i].bases) < len(scripts[j].bases) })
	libs := map[string]*engine.Library{}
	library := func() (*engine.Library, error) {
		names := sortedKeys(mapOf(present))
		key := strings.Join(names, ",")
		if lib, ok := libs[key]; ok {
			return lib, nil
		}
		lib, err := loadLibrary()
		if err != nil {
			return nil, err
		}
		var specs []string
		for _, n := range names {
			specs = append(specs, realBases[n].ref+"="+present[n])
		}
		if err := importBases(lib, specs); err != nil {
			return nil, err
		}
		libs[key] = lib
		return lib, nil
	}

	rep := &rcReport{engine: d.version, private: d.private}
	for _, s := range scripts {
		t.Run(s.name, func(t *testing.T) {
			for _, b := range s.bases {
				if present[b] != "" {
					continue
				}
				id, saved, err := d.importBase(ctx, b, cacheDir)
				if err != nil {
					t.Fatal(err)
				}
				keep[id] = true
				present[b] = saved
			}
			if err := d.reset(ctx, keep); err != nil {
				t.Fatal(err)
			}
			lib, err := library()
			if err != nil {
				t.Fatal(err)
			}
			real := playReal(ctx, d, s)
			sim := playLayerlab(ctx, lib, sortedKeys(mapOf(present)), s)
			rep.compare(t, s, real, sim)
		})
	}
	report := rep.String()
	fmt.Print(report)
	os.WriteFile(filepath.Join(cacheDir, "report.txt"), []byte(report), 0o644)
}

func playReal(ctx context.Context, d *realDaemon, s *rcScript) []rcBlock {
	r := &realRunner{d: d, dir: s.context}
	if r.dir == "" {
		r.dir = os.TempDir()
	}
	defer r.finish()
	var blocks []rcBlock
	for _, st := range s.steps {
		blocks = append(blocks, r.run(ctx, st.line))
	}
	return blocks
}

// playLayerlab runs the script through the console as `layerlab play` does,
// after pulling the bases quietly: on the real engine they are already
// there, imported.
func playLayerlab(ctx context.Context, lib *engine.Library, bases []string, s *rcScript) []rcBlock {
	cfg := engine.Config{Seed: 1, Library: lib, Limits: sim.DefaultLimits(), Start: time.Now().UTC()}
	if s.context != "" {
		cfg.Context = os.DirFS(s.context)
	}
	console := docker.NewConsole(engine.New(cfg), cfg.Limits)
	for _, b := range bases {
		console.Run(ctx, "docker pull -q "+realBases[b].ref)
	}
	var blocks []rcBlock
	for _, st := range s.steps {
		prompt := console.Prompt() + st.line
		blocks = append(blocks, rcBlock{prompt: prompt, out: console.Run(ctx, st.line).Output})
	}
	return blocks
}

// rcReport gathers the numbers docs/fidelity.md records.
type rcReport struct {
	engine   string
	private  bool
	scripts  int
	lines    int
	failed   []string
	marked   []string
	stale    []string
	mismatch int
}

func (rep *rcReport) compare(t *testing.T, s *rcScript, real, sim []rcBlock) {
	rep.scripts++
	for i, st := range s.steps {
		want := blockLines(real[i], st.line)
		got := blockLines(sim[i], st.line)
		n := max(len(want), len(got))
		rep.lines += n
		var diffs []string
		for k := 0; k < n; k++ {
			var w, g string
			if k < len(want) {
				w = want[k]
			}
			if k < len(got) {
				g = got[k]
			}
			if w != g {
				diffs = append(diffs, fmt.Sprintf("    real:     %s\n    layerlab: %s", w, g))
			}
		}
		where := fmt.Sprintf("%s:%d %s", s.name, st.lineNo, st.line)
		switch {
		case len(diffs) > 0 && st.differs != "":
			rep.marked = append(rep.marked, fmt.Sprintf("%s\n    reason: %s (%d lines differ)", where, st.differs, len(diffs)))
		case len(diffs) > 0:
			rep.mismatch += len(diffs)
			rep.failed = append(rep.failed, where)
			if len(diffs) > 6 {
				diffs = append(diffs[:6], fmt.Sprintf("    … %d more", len(diffs)-6))
			}
			t.Errorf("%s:%d: %s differs from the real engine:\n%s\n  real transcript:\n%s\n  layerlab transcript:\n%s",
				s.path, st.lineNo, st.line, strings.Join(diffs, "\n"), indent(real[i]), indent(sim[i]))
		case st.differs != "":
			rep.stale = append(rep.stale, fmt.Sprintf("%s (marked: %s)", where, st.differs))
		}
	}
}

func blockLines(b rcBlock, line string) []string {
	text := b.prompt + "\n" + b.out
	if !strings.HasSuffix(text, "\n") {
		text += "\n"
	}
	lines := strings.Split(strings.TrimSuffix(normalise(text), "\n"), "\n")
	// The engine lists a diff while walking its layer through Go maps, so
	// its order changes from run to run: compare the changes as a set.
	if strings.HasPrefix(line, "docker diff ") || strings.HasPrefix(line, "docker container diff ") {
		sort.Strings(lines[1:])
	}
	return lines
}

func indent(b rcBlock) string {
	return "    " + strings.ReplaceAll(strings.TrimSuffix(b.prompt+"\n"+b.out, "\n"), "\n", "\n    ")
}

func (rep *rcReport) String() string {
	var b strings.Builder
	daemon := "a private dockerd"
	if !rep.private {
		daemon = "the machine's shared daemon"
	}
	fmt.Fprintf(&b, "\nrealcheck against Docker Engine %s (%s)\n", rep.engine, daemon)
	fmt.Fprintf(&b, "%d scripts, %d lines compared, %d marked differences, %d unmarked mismatching lines in %d commands\n",
		rep.scripts, rep.lines, len(rep.marked), rep.mismatch, len(rep.failed))
	if len(rep.marked) > 0 {
		b.WriteString("\nmarked differences (real-differs):\n")
		for _, m := range rep.marked {
			b.WriteString("  " + m + "\n")
		}
	}
	if len(rep.stale) > 0 {
		b.WriteString("\nmarked but now the same (remove the mark):\n")
		for _, m := range rep.stale {
			b.WriteString("  " + m + "\n")
		}
	}
	if len(rep.failed) > 0 {
		b.WriteString("\nunmarked differences (these fail the run):\n")
		for _, m := range rep.failed {
			b.WriteString("  " + m + "\n")
		}
	}
	return b.String()
}

func mapOf(m map[string]string) map[string]bool {
	out := map[string]bool{}
	for k := range m {
		out[k] = true
	}
	return out
}

func sortedKeys(m map[string]bool) []string {
	var keys []string
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
