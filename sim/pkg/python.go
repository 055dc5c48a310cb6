package pkg

import (
	"context"
	"fmt"
	"strings"

	"github.com/layerlab/layerlab/sim/shell"
)

// systemPython is the full version of the distributions' own python3, for
// `python3 -V` where the image sets no PYTHON_VERSION (the official python
// images do): Debian bookworm, Ubuntu 22.04 and 24.04, Alpine 3.20.
var systemPython = map[string]string{"3.11": "3.11.2", "3.10": "3.10.12", "3.12": "3.12.3"}

// python runs the few things a Dockerfile asks of Python that do not need
// Python itself: -V, -m pip (the pip simulation), and -c with literal
// print() calls. Anything else runs as a visible no-op, so a learner sees
// that the program did not really run.
func (c *Catalog) python(ctx context.Context, p *shell.Proc) int {
	args := p.Args[1:]
	for len(args) > 0 {
		switch a := args[0]; {
		case a == "-V" || a == "--version":
			fmt.Fprintf(p.Stdout, "Python %s\n", pythonVersion(p))
			return 0
		case a == "-m" && len(args) > 1:
			if args[1] == "pip" {
				sub := *p
				sub.Args = append([]string{"pip"}, args[2:]...)
				return c.pip(ctx, &sub)
			}
			fmt.Fprintf(p.Stderr, "layerlab: python -m %s is not simulated; it ran as a no-op\n", args[1])
			return 0
		case strings.HasPrefix(a, "-m") && len(a) > 2:
			args = append([]string{"-m", a[2:]}, args[1:]...)
		case a == "-c" && len(args) > 1:
			return pythonPrints(p, args[1])
		case a == "-u" || a == "-B" || a == "-O" || a == "-E" || a == "-s" || a == "-I":
			args = args[1:]
		case strings.HasPrefix(a, "-"):
			fmt.Fprintf(p.Stderr, "layerlab: python %s is not simulated; it ran as a no-op\n", a)
			return 0
		default:
			fmt.Fprintf(p.Stderr, "layerlab: python runs no scripts in this simulator; %s did not run\n", a)
			return 0
		}
	}
	fmt.Fprintln(p.Stderr, "layerlab: the interactive python prompt is not simulated")
	return 0
}

func pythonVersion(p *shell.Proc) string {
	if v := env(p, "PYTHON_VERSION", ""); v != "" {
		return v
	}
	if e, ok := findPython(p); ok {
		if full, ok := systemPython[e.version]; ok {
			return full
		}
		return e.version + ".0"
	}
	return "3.12.3"
}

// pythonPrints runs a -c program made only of print() calls with string
// literal arguments, separated by newlines or semicolons.
func pythonPrints(p *shell.Proc, code string) int {
	var out strings.Builder
	for stmt := range strings.FieldsFuncSeq(code, func(r rune) bool { return r == '\n' || r == ';' }) {
		stmt = strings.TrimSpace(stmt)
		if stmt == "" || strings.HasPrefix(stmt, "#") {
			continue
		}
		inner, ok := strings.CutPrefix(stmt, "print(")
		if !ok || !strings.HasSuffix(inner, ")") {
			fmt.Fprintf(p.Stderr, "layerlab: python -c runs only print() of literal strings; %q did not run\n", stmt)
			return 0
		}
		words, ok := pyLiterals(strings.TrimSuffix(inner, ")"))
		if !ok {
			fmt.Fprintf(p.Stderr, "layerlab: python -c runs only print() of literal strings; %q did not run\n", stmt)
			return 0
		}
		out.WriteString(strings.Join(words, " ") + "\n")
	}
	fmt.Fprint(p.Stdout, out.String())
	return 0
}

// pyLiterals splits "'a', \"b\"" into its string literals; numbers pass
// through as written.
func pyLiterals(s string) ([]string, bool) {
	var out []string
	s = strings.TrimSpace(s)
	for s != "" {
		switch q := s[0]; {
		case q == '\'' || q == '"':
			end := strings.IndexByte(s[1:], q)
			if end < 0 || strings.Contains(s[1:end+1], `\`) {
				return nil, false
			}
			out = append(out, s[1:end+1])
			s = s[end+2:]
		default:
			i := strings.IndexByte(s, ',')
			if i < 0 {
				i = len(s)
			}
			word := strings.TrimSpace(s[:i])
			if strings.Trim(word, "0123456789.-") != "" || word == "" {
				return nil, false
			}
			out = append(out, word)
			s = s[i:]
		}
		s = strings.TrimSpace(s)
		if s == "" {
			break
		}
		if s[0] != ',' {
			return nil, false
		}
		s = strings.TrimSpace(s[1:])
	}
	return out, true
}
