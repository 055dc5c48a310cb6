package build

import (
	"fmt"
	"strings"
)

// Plain is the build as docker build --progress=plain prints it. It is
// rendered when asked for: a flood of output costs nothing otherwise.
func (r *Result) Plain() string {
	if r.plain == nil {
		return ""
	}
	return r.plain()
}

// renderPlain writes the build as BuildKit's plain progress prints it
// (docker build --progress=plain): each vertex numbered "#N", its name,
// its sub-steps with " done", each line a step printed stamped with the
// seconds since it started, and how it ended: DONE with its time, CACHED
// or ERROR. A failed build ends with the same error block as the display.
func (p *progress) renderPlain(failure *failure) string {
	var b strings.Builder
	fmt.Fprintf(&b, "#0 building with %q instance using docker driver\n\n", p.builder)
	for i, v := range p.vertices {
		n := i + 1
		if strings.HasPrefix(v.name, "WARN: ") {
			continue // listed after the build, as the display does
		}
		fmt.Fprintf(&b, "#%d %s\n", n, v.name)
		for _, s := range v.subs {
			fmt.Fprintf(&b, "#%d %s done\n", n, s)
		}
		log := v.log
		if v.failed && failure != nil {
			log = p.log
		}
		for _, l := range log {
			fmt.Fprintf(&b, "#%d %s\n", n, l)
		}
		switch {
		case v.failed && failure != nil:
			fmt.Fprintf(&b, "#%d ERROR: %s\n", n, failure.msg)
		case v.failed:
			fmt.Fprintf(&b, "#%d ERROR\n", n)
		case v.cached:
			fmt.Fprintf(&b, "#%d CACHED\n", n)
		default:
			fmt.Fprintf(&b, "#%d DONE %.1fs\n", n, v.took.Seconds())
		}
		b.WriteString("\n")
	}
	p.renderEnd(&b, failure)
	return b.String()
}
