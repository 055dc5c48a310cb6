package shell

import (
	"context"
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// awk runs the one-line programs Dockerfiles use to pick fields:
// `awk -F- '{ print $NF }'`, `awk '/=>/ { print $(NF-1) }'`,
// `awk '{ printf "%s\n", $1 }'`, with BEGIN and END rules, -F and -v. A
// program beyond that (assignments, if, functions) is not run, and awk says
// so in one line instead of printing something wrong.
func awkProg(ctx context.Context, p *Proc) int {
	t := newTool(ctx, p)
	args := p.Args[1:]
	fs := ""
	vars := map[string]string{}
	for len(args) > 0 && strings.HasPrefix(args[0], "-") && args[0] != "-" {
		a := args[0]
		args = args[1:]
		switch {
		case a == "--":
			goto program
		case a == "-F" && len(args) > 0:
			fs, args = args[0], args[1:]
		case strings.HasPrefix(a, "-F"):
			fs = a[2:]
		case a == "-v" && len(args) > 0:
			k, v, _ := strings.Cut(args[0], "=")
			vars[k], args = v, args[1:]
		default:
			t.errorf("not an option: %s", a)
			return 2
		}
	}
program:
	if len(args) == 0 {
		t.print("usage: awk [-F fs][-v var=value][prog | -f progfile][file ...]\n")
		return 2
	}
	rules, ok := parseAwk(args[0])
	if !ok {
		fmt.Fprintf(p.Stderr, "layerlab: this awk program is not simulated (only print and printf of fields); it ran as a no-op: %s\n", args[0])
		return 0
	}
	in, okIn := t.readInputs(args[1:])
	if !okIn {
		return 2
	}
	var out strings.Builder
	nr := 0
	run := func(phase string, line string) {
		var fields []string
		switch {
		case fs == "":
			fields = strings.Fields(line)
		case fs == "\\t" || fs == "\t":
			fields = strings.Split(line, "\t")
		default:
			fields = strings.Split(line, fs)
		}
		env := awkEnv{line: line, fields: fields, nr: nr, vars: vars}
		for _, r := range rules {
			if r.phase != phase || (r.re != nil && !r.re.MatchString(line)) {
				continue
			}
			if r.next {
				return
			}
			out.WriteString(r.run(env))
		}
	}
	run("BEGIN", "")
	for _, line := range splitLines(in) {
		if t.stop() {
			return 2
		}
		nr++
		run("", line)
	}
	run("END", "")
	t.print(out.String())
	return t.status
}

type awkRule struct {
	phase  string // "BEGIN", "END" or "" for every line
	re     *regexp.Regexp
	printf bool
	next   bool
	exprs  []string
}

type awkEnv struct {
	line   string
	fields []string
	nr     int
	vars   map[string]string
}

var awkRuleRE = regexp.MustCompile(`^\s*(BEGIN|END|/(?:[^/\\]|\\.)*/)?\s*\{\s*(print|printf|next)\b\s*(.*?)\s*;?\s*\}\s*$`)

func parseAwk(prog string) ([]awkRule, bool) {
	var rules []awkRule
	for _, part := range splitAwkRules(prog) {
		m := awkRuleRE.FindStringSubmatch(part)
		if m == nil {
			return nil, false
		}
		r := awkRule{printf: m[2] == "printf", next: m[2] == "next"}
		switch {
		case m[1] == "BEGIN" || m[1] == "END":
			r.phase = m[1]
		case m[1] != "":
			re, err := regexp.Compile(m[1][1 : len(m[1])-1])
			if err != nil {
				return nil, false
			}
			r.re = re
		}
		if strings.ContainsAny(m[3], ";{}=") && !strings.HasPrefix(m[3], `"`) {
			return nil, false
		}
		for _, e := range splitAwkList(m[3]) {
			if e != "" {
				r.exprs = append(r.exprs, e)
			}
		}
		if r.next && len(r.exprs) > 0 {
			return nil, false
		}
		rules = append(rules, r)
	}
	return rules, len(rules) > 0
}

// splitAwkRules splits a program at the closing brace of each rule.
func splitAwkRules(prog string) []string {
	var out []string
	depth, start, inStr := 0, 0, false
	for i := 0; i < len(prog); i++ {
		c := prog[i]
		switch {
		case c == '"' && (i == 0 || prog[i-1] != '\\'):
			inStr = !inStr
		case inStr:
		case c == '{':
			depth++
		case c == '}':
			depth--
			if depth == 0 {
				out = append(out, prog[start:i+1])
				start = i + 1
			}
		}
	}
	if strings.TrimSpace(prog[start:]) != "" {
		out = append(out, prog[start:]) // a rule without braces: not simulated
	}
	return out
}

// splitAwkList splits an expression list at top-level commas.
func splitAwkList(s string) []string {
	var out []string
	depth, start, inStr := 0, 0, false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"' && (i == 0 || s[i-1] != '\\'):
			inStr = !inStr
		case inStr:
		case c == '(':
			depth++
		case c == ')':
			depth--
		case c == ',' && depth == 0:
			out = append(out, strings.TrimSpace(s[start:i]))
			start = i + 1
		}
	}
	return append(out, strings.TrimSpace(s[start:]))
}

func (r awkRule) run(env awkEnv) string {
	if !r.printf {
		if len(r.exprs) == 0 {
			return env.line + "\n"
		}
		vals := make([]string, len(r.exprs))
		for i, e := range r.exprs {
			vals[i] = env.eval(e)
		}
		return strings.Join(vals, " ") + "\n"
	}
	if len(r.exprs) == 0 {
		return ""
	}
	format := env.eval(r.exprs[0])
	var vals []any
	for _, e := range r.exprs[1:] {
		vals = append(vals, env.eval(e))
	}
	return fmt.Sprintf(strings.ReplaceAll(format, "%d", "%s"), vals...)
}

// eval evaluates a concatenation of strings, fields and variables.
func (env awkEnv) eval(e string) string {
	var b strings.Builder
	for e = strings.TrimSpace(e); e != ""; e = strings.TrimSpace(e) {
		switch {
		case e[0] == '"':
			end := 1
			for end < len(e) && (e[end] != '"' || e[end-1] == '\\') {
				end++
			}
			lit := e[1:min(end, len(e))]
			b.WriteString(strings.NewReplacer(`\n`, "\n", `\t`, "\t", `\"`, `"`, `\\`, `\`).Replace(lit))
			e = e[min(end+1, len(e)):]
		case e[0] == '$':
			e = e[1:]
			var idx string
			if strings.HasPrefix(e, "(") {
				end := strings.IndexByte(e, ')')
				if end < 0 {
					return b.String()
				}
				idx, e = e[1:end], e[end+1:]
			} else {
				n := 0
				for n < len(e) && (e[n] >= '0' && e[n] <= '9' || e[n] >= 'A' && e[n] <= 'Z') {
					n++
				}
				idx, e = e[:n], e[n:]
			}
			b.WriteString(env.field(idx))
		default:
			n := 0
			for n < len(e) && e[n] != ' ' && e[n] != '"' && e[n] != '$' {
				n++
			}
			b.WriteString(env.value(e[:n]))
			e = e[n:]
		}
	}
	return b.String()
}

func (env awkEnv) value(name string) string {
	switch name {
	case "NF":
		return strconv.Itoa(len(env.fields))
	case "NR":
		return strconv.Itoa(env.nr)
	}
	if _, err := strconv.Atoi(name); err == nil {
		return name
	}
	return env.vars[name]
}

func (env awkEnv) field(idx string) string {
	idx = strings.ReplaceAll(idx, " ", "")
	n := 0
	switch {
	case idx == "NF":
		n = len(env.fields)
	case strings.HasPrefix(idx, "NF-"):
		k, _ := strconv.Atoi(idx[3:])
		n = len(env.fields) - k
	default:
		n, _ = strconv.Atoi(idx)
	}
	if n == 0 {
		return env.line
	}
	if n < 0 || n > len(env.fields) {
		return ""
	}
	return env.fields[n-1]
}
