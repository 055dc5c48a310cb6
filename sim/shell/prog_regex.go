package shell

import (
	"bytes"
	"context"
	"fmt"
	"path"
	"regexp"
	"strconv"
	"strings"

	"github.com/layerlab/layerlab/sim/layer"
)

// toRE2 converts a POSIX regular expression (basic, or extended with ere)
// to Go's syntax. Back-references have no RE2 equivalent and fail to
// compile.
func toRE2(re string, ere bool) string {
	var b strings.Builder
	for i := 0; i < len(re); i++ {
		c := re[i]
		switch {
		case c == '\\' && i+1 < len(re):
			i++
			n := re[i]
			switch {
			case n == '<' || n == '>':
				b.WriteString(`\b`)
			case !ere && strings.IndexByte("(){}|+?", n) >= 0:
				b.WriteByte(n)
			default:
				b.WriteByte('\\')
				b.WriteByte(n)
			}
		case !ere && strings.IndexByte("(){}|+?", c) >= 0:
			b.WriteByte('\\')
			b.WriteByte(c)
		case c == '*' && !ere && (i == 0 || strings.HasSuffix(b.String(), "^") || strings.HasSuffix(b.String(), "(")):
			b.WriteString(`\*`)
		case c == '[':
			// A bracket expression is copied as is; "]" first is literal.
			j := i + 1
			if j < len(re) && re[j] == '^' {
				j++
			}
			if j < len(re) && re[j] == ']' {
				j++
			}
			for j < len(re) && re[j] != ']' {
				if re[j] == '[' && j+1 < len(re) && re[j+1] == ':' {
					if k := strings.Index(re[j+2:], ":]"); k >= 0 {
						j += k + 4
						continue
					}
				}
				j++
			}
			if j >= len(re) {
				b.WriteString(regexp.QuoteMeta(re[i:]))
				return b.String()
			}
			bracket := re[i : j+1]
			bracket = strings.Replace(bracket, `\`, `\\`, -1)
			b.WriteString(bracket)
			i = j
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// grep [-qvinclLhHsEFrwxo] [-e pattern]… [pattern] [file…]
func grepProg(ctx context.Context, p *Proc) int {
	t := newTool(ctx, p)
	o, err := getopt(p.Args[1:], "qvinclLhHsEFGrRwxoe:f:", map[string]byte{
		"quiet": 'q', "silent": 'q', "invert-match": 'v', "ignore-case": 'i', "line-number": 'n',
		"count": 'c', "files-with-matches": 'l', "files-without-match": 'L', "no-filename": 'h',
		"with-filename": 'H', "no-messages": 's', "extended-regexp": 'E', "fixed-strings": 'F',
		"basic-regexp": 'G', "recursive": 'r', "word-regexp": 'w', "line-regexp": 'x',
		"only-matching": 'o', "regexp": 'e',
	})
	if err != nil {
		fmt.Fprintf(p.Stderr, "grep: %v\nUsage: grep [OPTION]... PATTERNS [FILE]...\nTry 'grep --help' for more information.\n", err)
		return 2
	}
	args := o.args
	var patterns []string
	if o.has('e') {
		patterns = strings.Split(o.set['e'], "\n")
	} else {
		if len(args) == 0 {
			fmt.Fprintf(p.Stderr, "Usage: grep [OPTION]... PATTERNS [FILE]...\nTry 'grep --help' for more information.\n")
			return 2
		}
		patterns, args = strings.Split(args[0], "\n"), args[1:]
	}
	var alts []string
	for _, pat := range patterns {
		if o.has('F') {
			alts = append(alts, regexp.QuoteMeta(pat))
		} else {
			alts = append(alts, toRE2(pat, o.has('E')))
		}
	}
	expr := "(?:" + strings.Join(alts, ")|(?:") + ")"
	if o.has('w') {
		expr = `\b(?:` + expr + `)\b`
	}
	if o.has('x') {
		expr = `^(?:` + expr + `)$`
	}
	if o.has('i') {
		expr = "(?i)" + expr
	}
	re, err := regexp.Compile(expr)
	if err != nil {
		t.name = "grep"
		t.errorf("%s", regexErrorText(err))
		return 2
	}
	re.Longest() // POSIX: the leftmost match, and of those the longest
	recursive := o.has('r') || o.has('R')
	if len(args) == 0 && recursive {
		args = []string{"."}
	}
	files := inputs(args)
	if recursive {
		files = t.walkFiles(files)
	}
	withName := (len(files) > 1 || recursive) && !o.has('h') || o.has('H')
	matched, failed := false, false
	for _, f := range files {
		data, err := t.slurp(f)
		if err != nil {
			if t.stop() {
				return 2
			}
			if !o.has('s') {
				t.errorf("%s: %s", f, describe(err))
			}
			failed = true
			continue
		}
		name := f
		if f == "-" {
			name = "(standard input)"
		}
		n := 0
		for i, line := range lines(data) {
			text := bytes.TrimSuffix(line, []byte("\n"))
			if re.Match(text) == o.has('v') {
				continue
			}
			n++
			matched = true
			if o.has('q') {
				return 0
			}
			if o.has('c') || o.has('l') || o.has('L') {
				continue
			}
			prefix := ""
			if withName {
				prefix = name + ":"
			}
			if o.has('n') {
				prefix += strconv.Itoa(i+1) + ":"
			}
			if o.has('o') && !o.has('v') {
				for _, m := range re.FindAll(text, -1) {
					t.print(prefix + string(m) + "\n")
				}
				continue
			}
			if !t.print(prefix + string(text) + "\n") {
				return 2
			}
		}
		switch {
		case o.has('c') && withName:
			t.print(fmt.Sprintf("%s:%d\n", name, n))
		case o.has('c'):
			t.print(fmt.Sprintf("%d\n", n))
		case o.has('l') && n > 0, o.has('L') && n == 0:
			t.print(name + "\n")
		}
	}
	switch {
	case failed && !(o.has('q') && matched):
		return 2
	case matched:
		return 0
	}
	return 1
}

// regexErrorText words a compile error for a learner.
func regexErrorText(err error) string {
	msg := err.Error()
	if strings.Contains(msg, `\1`) || strings.Contains(msg, "escape sequence") {
		return "back-references are not supported by the simulator"
	}
	return "Invalid regular expression"
}

// walkFiles expands directories for grep -r into their files, in order.
func (t *tool) walkFiles(names []string) []string {
	var out []string
	var walk func(name string)
	walk = func(name string) {
		if t.stop() {
			return
		}
		n, err := t.v.stat(t.abs(name))
		if err != nil || n.Type != layer.TypeDir {
			out = append(out, name)
			return
		}
		kids, _ := t.v.o.ReadDir(t.abs(name))
		for _, k := range kids {
			if k.Type == layer.TypeSymlink {
				continue
			}
			walk(path.Join(name, path.Base(k.Path)))
		}
	}
	for _, n := range names {
		if n == "-" {
			out = append(out, n)
			continue
		}
		walk(n)
	}
	return out
}

// sedCmd is one command of a sed script.
type sedCmd struct {
	a1, a2   *sedAddr
	negate   bool
	op       byte
	re       *regexp.Regexp
	repl     string
	global   bool
	nth      int
	print    bool
	text     string
	inRange  bool
	from, to string // y
}

// sedAddr is a line number, $ or /regexp/.
type sedAddr struct {
	line int
	last bool
	re   *regexp.Regexp
}

func (a *sedAddr) match(n int, last bool, ps []byte) bool {
	switch {
	case a.last:
		return last
	case a.re != nil:
		return a.re.Match(ps)
	}
	return n == a.line
}

// sedError is a script error, reported as GNU sed does.
type sedError struct {
	expr, char int
	msg        string
}

func (e *sedError) Error() string {
	return fmt.Sprintf("-e expression #%d, char %d: %s", e.expr, e.char, e.msg)
}

// parseSed reads the commands sed supports: s, d, p, q, a, i, c, y and =,
// with line, $, /regexp/ and range addresses, ! and ; between commands.
func parseSed(script string, expr int, ere bool) ([]*sedCmd, error) {
	var cmds []*sedCmd
	i := 0
	fail := func(msg string) error { return &sedError{expr: expr, char: i, msg: msg} }
	skip := func() {
		for i < len(script) && (script[i] == ' ' || script[i] == '\t') {
			i++
		}
	}
	delimited := func(d byte) (string, bool) {
		var b strings.Builder
		for i < len(script) {
			c := script[i]
			if c == '\\' && i+1 < len(script) {
				if script[i+1] == d {
					b.WriteByte(d)
				} else if script[i+1] == 'n' {
					b.WriteString(`\n`)
				} else {
					b.WriteByte(c)
					b.WriteByte(script[i+1])
				}
				i += 2
				continue
			}
			i++
			if c == d {
				return b.String(), true
			}
			b.WriteByte(c)
		}
		return "", false
	}
	compile := func(re string, flags string) (*regexp.Regexp, error) {
		r, err := regexp.Compile(flags + toRE2(re, ere))
		if err != nil {
			return nil, fail(regexErrorText(err))
		}
		r.Longest() // POSIX: the leftmost match, and of those the longest
		return r, nil
	}
	address := func() (*sedAddr, error) {
		switch {
		case i < len(script) && script[i] == '$':
			i++
			return &sedAddr{last: true}, nil
		case i < len(script) && script[i] >= '0' && script[i] <= '9':
			j := i
			for i < len(script) && script[i] >= '0' && script[i] <= '9' {
				i++
			}
			n, _ := strconv.Atoi(script[j:i])
			return &sedAddr{line: n}, nil
		case i < len(script) && script[i] == '/':
			i++
			re, ok := delimited('/')
			if !ok {
				return nil, fail("unterminated address regex")
			}
			r, err := compile(re, "")
			if err != nil {
				return nil, err
			}
			return &sedAddr{re: r}, nil
		}
		return nil, nil
	}
	for {
		for i < len(script) && strings.IndexByte(" \t\n;", script[i]) >= 0 {
			i++
		}
		if i >= len(script) {
			return cmds, nil
		}
		c := &sedCmd{}
		var err error
		if c.a1, err = address(); err != nil {
			return nil, err
		}
		if c.a1 != nil && i < len(script) && script[i] == ',' {
			i++
			if c.a2, err = address(); err != nil {
				return nil, err
			}
			if c.a2 == nil {
				return nil, fail("unexpected `,'")
			}
		}
		skip()
		if i < len(script) && script[i] == '!' {
			c.negate = true
			i++
			skip()
		}
		if i >= len(script) {
			return nil, fail("missing command")
		}
		c.op = script[i]
		i++
		switch c.op {
		case 'd', 'p', 'q', '=':
		case 's':
			if i >= len(script) {
				return nil, fail("unterminated `s' command")
			}
			d := script[i]
			i++
			re, ok1 := delimited(d)
			repl, ok2 := delimited(d)
			if !ok1 || !ok2 {
				return nil, fail("unterminated `s' command")
			}
			flags := ""
			for i < len(script) && strings.IndexByte("gpiI0123456789", script[i]) >= 0 {
				switch ch := script[i]; {
				case ch == 'g':
					c.global = true
				case ch == 'p':
					c.print = true
				case ch == 'i' || ch == 'I':
					flags = "(?i)"
				default:
					c.nth = c.nth*10 + int(ch-'0')
				}
				i++
			}
			if c.re, err = compile(re, flags); err != nil {
				return nil, err
			}
			c.repl = repl
		case 'y':
			if i >= len(script) {
				return nil, fail("unterminated `y' command")
			}
			d := script[i]
			i++
			from, ok1 := delimited(d)
			to, ok2 := delimited(d)
			if !ok1 || !ok2 || len([]rune(from)) != len([]rune(to)) {
				return nil, fail("strings for `y' command are different lengths")
			}
			c.from, c.to = from, to
		case 'a', 'i', 'c':
			if i < len(script) && script[i] == '\\' {
				i++
			}
			for i < len(script) && (script[i] == ' ' || script[i] == '\t' || script[i] == '\n') {
				i++
			}
			j := strings.IndexByte(script[i:], '\n')
			if j < 0 {
				j = len(script) - i
			}
			c.text = script[i : i+j]
			i += j
		default:
			return nil, fail(fmt.Sprintf("unknown command: `%c'", c.op))
		}
		cmds = append(cmds, c)
	}
}

// selects reports whether a command applies to the current line.
func (c *sedCmd) selects(n int, last bool, ps []byte) bool {
	ok := true
	switch {
	case c.a1 == nil:
	case c.a2 == nil:
		ok = c.a1.match(n, last, ps)
	case c.inRange:
		if c.a2.match(n, last, ps) || (c.a2.re == nil && !c.a2.last && n >= c.a2.line) {
			c.inRange = false
		}
	default:
		ok = c.a1.match(n, last, ps)
		if ok && !(c.a2.re == nil && !c.a2.last && c.a2.line <= n) {
			c.inRange = true
		}
	}
	return ok != c.negate
}

// expandRepl builds the replacement of one match: & is the match, \1-\9
// its groups, \n a newline.
func expandRepl(repl string, src []byte, m []int) []byte {
	var out []byte
	for i := 0; i < len(repl); i++ {
		c := repl[i]
		switch {
		case c == '&':
			out = append(out, src[m[0]:m[1]]...)
		case c == '\\' && i+1 < len(repl):
			i++
			d := repl[i]
			switch {
			case d >= '0' && d <= '9':
				g := int(d - '0')
				if 2*g+1 < len(m) && m[2*g] >= 0 {
					out = append(out, src[m[2*g]:m[2*g+1]]...)
				}
			case d == 'n':
				out = append(out, '\n')
			case d == 't':
				out = append(out, '\t')
			default:
				out = append(out, d)
			}
		default:
			out = append(out, c)
		}
	}
	return out
}

// substitute applies an s command; it reports whether it replaced.
func (c *sedCmd) substitute(ps []byte) ([]byte, bool) {
	ms := c.re.FindAllSubmatchIndex(ps, -1)
	if len(ms) == 0 {
		return ps, false
	}
	var out []byte
	prev := 0
	done := false
	for k, m := range ms {
		nth := k + 1
		want := c.global && nth >= max(c.nth, 1) || !c.global && nth == max(c.nth, 1)
		if !want {
			continue
		}
		out = append(out, ps[prev:m[0]]...)
		out = append(out, expandRepl(c.repl, ps, m)...)
		prev = m[1]
		done = true
		if !c.global {
			break
		}
	}
	if !done {
		return ps, false
	}
	return append(out, ps[prev:]...), true
}

// sed [-n] [-E] [-i[SUFFIX]] [-e script]… [script] [file…]
func sedProg(ctx context.Context, p *Proc) int {
	t := newTool(ctx, p)
	var scripts []string
	var files []string
	quiet, ere, inPlace := false, false, false
	suffix := ""
	args := p.Args[1:]
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "--":
			files = append(files, args[i+1:]...)
			i = len(args)
		case a == "-n" || a == "--quiet" || a == "--silent":
			quiet = true
		case a == "-E" || a == "-r" || a == "--regexp-extended":
			ere = true
		case a == "-i" || a == "--in-place":
			inPlace = true
		case strings.HasPrefix(a, "--in-place="):
			inPlace, suffix = true, strings.TrimPrefix(a, "--in-place=")
		case strings.HasPrefix(a, "-i"):
			inPlace, suffix = true, a[2:]
		case a == "-e" || a == "--expression":
			if i+1 >= len(args) {
				return t.usage("option requires an argument -- 'e'")
			}
			i++
			scripts = append(scripts, args[i])
		case strings.HasPrefix(a, "-e"):
			scripts = append(scripts, a[2:])
		case strings.HasPrefix(a, "--expression="):
			scripts = append(scripts, strings.TrimPrefix(a, "--expression="))
		case a == "-s" || a == "-u" || a == "--posix":
		case len(a) > 2 && a[0] == '-' && a[1] != '-' && strings.Trim(a[1:2], "nErsu") == "":
			// grouped flags: -nE, -ri, -Ei.bak, -ne 's/…/'
			bad := byte(0)
		flags:
			for j := 1; j < len(a); j++ {
				switch a[j] {
				case 'n':
					quiet = true
				case 'E', 'r':
					ere = true
				case 's', 'u':
				case 'i':
					inPlace, suffix = true, a[j+1:]
					break flags
				case 'e':
					if j+1 < len(a) {
						scripts = append(scripts, a[j+1:])
					} else if i+1 < len(args) {
						i++
						scripts = append(scripts, args[i])
					} else {
						return t.usage("option requires an argument -- 'e'")
					}
					break flags
				default:
					bad = a[j]
					break flags
				}
			}
			if bad != 0 {
				return t.usage("invalid option -- '%c'", bad)
			}
		case len(a) > 1 && a[0] == '-':
			return t.usage("invalid option -- '%c'", a[1])
		default:
			files = append(files, a)
		}
	}
	if len(scripts) == 0 {
		if len(files) == 0 {
			fmt.Fprintf(p.Stderr, "Usage: sed [OPTION]... {script-only-if-no-other-script} [input-file]...\n")
			return 1
		}
		scripts, files = files[:1], files[1:]
	}
	var cmds []*sedCmd
	for k, s := range scripts {
		c, err := parseSed(s, k+1, ere)
		if err != nil {
			t.errorf("%v", err)
			return 1
		}
		cmds = append(cmds, c...)
	}
	if inPlace && len(files) == 0 {
		t.errorf("no input files")
		return 1
	}
	run := func(data []byte, out *bytes.Buffer, lineNo *int, lastFile bool) bool {
		ls := lines(data)
		for li, line := range ls {
			if t.stop() {
				return false
			}
			*lineNo++
			nl := bytes.HasSuffix(line, []byte("\n"))
			ps := bytes.TrimSuffix(line, []byte("\n"))
			last := lastFile && li == len(ls)-1
			deleted, quit := false, false
			var before, after []string
			for _, c := range cmds {
				if !c.selects(*lineNo, last, ps) {
					continue
				}
				switch c.op {
				case 's':
					var did bool
					if ps, did = c.substitute(ps); did && c.print {
						out.Write(ps)
						out.WriteByte('\n')
					}
				case 'y':
					from, to := []rune(c.from), []rune(c.to)
					ps = []byte(strings.Map(func(r rune) rune {
						for k, f := range from {
							if f == r {
								return to[k]
							}
						}
						return r
					}, string(ps)))
				case 'd':
					deleted = true
				case 'p':
					out.Write(ps)
					out.WriteByte('\n')
				case '=':
					fmt.Fprintf(out, "%d\n", *lineNo)
				case 'q':
					quit = true
				case 'a':
					after = append(after, c.text)
				case 'i':
					before = append(before, c.text)
				case 'c':
					if c.a2 == nil || !c.inRange {
						before = append(before, c.text)
					}
					deleted = true
				}
				if deleted || quit {
					break
				}
			}
			for _, s := range before {
				out.WriteString(s + "\n")
			}
			if !deleted && !quiet {
				out.Write(ps)
				if nl || len(after) > 0 {
					out.WriteByte('\n')
				}
			}
			for _, s := range after {
				out.WriteString(s + "\n")
			}
			if quit {
				return false
			}
		}
		return true
	}
	status := 0
	if inPlace {
		for _, f := range files {
			target := t.abs(f)
			data, err := t.slurp(f)
			if err != nil {
				if t.stop() {
					return 1
				}
				t.errorf("can't read %s: %s", f, describe(err))
				status = 2
				continue
			}
			n, _ := t.v.stat(target)
			var out bytes.Buffer
			lineNo := 0
			for _, c := range cmds {
				c.inRange = false
			}
			run(data, &out, &lineNo, true)
			if suffix != "" {
				backup := strings.ReplaceAll(suffix, "*", path.Base(target))
				if !strings.Contains(backup, "/") {
					backup = path.Join(path.Dir(target), path.Base(target)+suffix)
					if strings.Contains(suffix, "*") {
						backup = path.Join(path.Dir(target), strings.ReplaceAll(suffix, "*", path.Base(target)))
					}
				}
				if err := t.v.writeFile(backup, data, n.Mode); err != nil {
					t.errorf("couldn't open file %s: %s", backup, describe(err))
					return 4
				}
			}
			if err := t.v.writeFile(target, out.Bytes(), n.Mode); err != nil {
				t.errorf("couldn't open temporary file %s: %s", path.Join(path.Dir(f), "sedXXXXXX"), describe(err))
				return 4
			}
		}
		return max(status, t.status)
	}
	var out bytes.Buffer
	lineNo := 0
	ins := inputs(files)
	for k, f := range ins {
		data, err := t.slurp(f)
		if err != nil {
			if t.stop() {
				return 1
			}
			t.errorf("can't read %s: %s", f, describe(err))
			status = 2
			continue
		}
		if !run(data, &out, &lineNo, k == len(ins)-1) {
			break
		}
	}
	t.write(out.Bytes())
	if status == 0 && t.status != 0 {
		status = t.status
	}
	return status
}
