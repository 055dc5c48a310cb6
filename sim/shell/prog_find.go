package shell

import (
	"bufio"
	"context"
	"io"
	"path"
	"regexp"
	"strconv"
	"strings"

	"mvdan.cc/sh/v3/pattern"

	"github.com/layerlab/layerlab/sim/layer"
	"github.com/layerlab/layerlab/sim/union"
)

// findExpr is one node of find's expression.
type findExpr interface {
	eval(f *finder, p string, n union.Node, depth int) bool
}

type (
	findAnd  struct{ x, y findExpr }
	findOr   struct{ x, y findExpr }
	findNot  struct{ x findExpr }
	findTrue struct{}
	findName struct {
		re   *regexp.Regexp
		path bool
	}
	findType  struct{ t byte }
	findEmpty struct{}
	findPrint struct{ sep string }
	findExec  struct {
		argv  []string
		batch bool
	}
	findDelete struct{}
)

func (e findAnd) eval(f *finder, p string, n union.Node, d int) bool {
	return e.x.eval(f, p, n, d) && e.y.eval(f, p, n, d)
}

func (e findOr) eval(f *finder, p string, n union.Node, d int) bool {
	return e.x.eval(f, p, n, d) || e.y.eval(f, p, n, d)
}

func (e findNot) eval(f *finder, p string, n union.Node, d int) bool { return !e.x.eval(f, p, n, d) }
func (findTrue) eval(*finder, string, union.Node, int) bool          { return true }

func (e findName) eval(f *finder, p string, n union.Node, d int) bool {
	if e.path {
		return e.re.MatchString(p)
	}
	return e.re.MatchString(path.Base(p))
}

func (e findType) eval(f *finder, p string, n union.Node, d int) bool {
	switch e.t {
	case 'd':
		return n.Type == layer.TypeDir
	case 'l':
		return n.Type == layer.TypeSymlink
	case 'f':
		return n.Type == layer.TypeReg
	}
	return false
}

func (findEmpty) eval(f *finder, p string, n union.Node, d int) bool {
	switch n.Type {
	case layer.TypeReg:
		return n.Size == 0
	case layer.TypeDir:
		kids, err := f.t.v.o.ReadDir("/" + n.Path)
		return err == nil && len(kids) == 0
	}
	return false
}

func (e findPrint) eval(f *finder, p string, n union.Node, d int) bool {
	f.t.print(p + e.sep)
	return true
}

func (e *findExec) eval(f *finder, p string, n union.Node, d int) bool {
	if e.batch {
		f.batch = append(f.batch, p)
		return true
	}
	argv := make([]string, len(e.argv))
	for i, a := range e.argv {
		argv[i] = strings.ReplaceAll(a, "{}", p)
	}
	return f.run(argv) == 0
}

func (findDelete) eval(f *finder, p string, n union.Node, d int) bool {
	if err := f.t.v.remove(f.t.abs(p)); err != nil {
		f.t.errorf("cannot delete %s: %s", q(p), describe(err))
		return false
	}
	return true
}

// finder runs one find.
type finder struct {
	t                  *tool
	ctx                context.Context
	expr               findExpr
	minDepth, maxDepth int
	depthFirst         bool
	batch              []string
	batchExec          *findExec
}

func (f *finder) run(argv []string) int {
	status, err := f.t.p.Exec(f.ctx, argv)
	if err != nil {
		f.t.errorf("%s: %s", q(argv[0]), describe(err))
		f.t.status = 1
	}
	return status
}

// findParser reads find's expression: -name, -iname, -path, -type, -empty,
// -maxdepth, -mindepth, -print, -print0, -exec … ; / +, -delete, !, -not,
// -a, -o and parentheses.
type findParser struct {
	args   []string
	f      *finder
	action bool
	err    string
}

func (fp *findParser) next() string {
	if len(fp.args) == 0 {
		return ""
	}
	a := fp.args[0]
	fp.args = fp.args[1:]
	return a
}

func (fp *findParser) or() findExpr {
	x := fp.and()
	for fp.err == "" && len(fp.args) > 0 && (fp.args[0] == "-o" || fp.args[0] == "-or") {
		fp.next()
		x = findOr{x, fp.and()}
	}
	return x
}

func (fp *findParser) and() findExpr {
	x := fp.not()
	for fp.err == "" && len(fp.args) > 0 && fp.args[0] != "-o" && fp.args[0] != "-or" && fp.args[0] != ")" {
		if fp.args[0] == "-a" || fp.args[0] == "-and" {
			fp.next()
		}
		x = findAnd{x, fp.not()}
	}
	return x
}

func (fp *findParser) not() findExpr {
	if len(fp.args) > 0 && (fp.args[0] == "!" || fp.args[0] == "-not") {
		fp.next()
		return findNot{fp.not()}
	}
	return fp.primary()
}

func (fp *findParser) primary() findExpr {
	a := fp.next()
	value := func() string {
		if len(fp.args) == 0 {
			fp.err = "missing argument to `" + a + "'"
			return ""
		}
		return fp.next()
	}
	switch a {
	case "(":
		x := fp.or()
		if fp.next() != ")" && fp.err == "" {
			fp.err = "invalid expression; I was expecting to find a ')' somewhere but did not see one."
		}
		return x
	case "-name", "-iname", "-path", "-wholename", "-ipath":
		pat := value()
		expr, err := pattern.Regexp(pat, pattern.EntireString)
		if err != nil {
			fp.err = "invalid pattern " + q(pat)
			return findTrue{}
		}
		if a == "-iname" || a == "-ipath" {
			expr = "(?i)" + expr
		}
		re, err := regexp.Compile(expr)
		if err != nil {
			fp.err = "invalid pattern " + q(pat)
			return findTrue{}
		}
		return findName{re: re, path: a != "-name" && a != "-iname"}
	case "-type":
		v := value()
		if v != "f" && v != "d" && v != "l" && v != "b" && v != "c" && v != "p" && v != "s" {
			fp.err = "Unknown argument to -type: " + v
		}
		return findType{t: v[0]}
	case "-empty":
		return findEmpty{}
	case "-maxdepth", "-mindepth":
		n, err := strconv.Atoi(value())
		if err != nil || n < 0 {
			fp.err = "Expected a positive decimal integer argument to " + a
		}
		if a == "-maxdepth" {
			fp.f.maxDepth = n
		} else {
			fp.f.minDepth = n
		}
		return findTrue{}
	case "-depth":
		fp.f.depthFirst = true
		return findTrue{}
	case "-print":
		fp.action = true
		return findPrint{sep: "\n"}
	case "-print0":
		fp.action = true
		return findPrint{sep: "\x00"}
	case "-delete":
		fp.action = true
		fp.f.depthFirst = true
		return findDelete{}
	case "-exec", "-execdir":
		fp.action = true
		var argv []string
		for len(fp.args) > 0 {
			w := fp.next()
			if w == ";" {
				return &findExec{argv: argv}
			}
			if w == "+" && len(argv) > 0 && argv[len(argv)-1] == "{}" {
				e := &findExec{argv: argv[:len(argv)-1], batch: true}
				fp.f.batchExec = e
				return e
			}
			argv = append(argv, w)
		}
		fp.err = "missing argument to `" + a + "'"
		return findTrue{}
	case "-true":
		return findTrue{}
	case "-false":
		return findNot{findTrue{}}
	case "-xdev", "-mount", "-noleaf", "-follow":
		return findTrue{}
	}
	if a == "" {
		fp.err = "invalid expression"
	} else {
		fp.err = "unknown predicate " + q(a)
	}
	return findTrue{}
}

// find [path…] [expression]
func findProg(ctx context.Context, p *Proc) int {
	t := newTool(ctx, p)
	args := p.Args[1:]
	var roots []string
	for len(args) > 0 && (!strings.HasPrefix(args[0], "-") || args[0] == "-") && args[0] != "!" && args[0] != "(" {
		roots = append(roots, args[0])
		args = args[1:]
	}
	if len(roots) == 0 {
		roots = []string{"."}
	}
	f := &finder{t: t, ctx: ctx, maxDepth: -1}
	fp := &findParser{args: args, f: f}
	f.expr = findTrue{}
	if len(args) > 0 {
		f.expr = fp.or()
		if fp.err == "" && len(fp.args) > 0 {
			fp.err = "paths must precede expression: " + q(fp.args[0])
		}
	}
	if fp.err != "" {
		t.errorf("%s", fp.err)
		return 1
	}
	if !fp.action {
		f.expr = findAnd{f.expr, findPrint{sep: "\n"}}
	}
	for _, root := range roots {
		n, err := t.v.lstat(t.abs(root))
		if err != nil {
			t.errorf("%s: %s", q(root), describe(err))
			continue
		}
		f.walk(root, n, 0)
	}
	if f.batchExec != nil && len(f.batch) > 0 {
		if f.run(append(append([]string{}, f.batchExec.argv...), f.batch...)) != 0 {
			t.status = 1
		}
	}
	return t.status
}

func (f *finder) walk(p string, n union.Node, depth int) {
	if f.t.stop() {
		return
	}
	visit := func() {
		if depth >= f.minDepth {
			f.expr.eval(f, p, n, depth)
		}
	}
	if !f.depthFirst {
		visit()
	}
	if n.Type == layer.TypeDir && (f.maxDepth < 0 || depth < f.maxDepth) {
		if !f.t.v.may(n, 5) {
			f.t.errorf("%s: %s", q(p), "Permission denied")
		} else if kids, err := f.t.v.o.ReadDir("/" + n.Path); err == nil {
			for _, k := range kids {
				// find joins names as strings: "." gives "./app".
				child := strings.TrimSuffix(p, "/") + "/" + path.Base(k.Path)
				f.walk(child, k, depth+1)
			}
		}
	}
	if f.depthFirst {
		visit()
	}
}

// xargs [-0] [-d delim] [-n max] [-I repl] [-r] [-t] [command [arg…]]
func xargsProg(ctx context.Context, p *Proc) int {
	t := newTool(ctx, p)
	args := p.Args[1:]
	maxArgs, repl, delim := 0, "", ""
	noEmpty, trace, nul := false, false, false
	for len(args) > 0 && strings.HasPrefix(args[0], "-") && args[0] != "-" {
		a := args[0]
		args = args[1:]
		take := func(inline string) string {
			if inline != "" {
				return inline
			}
			if len(args) == 0 {
				return ""
			}
			v := args[0]
			args = args[1:]
			return v
		}
		switch {
		case a == "--":
			goto run
		case a == "-0" || a == "--null":
			nul = true
		case a == "-r" || a == "--no-run-if-empty":
			noEmpty = true
		case a == "-t" || a == "--verbose":
			trace = true
		case len(a) > 2 && a[1] != '-' && strings.Trim(a[1:], "0rt") == "":
			// grouped flags: -rt, -0r
			nul = nul || strings.Contains(a, "0")
			noEmpty = noEmpty || strings.Contains(a, "r")
			trace = trace || strings.Contains(a, "t")
		case strings.HasPrefix(a, "-n"):
			n, err := strconv.Atoi(take(a[2:]))
			if err != nil || n < 1 {
				t.errorf("value for -n option should be >= 1")
				return 1
			}
			maxArgs = n
		case strings.HasPrefix(a, "-I"):
			repl = take(a[2:])
		case strings.HasPrefix(a, "-d"):
			delim = take(a[2:])
		case strings.HasPrefix(a, "-P"):
			take(a[2:]) // one command at a time in the simulator
		default:
			return t.usage("invalid option -- '%s'", strings.TrimLeft(a, "-"))
		}
	}
run:
	cmd := args
	if len(cmd) == 0 {
		cmd = []string{"echo"}
	}
	input, err := io.ReadAll(io.LimitReader(stepReader{t, p.Stdin}, maxRead))
	if err != nil && t.stop() {
		return 1
	}
	var items []string
	switch {
	case nul:
		for _, s := range strings.Split(string(input), "\x00") {
			if s != "" {
				items = append(items, s)
			}
		}
	case delim != "":
		items = strings.Split(strings.TrimSuffix(string(input), "\n"), delim[:1])
	case repl != "":
		sc := bufio.NewScanner(strings.NewReader(string(input)))
		for sc.Scan() {
			if line := strings.TrimSpace(sc.Text()); line != "" {
				items = append(items, line)
			}
		}
	default:
		items = xargsWords(string(input))
	}
	status := 0
	exec := func(argv []string) bool {
		if trace {
			p.Stderr.Write([]byte(strings.Join(argv, " ") + "\n"))
		}
		code, err := p.Exec(ctx, argv)
		if err != nil {
			t.errorf("%s: %s", argv[0], describe(err))
			status = code
			return false
		}
		switch {
		case code == 255:
			t.errorf("%s: exited with status 255; aborting", argv[0])
			status = 124
			return false
		case code >= 1 && code <= 125:
			status = 123
		case code > 125:
			status = code
			return false
		}
		return !t.stop()
	}
	if len(items) == 0 {
		if !noEmpty && repl == "" {
			exec(cmd)
		}
		return status
	}
	if repl != "" {
		for _, it := range items {
			argv := make([]string, len(cmd))
			for i, a := range cmd {
				argv[i] = strings.ReplaceAll(a, repl, it)
			}
			if !exec(argv) {
				break
			}
		}
		return status
	}
	step := len(items)
	if maxArgs > 0 {
		step = maxArgs
	}
	for i := 0; i < len(items); i += step {
		if !exec(append(append([]string{}, cmd...), items[i:min(i+step, len(items))]...)) {
			break
		}
	}
	return status
}

// xargsWords splits input the way xargs does by default: blanks separate,
// quotes and backslashes protect.
func xargsWords(s string) []string {
	var out []string
	var cur strings.Builder
	inWord := false
	var quote byte
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			} else {
				cur.WriteByte(c)
			}
		case c == '\'' || c == '"':
			quote, inWord = c, true
		case c == '\\' && i+1 < len(s):
			i++
			cur.WriteByte(s[i])
			inWord = true
		case c == ' ' || c == '\t' || c == '\n':
			if inWord {
				out = append(out, cur.String())
				cur.Reset()
				inWord = false
			}
		default:
			cur.WriteByte(c)
			inWord = true
		}
	}
	if inWord {
		out = append(out, cur.String())
	}
	return out
}
