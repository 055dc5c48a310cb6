package main

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
)

// A realcheck script is a `layerlab play` script that both the real engine
// and layerlab run. Besides commands and comments it may say:
//
//	# context: NAME             the build context is testdata/realcheck/NAME.context
//	# bases: busybox debian     the real base images it needs (busybox by default)
//	# real-differs: REASON      the next command's output may differ; REASON says why
//	docker … # real-differs: REASON   the same, for this command
//
// A marked command is still run and compared on both sides; a difference in
// its output is listed in the report instead of failing the run.
type rcScript struct {
	name    string
	path    string
	context string // directory, or ""
	bases   []string
	steps   []rcStep
}

// rcStep is one command line of a script.
type rcStep struct {
	line    string // as typed, without the marker
	differs string // the reason a difference is expected, or ""
	lineNo  int
}

const differsMarker = "real-differs:"

func readRealcheckScript(path string) (*rcScript, error) {
	src, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	s := &rcScript{name: strings.TrimSuffix(filepath.Base(path), ".play"), path: path}
	if dir := strings.TrimSuffix(path, ".play") + ".context"; isDir(dir) {
		s.context = dir
	}
	pending := ""
	for i, raw := range strings.Split(string(src), "\n") {
		line := strings.TrimSpace(strings.TrimRight(raw, "\r"))
		if line == "" {
			continue
		}
		if comment, ok := strings.CutPrefix(line, "#"); ok {
			comment = strings.TrimSpace(comment)
			switch {
			case strings.HasPrefix(comment, "context:"):
				dir := filepath.Join(filepath.Dir(path), strings.TrimSpace(strings.TrimPrefix(comment, "context:"))+".context")
				if !isDir(dir) {
					return nil, fmt.Errorf("%s:%d: no context directory %s", path, i+1, dir)
				}
				s.context = dir
			case strings.HasPrefix(comment, "bases:"):
				s.bases = strings.Fields(strings.TrimPrefix(comment, "bases:"))
			case strings.HasPrefix(comment, differsMarker):
				reason := strings.TrimSpace(strings.TrimPrefix(comment, differsMarker))
				if reason == "" {
					return nil, fmt.Errorf("%s:%d: %s needs a reason", path, i+1, differsMarker)
				}
				pending = reason
			}
			continue
		}
		step := rcStep{line: line, differs: pending, lineNo: i + 1}
		pending = ""
		if cmd, reason, ok := strings.Cut(line, "# "+differsMarker); ok {
			step.line = strings.TrimSpace(cmd)
			step.differs = strings.TrimSpace(reason)
			if step.differs == "" {
				return nil, fmt.Errorf("%s:%d: %s needs a reason", path, i+1, differsMarker)
			}
		}
		s.steps = append(s.steps, step)
	}
	if pending != "" {
		return nil, fmt.Errorf("%s: a %s comment at the end marks no command", path, differsMarker)
	}
	if len(s.bases) == 0 {
		s.bases = []string{"busybox"}
	}
	for _, b := range s.bases {
		if _, ok := realBases[b]; !ok {
			return nil, fmt.Errorf("%s: unknown base %q (known: busybox, debian)", path, b)
		}
	}
	return s, nil
}

// rcBlock is one command as a terminal shows it: the prompt line, then what
// it printed.
type rcBlock struct {
	prompt string
	out    string
}

// normalise rewrites what must differ between two engines: IDs and digests
// (they depend on creation times), times and durations, and the padding of
// table columns that those change. Everything else is compared as printed.
func normalise(s string) string {
	for _, r := range normalisers {
		s = r.re.ReplaceAllString(s, r.to)
	}
	return s
}

var normalisers = []struct {
	re *regexp.Regexp
	to string
}{
	// A terminal shows "\r\n" as "\n" (the daemon ends exec errors so).
	{regexp.MustCompile(`\r\n`), "\n"},
	{regexp.MustCompile(`sha256:[0-9a-f]{64}`), "sha256:<digest>"},
	{regexp.MustCompile(`\b[0-9a-f]{64}\b`), "<id>"},
	{regexp.MustCompile(`\b[0-9a-f]{12}\b`), "<id>"},
	// BuildKit's cache record IDs in system df -v.
	{regexp.MustCompile(`(?m)^[0-9a-z]{12}(\s+regular)`), "<cacheid>$1"},
	{regexp.MustCompile(`\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)`), "<time>"},
	{regexp.MustCompile(`\d{4}-\d\d-\d\d \d\d:\d\d:\d\d [+-]\d{4} [A-Z]+`), "<time>"},
	{regexp.MustCompile(`(Less than a second|About a minute|About an hour|\d+ (second|minute|hour|day|week|month|year)s?) ago`), "<ago>"},
	{regexp.MustCompile(`Up (Less than a second|About a minute|About an hour|\d+ (second|minute|hour|day|week|month|year)s?)`), "Up <time>"},
	// Table padding follows the widest cell, which the rewrites above change.
	{regexp.MustCompile(` {2,}`), "  "},
	{regexp.MustCompile(`(?m) +$`), ""},
}
