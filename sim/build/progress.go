package build

import (
	"fmt"
	"strings"
	"time"
)

// displayWidth is the terminal width the compact display is laid out for.
const displayWidth = 80

// vertex is one line of BuildKit's compact display, with its sub-lines.
type vertex struct {
	name   string
	cached bool
	failed bool
	took   time.Duration
	subs   []string
	log    []string // a step's output, stamped, for --progress=plain
}

// progress collects the display of one build.
type progress struct {
	builder  string
	vertices []*vertex
	total    int
	log      []string // the failed step's output, each line stamped
	warnings []string // lint warnings, listed again after the build
}

func (p *progress) add(name string) *vertex {
	v := &vertex{name: name}
	p.vertices = append(p.vertices, v)
	return v
}

// render writes the final display as a terminal shows it once the build has
// ended, then, for a failed build, BuildKit's error block.
func (p *progress) render(took time.Duration, done int, failure *failure) string {
	var b strings.Builder
	head := fmt.Sprintf("[+] Building %.1fs (%d/%d) FINISHED", took.Seconds(), done, p.total)
	right := "docker:" + p.builder
	b.WriteString(pad(head, right))
	for _, v := range p.vertices {
		name := v.name
		switch {
		case v.failed:
			name = "ERROR " + name
		case v.cached:
			name = "CACHED " + name
		}
		b.WriteString(pad(" => "+name, fmt.Sprintf("%.1fs", v.took.Seconds())))
		for _, s := range v.subs {
			b.WriteString(pad(" => => "+s, fmt.Sprintf("%.1fs", 0.0)))
		}
	}
	p.renderEnd(&b, failure)
	return b.String()
}

// renderWarnings is the summary docker build prints once the display ends:
// a blank line, the count, then one line per warning.
// renderEnd ends both progress styles the same way: the warnings, and for
// a failed build the failing step's log, the Dockerfile excerpt and
// BuildKit's ERROR line.
func (p *progress) renderEnd(b *strings.Builder, failure *failure) {
	if failure == nil {
		p.renderWarnings(b)
		return
	}
	if failure.step != "" {
		b.WriteString("------\n")
		fmt.Fprintf(b, " > %s:\n", failure.step)
		for _, l := range p.log {
			b.WriteString(l + "\n")
		}
		b.WriteString("------\n")
	}
	p.renderWarnings(b)
	if failure.line > 0 {
		b.WriteString(sourceExcerpt(failure.file, failure.source, failure.line, failure.endLine))
	}
	fmt.Fprintf(b, "ERROR: failed to build: failed to solve: %s\n", failure.msg)
}

func (p *progress) renderWarnings(b *strings.Builder) {
	if len(p.warnings) == 0 {
		return
	}
	noun := "warning"
	if len(p.warnings) > 1 {
		noun = "warnings"
	}
	fmt.Fprintf(b, "\n %d %s found (use docker --debug to expand):\n", len(p.warnings), noun)
	for _, w := range p.warnings {
		b.WriteString(" - " + w + "\n")
	}
}

// pad lays left and right out on one display line, cutting a left part
// that is too long as a terminal of displayWidth columns would show it.
func pad(left, right string) string {
	room := displayWidth - len(right) - 1
	if len(left) > room {
		left = left[:room-3] + "..."
	}
	return left + strings.Repeat(" ", displayWidth-len(left)-len(right)) + right + "\n"
}

// sourceExcerpt prints the Dockerfile lines around a failure the way BuildKit
// does: the file and first line, then the failing range marked with >>> and
// two lines of context on each side (four for a single line, split evenly).
func sourceExcerpt(file string, src []byte, start, end int) string {
	lines := strings.Split(string(src), "\n")
	if start < 1 || start > len(lines) {
		return ""
	}
	if end < start {
		end = start
	}
	if end > len(lines) {
		end = len(lines)
	}
	first, last := start, end
	want := 2
	if start == end {
		want = 4
	}
	for got := 0; got < want; got++ {
		if first > 1 {
			first--
			got++
		}
		if last != len(lines) {
			last++
			got++
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s:%d\n--------------------\n", file, start)
	for i := first; i <= last; i++ {
		mark := "   "
		if i >= start && i <= end {
			mark = ">>>"
		}
		fmt.Fprintf(&b, " %3d | %s %s\n", i, mark, lines[i-1])
	}
	b.WriteString("--------------------\n")
	return b.String()
}

// stampWriter collects a step's output the way BuildKit's plain log shows it:
// each line stamped with the seconds since the step started.
type stampWriter struct {
	since   func() time.Duration
	lines   []string
	partial strings.Builder
	limit   int
	size    int
	cut     bool
}

func (w *stampWriter) Write(b []byte) (int, error) {
	n := len(b)
	for len(b) > 0 {
		i := strings.IndexByte(string(b), '\n')
		if i < 0 {
			w.partial.Write(b)
			break
		}
		w.partial.Write(b[:i])
		w.flush()
		b = b[i+1:]
	}
	return n, nil
}

func (w *stampWriter) flush() {
	line := w.partial.String()
	w.partial.Reset()
	if w.cut {
		return
	}
	w.size += len(line) + 1
	if w.limit > 0 && w.size > w.limit {
		w.cut = true
		// BuildKit's log stream words it this way, with its limit in IEC
		// units, and the display stamps it like any other line.
		w.lines = append(w.lines, fmt.Sprintf("%.3f [output clipped, log limit %s reached]", w.since().Seconds(), iecBytes(w.limit)))
		return
	}
	w.lines = append(w.lines, fmt.Sprintf("%.3f %s", w.since().Seconds(), line))
}

func (w *stampWriter) done() []string {
	if w.partial.Len() > 0 {
		w.flush()
	}
	return w.lines
}

// iecBytes prints a log limit the way BuildKit's messages do: "2MiB".
func iecBytes(n int) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%dMiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%dKiB", n>>10)
	}
	return fmt.Sprintf("%dB", n)
}
