package shell

import (
	"context"
	"fmt"
	"io"
	"io/fs"
	"slices"
	"strconv"
	"strings"
	"time"

	"mvdan.cc/sh/v3/expand"
	"mvdan.cc/sh/v3/interp"
	"mvdan.cc/sh/v3/syntax"
)

// internal runs the simulator's own commands: those the rewriter inserts
// and the builtins the call handler routed here.
func (rs *runState) internal(ctx context.Context, hc interp.HandlerContext, args []string) int {
	s := rs.s
	name := strings.TrimPrefix(args[0], internalPrefix)
	a := args[1:]
	out, errw := orDiscard(hc.Stdout), orDiscard(hc.Stderr)
	arg := func(i int) string {
		if i < len(a) {
			return a[i]
		}
		return ""
	}
	switch name {
	case "pipe_left", "pipe_right", "pipe_fail":
		if b := s.pipeTop(arg(0)); b != nil {
			switch name {
			case "pipe_left":
				b.left = hc.LastExitStatus
			case "pipe_right":
				b.right = hc.LastExitStatus
			default:
				b.pipefail = true
			}
		}
		return 0
	case "pipe_end":
		status := 0
		if b := s.pipeTop(arg(0)); b != nil {
			status = b.right
			if status == 0 && b.pipefail {
				status = b.left
			}
			s.pipeDone(arg(0))
		}
		return status
	case "loop":
		if hc.LastExitStatus == 0 {
			return 1
		}
		return 0
	case "background":
		fmt.Fprintln(errw, "layerlab: a background job (&) ran in the foreground: the simulator runs one command at a time")
		return 0
	case "random":
		n := s.nextRandom()
		if arg(0) == "srandom" {
			fmt.Fprintln(out, uint32(n))
		} else {
			fmt.Fprintln(out, n%32768)
		}
		return 0
	case "name":
		fmt.Fprint(out, s.shadowVar(arg(0)))
		return 0
	case "arith":
		fmt.Fprint(out, rs.arith(hc, arg(0)))
		return 0
	case "time_start":
		s.timing = append(s.timing, s.cfg.Now())
		return 0
	case "time_end":
		return rs.timeEnd(hc, arg(0))
	case "export":
		rs.exportList(hc)
		return 0
	case "test":
		return rs.test(hc, a)
	case "exec":
		return s.execArgv(ctx, rs.child(hc, a), a, rs.flavor, rs.prefix())
	case "type":
		return rs.typeCmd(hc, a)
	case "command":
		return rs.commandV(hc, a)
	case "pwd":
		dir := hc.Env.Get("PWD").String()
		real, err := s.realpath(rs.proc, dir)
		if err != nil {
			fmt.Fprintf(errw, "%spwd: %s\n", rs.prefix(), strerror(errno(err)))
			return 1
		}
		fmt.Fprintln(out, real)
		return 0
	case "cd_fail":
		switch rs.flavor {
		case Dash:
			fmt.Fprintf(errw, "%scd: can't cd to %s\n", rs.prefix(), arg(0))
			return 2
		case Ash:
			fmt.Fprintf(errw, "%scd: can't cd to %s: %s\n", rs.prefix(), arg(0), arg(1))
			return 2
		}
		fmt.Fprintf(errw, "%scd: %s: %s\n", rs.prefix(), arg(0), arg(1))
		return 1
	case "source_fail":
		if arg(1) == "" {
			return 2 // a syntax error, already reported by the parser of the file
		}
		switch rs.flavor {
		case Dash:
			fmt.Fprintf(errw, "%s.: cannot open %s: No such file\n", rs.prefix(), arg(0))
			return 2
		case Ash:
			fmt.Fprintf(errw, "%s.: can't open '%s': %s\n", rs.prefix(), arg(0), arg(1))
			return 2
		}
		fmt.Fprintf(errw, "%s%s: %s\n", rs.prefix(), arg(0), arg(1))
		return 1
	case "umask":
		return rs.umask(hc, a)
	case "ulimit":
		return ulimit(out, a)
	case "kill":
		return rs.kill(hc, a)
	case "echo":
		dashEcho(out, a)
		return 0
	}
	// A name that looks internal but is not one is an ordinary command.
	return s.execArgv(ctx, rs.child(hc, args), args, rs.flavor, rs.prefix())
}

// timeEnd prints what bash's time keyword prints, on the virtual clock.
func (rs *runState) timeEnd(hc interp.HandlerContext, format string) int {
	s := rs.s
	var d time.Duration
	if n := len(s.timing); n > 0 {
		d = s.cfg.Now().Sub(s.timing[n-1])
		s.timing = s.timing[:n-1]
	}
	w := orDiscard(hc.Stderr)
	if format == "posix" {
		fmt.Fprintf(w, "real %.2f\nuser 0.00\nsys 0.00\n", d.Seconds())
	} else {
		fmt.Fprintf(w, "\nreal\t%dm%.3fs\nuser\t0m0.000s\nsys\t0m0.000s\n", int(d.Minutes()), d.Seconds()-60*float64(int(d.Minutes())))
	}
	return hc.LastExitStatus
}

// exportList is `export -p`: the exported variables, sorted.
func (rs *runState) exportList(hc interp.HandlerContext) {
	env := exportedEnv(hc.Env)
	names := make([]string, 0, len(env))
	for k := range env {
		names = append(names, k)
	}
	slices.Sort(names)
	w := orDiscard(hc.Stdout)
	for _, k := range names {
		if rs.flavor == Bash {
			v := strings.NewReplacer(`\`, `\\`, `"`, `\"`, `$`, `\$`, "`", "\\`").Replace(env[k])
			fmt.Fprintf(w, "declare -x %s=\"%s\"\n", k, v)
			continue
		}
		fmt.Fprintf(w, "export %s=%s\n", k, singleQuote(env[k]))
	}
}

// singleQuote quotes s for a POSIX shell.
func singleQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// test answers the file tests the interpreter would answer from the host:
// -O and -G (owned by the user or group) and -ef (same file). It serves
// both `[[ -O f ]]` (rewritten to print 1 when true) and `test`/`[` with
// those operators in their simple forms.
func (rs *runState) test(hc interp.HandlerContext, a []string) int {
	v := rs.vfs()
	owned := func(op, f string) bool {
		n, err := v.stat(cleanAbs(hc.Dir, f))
		if err != nil {
			return false
		}
		if op == "-O" {
			return n.UID == rs.proc.UID
		}
		return n.GID == rs.proc.GID
	}
	same := func(x, y string) bool {
		rx, err1 := rs.s.realpath(rs.proc, cleanAbs(hc.Dir, x))
		ry, err2 := rs.s.realpath(rs.proc, cleanAbs(hc.Dir, y))
		return err1 == nil && err2 == nil && rx == ry
	}
	eval := func(e []string) (bool, bool) {
		neg := false
		if len(e) > 0 && e[0] == "!" {
			neg, e = true, e[1:]
		}
		switch {
		case len(e) == 2 && (e[0] == "-O" || e[0] == "-G"):
			return owned(e[0], e[1]) != neg, true
		case len(e) == 3 && e[1] == "-ef":
			return same(e[0], e[2]) != neg, true
		}
		return false, false
	}
	if len(a) > 0 && a[0] != "test" && a[0] != "[" {
		// From the rewriter (op first): print 1 when the test holds.
		if len(a) == 3 && a[0] == "-ef" {
			a = []string{a[1], "-ef", a[2]}
		}
		if ok, _ := eval(a); ok {
			fmt.Fprintln(orDiscard(hc.Stdout), "1")
		}
		return 0
	}
	e := a[1:]
	if a[0] == "[" {
		if len(e) == 0 || e[len(e)-1] != "]" {
			fmt.Fprintf(orDiscard(hc.Stderr), "%s[: missing ]\n", rs.prefix())
			return 2
		}
		e = e[:len(e)-1]
	}
	ok, known := eval(e)
	if !known {
		rs.s.refuse("%s with -O, -G or -ef combined with other tests is not supported by the simulator", a[0])
		return 2
	}
	if ok {
		return 0
	}
	return 1
}

// kind says what a command name is to the shell.
func (rs *runState) kind(hc interp.HandlerContext, name string) (kind, file string) {
	switch {
	case syntax.IsKeyword(name) && (rs.flavor == Bash || !bashKeyword(name)):
		return "keyword", ""
	case rs.s.funcs[name]:
		return "function", ""
	case rs.isBuiltin(name):
		return "builtin", ""
	}
	pathEnv := defaultPath
	if vr := hc.Env.Get("PATH"); vr.IsSet() {
		pathEnv = vr.String()
	}
	if p, err := rs.s.lookPathAs(rs.vfs(), pathEnv, hc.Dir, name); err == nil {
		return "file", p
	}
	return "", ""
}

// bashKeyword reports the keywords only bash has.
func bashKeyword(name string) bool {
	switch name {
	case "[[", "]]", "function", "select", "time", "coproc":
		return true
	}
	return false
}

// typeCmd is the type builtin, looking names up in the image.
func (rs *runState) typeCmd(hc interp.HandlerContext, a []string) int {
	out, errw := orDiscard(hc.Stdout), orDiscard(hc.Stderr)
	mode := ""
	for len(a) > 0 && strings.HasPrefix(a[0], "-") && rs.flavor == Bash {
		mode, a = a[0], a[1:]
	}
	status := 0
	for _, name := range a {
		kind, file := rs.kind(hc, name)
		switch {
		case mode == "-t":
			if kind == "" {
				status = 1
			} else {
				fmt.Fprintln(out, kind)
			}
		case mode == "-p" || mode == "-P":
			if file != "" {
				fmt.Fprintln(out, file)
			} else {
				status = 1
			}
		case kind == "keyword":
			fmt.Fprintf(out, "%s is a shell keyword\n", name)
		case kind == "function" && rs.flavor == Dash:
			fmt.Fprintf(out, "%s is a shell function\n", name)
		case kind == "function":
			fmt.Fprintf(out, "%s is a function\n", name)
		case kind == "builtin" && rs.flavor == Dash && dashSpecial(name):
			fmt.Fprintf(out, "%s is a special shell builtin\n", name)
		case kind == "builtin":
			fmt.Fprintf(out, "%s is a shell builtin\n", name)
		case kind == "file":
			fmt.Fprintf(out, "%s is %s\n", name, file)
		case rs.flavor == Bash:
			fmt.Fprintf(errw, "%stype: %s: not found\n", rs.prefix(), name)
			status = 1
		default:
			fmt.Fprintf(out, "%s: not found\n", name)
			status = 127
		}
	}
	return status
}

// commandV is command -v and command -V.
func (rs *runState) commandV(hc interp.HandlerContext, a []string) int {
	if len(a) > 0 && a[0] == "-V" {
		return rs.typeCmd(hc, a[1:])
	}
	out := orDiscard(hc.Stdout)
	status := 0
	for _, name := range a[1:] {
		switch kind, file := rs.kind(hc, name); kind {
		case "":
			status = 1
		case "file":
			fmt.Fprintln(out, file)
		default:
			fmt.Fprintln(out, name)
		}
	}
	return status
}

// umask shows or sets the mask new files get; the default is Docker's 022.
func (rs *runState) umask(hc interp.HandlerContext, a []string) int {
	out := orDiscard(hc.Stdout)
	symbolic := len(a) > 0 && a[0] == "-S"
	if symbolic {
		a = a[1:]
	}
	if len(a) == 0 {
		if symbolic {
			fmt.Fprintln(out, symbolicMode(^rs.s.umask&0o777))
		} else {
			fmt.Fprintf(out, "%04o\n", uint32(rs.s.umask))
		}
		return 0
	}
	n, err := strconv.ParseUint(a[0], 8, 32)
	if err != nil || n > 0o777 {
		fmt.Fprintf(orDiscard(hc.Stderr), "%sumask: Illegal number: %s\n", rs.prefix(), a[0])
		return 2
	}
	rs.s.umask = fs.FileMode(n)
	return 0
}

// symbolicMode is umask -S's u=rwx,g=rx,o=rx.
func symbolicMode(m fs.FileMode) string {
	part := func(bits fs.FileMode) string {
		var b strings.Builder
		for i, c := range "rwx" {
			if bits&(4>>i) != 0 {
				b.WriteRune(c)
			}
		}
		return b.String()
	}
	return "u=" + part(m>>6&7) + ",g=" + part(m>>3&7) + ",o=" + part(m&7)
}

// ulimit reports a container's usual limits and accepts changes silently.
func ulimit(out io.Writer, a []string) int {
	switch {
	case len(a) == 0, len(a) == 1 && a[0] == "-f":
		fmt.Fprintln(out, "unlimited")
	case len(a) == 1 && a[0] == "-n":
		fmt.Fprintln(out, "1048576")
	case len(a) == 1 && a[0] == "-a":
		fmt.Fprint(out, "core file size (blocks)     0\nfile size (blocks)          unlimited\nopen files                  1048576\nstack size (kbytes)         8192\nmax user processes          unlimited\n")
	}
	return 0
}

// kill has no other process to signal: nothing else runs in the
// simulator while a script does.
func (rs *runState) kill(hc interp.HandlerContext, a []string) int {
	out, errw := orDiscard(hc.Stdout), orDiscard(hc.Stderr)
	if len(a) > 0 && a[0] == "-l" {
		fmt.Fprintln(out, "HUP INT QUIT ILL TRAP ABRT BUS FPE KILL USR1 SEGV USR2 PIPE ALRM TERM")
		return 0
	}
	status := 0
	for _, x := range a {
		if strings.HasPrefix(x, "-") {
			continue
		}
		if x == strconv.Itoa(rs.s.cfg.PID) {
			continue // the shell itself; it has no handler to run mid-command
		}
		if rs.flavor == Bash {
			fmt.Fprintf(errw, "%skill: (%s) - No such process\n", rs.prefix(), x)
		} else {
			fmt.Fprintf(errw, "%skill: No such process\n", rs.prefix())
		}
		status = 1
	}
	return status
}

// dashEcho is dash's echo: no options but -n, and backslash escapes always
// interpreted; \c ends the output.
func dashEcho(w io.Writer, a []string) {
	newline := true
	if len(a) > 0 && a[0] == "-n" {
		newline, a = false, a[1:]
	}
	var b []byte
	for i, arg := range a {
		if i > 0 {
			b = append(b, ' ')
		}
		var stop bool
		b, stop = appendEscaped(b, arg)
		if stop {
			w.Write(b)
			return
		}
	}
	if newline {
		b = append(b, '\n')
	}
	w.Write(b)
}

// appendEscaped expands echo's escapes; stop reports a \c.
func appendEscaped(b []byte, s string) ([]byte, bool) {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '\\' || i+1 == len(s) {
			b = append(b, c)
			continue
		}
		i++
		switch s[i] {
		case 'a':
			b = append(b, '\a')
		case 'b':
			b = append(b, '\b')
		case 'c':
			return b, true
		case 'f':
			b = append(b, '\f')
		case 'n':
			b = append(b, '\n')
		case 'r':
			b = append(b, '\r')
		case 't':
			b = append(b, '\t')
		case 'v':
			b = append(b, '\v')
		case '\\':
			b = append(b, '\\')
		case '0':
			n, j := 0, i+1
			for ; j < len(s) && j < i+4 && s[j] >= '0' && s[j] <= '7'; j++ {
				n = n*8 + int(s[j]-'0')
			}
			b = append(b, byte(n))
			i = j - 1
		default:
			b = append(b, '\\', s[i])
		}
	}
	return b, false
}

// Shadow variables answer, by name, for the parameters the interpreter
// would read from the host; baseEnv serves them. A name only the script
// knows when it runs (an indirect expansion, a name reference, a variable
// in arithmetic) is translated to one of them. Scripts may not name them
// (nor any other name starting with reservedPrefix) themselves.
const (
	reservedPrefix = "__layerlab_"
	shadowPID      = reservedPrefix + "pid"
	shadowPPID     = reservedPrefix + "ppid"
	shadowRandom   = reservedPrefix + "random"
	shadowSRandom  = reservedPrefix + "srandom"
	// shadowNUL holds internalPrefix, so that the code eval, source and
	// trap hand back to the interpreter as text (which cannot hold a NUL
	// byte) can still name the simulator's commands: ${__layerlab_nul}pipe_end.
	shadowNUL = reservedPrefix + "nul"
)

// shadowVar translates a parameter name a script computed: the host's
// process IDs and random numbers become the sandbox's, a reserved name is
// refused, any other name stays.
func (s *Shell) shadowVar(name string) string {
	switch name {
	case "$":
		return shadowPID
	case "PPID":
		return shadowPPID
	case "RANDOM":
		return shadowRandom
	case "SRANDOM":
		return shadowSRandom
	}
	if strings.HasPrefix(name, reservedPrefix) {
		s.refuse("names starting with %s are reserved by the simulator", reservedPrefix)
		return ""
	}
	return name
}

// shadowValue is the sandbox's value of a shadow variable.
func (s *Shell) shadowValue(name string) (string, bool) {
	if !strings.HasPrefix(name, reservedPrefix) {
		return "", false
	}
	switch name {
	case shadowPID:
		return strconv.Itoa(s.cfg.PID), true
	case shadowPPID:
		return "0", true
	case shadowRandom:
		return strconv.FormatUint(s.nextRandom()%32768, 10), true
	case shadowSRandom:
		return strconv.FormatUint(uint64(uint32(s.nextRandom())), 10), true
	case shadowNUL:
		return internalPrefix, true
	}
	return "", false
}

// refAssign starts a rewritten ${!x}: it returns the code that names, in
// refVar, the parameter x names, for the expansion that follows it in the
// same subshell. The call handler runs it with eval.
func (s *Shell) refAssign(hc interp.HandlerContext, x string) string {
	vr := hc.Env.Get(x)
	switch {
	case vr.Kind == expand.NameRef:
		// ${!r} of a name reference is the name it refers to.
		return refVar + "=" + reservedPrefix + "lit " + reservedPrefix + "lit=" + singleQuote(vr.Str)
	case !vr.IsSet():
		return "unset " + refVar
	}
	return refVar + "=" + singleQuote(s.shadowVar(vr.String()))
}

// arith is the value an arithmetic operand stands for, following names as
// arithmetic does, with the sandbox's values for the host's parameters.
func (rs *runState) arith(hc interp.HandlerContext, str string) string {
	for i := 0; syntax.ValidName(str) && i < 100; i++ {
		if isSpecial(str) {
			v, _ := rs.s.shadowValue(rs.s.shadowVar(str))
			return v
		}
		vr := hc.Env.Get(str)
		if n, target := vr.Resolve(hc.Env); n != "" {
			vr = target
		}
		val := vr.String()
		if val == "" {
			break
		}
		str = val
	}
	return str
}
