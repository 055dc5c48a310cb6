package shell

import (
	"bytes"
	"context"
	"slices"
	"strconv"
	"strings"
	"syscall"

	"mvdan.cc/sh/v3/interp"
	"mvdan.cc/sh/v3/syntax"

	"github.com/layerlab/layerlab/sim/layer"
)

func isInternal(name string) bool {
	return strings.HasPrefix(name, internalPrefix)
}

// own names the simulator's version of a builtin.
func own(name string, args ...string) []string {
	return append([]string{internalPrefix + name}, args...)
}

// call sees every simple command, builtins and functions included, before
// it runs. It routes the builtins that would reach the host (type,
// command -v, pwd -P, source's PATH search), that the interpreter lacks
// (umask, ulimit, kill) or that behave differently in the flavor's shell
// (echo in dash, cd's messages, bash-only builtins in dash and ash) to the
// simulator's own versions, and rewrites the code that eval, source and trap
// will parse, as the rewriter did for the script.
func (rs *runState) call(ctx context.Context, args []string) ([]string, error) {
	s := rs.s
	if err := s.halted(); err != nil {
		return nil, err
	}
	hc := interp.HandlerCtx(ctx)
	rs.noteLine(hc.Pos)
	s.flush()
	if err := s.checkEnv(hc.Env); err != nil {
		return nil, err
	}
	// Arguments are paid for by size: a builtin may print them into a
	// buffer the simulator never sees (echo "$big" in $(…)).
	size := 0
	for _, a := range args {
		size += len(a)
	}
	if err := s.chargeBytes(size); err != nil {
		return nil, err
	}
	out := rs.route(hc, args)
	if err := s.halted(); err != nil {
		return nil, err
	}
	return out, nil
}

func (rs *runState) route(hc interp.HandlerContext, args []string) []string {
	if args[0] == internalPrefix+"ref" && len(args) == 2 {
		return []string{"eval", rs.s.refAssign(hc, args[1])}
	}
	if args[0] == "" || isInternal(args[0]) {
		return args
	}
	switch args[0] {
	case "read", "mapfile", "readarray":
		// Only these bring NUL bytes into variables; from now on the run
		// looks for them (see checkEnv).
		rs.s.readNUL = true
	}
	if w, ok := hc.Stdout.(*pipeWriter); ok && w.b.broken {
		// The reader is gone: SIGPIPE ends the left side of the pipeline.
		return []string{"exit", "141"}
	}
	// `command` and `builtin` only change how a name is looked up: look
	// through them at the builtin that will run.
	i := 0
	for i < len(args)-1 {
		if args[i] == "builtin" {
			i++
			continue
		}
		if args[i] != "command" {
			break
		}
		// command's -v and -V search PATH on the host: those run here.
		// Any other letter makes the builtin fail before it looks.
		j, flags := i+1, ""
		for j < len(args) && len(args[j]) > 1 && args[j][0] == '-' {
			if args[j] == "--" {
				j++
				break
			}
			flags += args[j][1:]
			j++
		}
		if strings.Trim(flags, "vVp") != "" {
			return args
		}
		switch {
		case strings.Contains(flags, "V"):
			return own("command", append([]string{"-V"}, args[j:]...)...)
		case strings.Contains(flags, "v"):
			return own("command", append([]string{"-v"}, args[j:]...)...)
		}
		args = append(slices.Clone(args[:i+1]), args[j:]...)
		if i+1 >= len(args) {
			return args
		}
		i++
	}
	if i == 0 && rs.s.funcs[args[0]] {
		return args // the script's own function runs
	}
	core := rs.routeCore(hc, args[i:])
	if isInternal(core[0]) {
		return core
	}
	return append(slices.Clone(args[:i]), core...)
}

// dashBuiltin and ashBuiltin are the builtins of dash and BusyBox ash that
// the interpreter also has; the interpreter's other (bash) builtins are not
// builtins there, so such a name is looked up on PATH.
func dashBuiltin(name string) bool {
	switch name {
	case ".", ":", "[", "alias", "bg", "break", "cd", "command", "continue", "echo", "eval", "exec",
		"exit", "export", "false", "fg", "getopts", "hash", "jobs", "kill", "local", "printf", "pwd",
		"read", "readonly", "return", "set", "shift", "test", "times", "trap", "true", "type",
		"ulimit", "umask", "unalias", "unset", "wait":
		return true
	}
	return false
}

func ashBuiltin(name string) bool {
	switch name {
	case "help", "let", "source":
		return true
	}
	return dashBuiltin(name)
}

// dashSpecial are the builtins dash's type calls special.
func dashSpecial(name string) bool {
	switch name {
	case ".", ":", "break", "continue", "eval", "exec", "exit", "export", "readonly", "return",
		"set", "shift", "times", "trap", "unset":
		return true
	}
	return false
}

// isBuiltin reports whether name is a builtin of the flavor's shell.
func (rs *runState) isBuiltin(name string) bool {
	switch rs.flavor {
	case Dash:
		return dashBuiltin(name)
	case Ash:
		return ashBuiltin(name)
	}
	return interp.IsBuiltin(name) || name == "umask" || name == "ulimit" || name == "kill"
}

func (rs *runState) routeCore(hc interp.HandlerContext, args []string) []string {
	name := args[0]
	if interp.IsBuiltin(name) && !rs.isBuiltin(name) {
		return own("exec", args...)
	}
	switch name {
	case "type":
		return own("type", args[1:]...)
	case "pwd":
		if slices.Contains(args[1:], "-P") {
			return own("pwd", args[1:]...)
		}
	case "cd":
		return rs.routeCD(hc, args)
	case "source", ".":
		return rs.routeSource(hc, args)
	case "eval":
		return rs.routeEval(args)
	case "trap":
		return rs.routeTrap(args)
	case "umask", "ulimit", "kill":
		return own(name, args[1:]...)
	case "echo":
		if rs.flavor == Dash {
			return own("echo", args[1:]...)
		}
	case "test", "[":
		for _, a := range args[1:] {
			if a == "-O" || a == "-G" || a == "-ef" {
				return own("test", args...)
			}
		}
	case "[[":
		// Only the POSIX parser leaves [[ as a word: ash has it as a
		// builtin like test, dash does not have it at all.
		if rs.flavor == Ash && len(args) > 1 && args[len(args)-1] == "]]" {
			return rs.routeCore(hc, append(append([]string{"["}, args[1:len(args)-1]...), "]"))
		}
	case "shopt":
		if slices.Contains(args, "-s") && slices.Contains(args, "expand_aliases") {
			rs.s.refuse("alias expansion (shopt -s expand_aliases) is not supported by the simulator")
		}
	case "unset":
		for _, a := range args[1:] {
			if strings.Contains(a, "[") && (strings.Contains(a, "$(") || strings.Contains(a, "`")) {
				rs.s.refuse("command substitution in an array subscript is not supported by the simulator")
			}
		}
	}
	return args
}

// routeCD checks the target in the virtual filesystem first, so that a
// failing cd says so in the flavor's words.
func (rs *runState) routeCD(hc interp.HandlerContext, args []string) []string {
	a := args[1:]
	physical := false
	for len(a) > 0 && (a[0] == "-P" || a[0] == "-L") {
		physical = a[0] == "-P"
		a = a[1:]
	}
	if len(a) > 0 && a[0] == "--" {
		a = a[1:]
	}
	if len(a) != 1 || a[0] == "-" || a[0] == "" {
		return append([]string{"cd"}, a...)
	}
	target := a[0]
	p := cleanAbs(hc.Dir, target)
	v := rs.vfs()
	n, err := v.stat(p)
	switch {
	case err != nil:
		return own("cd_fail", target, strerror(errno(err)))
	case n.Type != layer.TypeDir:
		return own("cd_fail", target, strerror(syscall.ENOTDIR))
	case !v.may(n, 1):
		return own("cd_fail", target, strerror(syscall.EACCES))
	}
	if physical {
		if real, err := rs.s.realpath(rs.proc, p); err == nil {
			return []string{"cd", real}
		}
	}
	return []string{"cd", target}
}

// routeSource finds the file as the flavor does (dash searches PATH only,
// bash and ash then the current directory), rewrites its code and hands the
// builtin a name only the open handler knows, so the interpreter's own PATH
// search, which stats the host, finds nothing.
func (rs *runState) routeSource(hc interp.HandlerContext, args []string) []string {
	if len(args) < 2 {
		return args
	}
	name := args[1]
	v := rs.vfs()
	file := ""
	if strings.Contains(name, "/") {
		file = cleanAbs(hc.Dir, name)
	} else {
		pathEnv := defaultPath
		if vr := hc.Env.Get("PATH"); vr.IsSet() {
			pathEnv = vr.String()
		}
		for _, dir := range strings.Split(pathEnv, ":") {
			p := cleanAbs(hc.Dir, dir+"/"+name)
			if n, err := v.stat(p); err == nil && n.Type == layer.TypeReg {
				file = p
				break
			}
		}
		if file == "" && rs.flavor != Dash {
			file = cleanAbs(hc.Dir, name)
		}
	}
	var data []byte
	err := error(nil)
	if file == "" {
		err = syscall.ENOENT
	} else {
		data, err = v.readFile(file)
	}
	if err != nil {
		return own("source_fail", name, strerror(errno(err)))
	}
	text, ok := rs.rewriteText(string(data), file)
	if !ok {
		return own("source_fail", name, "")
	}
	rs.s.sources = append(rs.s.sources, text)
	return append([]string{args[0], sourcePrefix + strconv.Itoa(len(rs.s.sources)-1)}, args[2:]...)
}

// routeEval rewrites the code eval will parse.
func (rs *runState) routeEval(args []string) []string {
	if len(args) < 2 {
		return args
	}
	text, ok := rs.rewriteText(strings.Join(args[1:], " "), "")
	if !ok {
		return args // the builtin reports the syntax error
	}
	return []string{"eval", text}
}

// rewriteText parses code the interpreter will parse again (eval, source,
// trap), rewrites it like a script, and prints it back.
func (rs *runState) rewriteText(text, name string) (string, bool) {
	if strings.IndexByte(text, 0) >= 0 {
		rs.s.refuse("a script holding a NUL byte is not supported by the simulator")
		return "", false
	}
	f, err := syntax.NewParser(syntax.Variant(rs.flavor.lang())).Parse(strings.NewReader(text), name)
	if err != nil {
		return "", false
	}
	rw := rewriter{s: rs.s, flavor: rs.flavor}
	if rw.file(f) != nil {
		return "", false
	}
	textNames(f)
	// Each statement is printed on one line, at the line it came from, so
	// that the shell's messages name the lines the author wrote.
	var buf bytes.Buffer
	pr := syntax.NewPrinter(syntax.SingleLine(true))
	line := 1
	for _, st := range f.Stmts {
		for want := int(st.Pos().Line()); line < want; line++ {
			buf.WriteByte('\n')
		}
		start := buf.Len()
		if err := pr.Print(&buf, st); err != nil {
			return "", false
		}
		line += bytes.Count(buf.Bytes()[start:], []byte("\n")) + 1
		buf.WriteByte('\n')
	}
	return buf.String(), true
}

// textNames writes the simulator's commands in code that goes back to the
// interpreter as text, which cannot hold their NUL byte, as
// ${__layerlab_nul}name.
func textNames(f *syntax.File) {
	syntax.Walk(f, func(n syntax.Node) bool {
		w, ok := n.(*syntax.Word)
		if !ok || len(w.Parts) == 0 {
			return true
		}
		l, ok := w.Parts[0].(*syntax.Lit)
		if !ok || !isInternal(l.Value) {
			return true
		}
		pos := l.ValuePos
		w.Parts = append([]syntax.WordPart{
			&syntax.ParamExp{Dollar: pos, Param: &syntax.Lit{ValuePos: pos, ValueEnd: pos, Value: shadowNUL}},
			&syntax.Lit{ValuePos: pos, ValueEnd: pos, Value: strings.TrimPrefix(l.Value, internalPrefix)},
		}, w.Parts[1:]...)
		return true
	})
}

// signalName is a trap's signal as a name: "SIGTERM", "term" and "15" are
// all "TERM"; 0 is EXIT.
func signalName(sig string) string {
	name := strings.TrimPrefix(strings.ToUpper(sig), "SIG")
	switch name {
	case "0":
		return "EXIT"
	case "1":
		return "HUP"
	case "2":
		return "INT"
	case "3":
		return "QUIT"
	case "6":
		return "ABRT"
	case "9":
		return "KILL"
	case "10":
		return "USR1"
	case "12":
		return "USR2"
	case "13":
		return "PIPE"
	case "14":
		return "ALRM"
	case "15":
		return "TERM"
	case "17":
		return "CHLD"
	}
	return name
}

// routeTrap keeps the EXIT and ERR traps the interpreter runs (with their
// code rewritten) and records handlers for real signals, which nothing
// sends inside one run.
func (rs *runState) routeTrap(args []string) []string {
	if len(args) < 2 || (strings.HasPrefix(args[1], "-") && args[1] != "-") {
		return args
	}
	action, sigs := "-", args[1:]
	if len(args) > 2 {
		action, sigs = args[1], args[2:]
	}
	if action != "-" && action != "" {
		if text, ok := rs.rewriteText(action, ""); ok {
			action = text
		} else if rs.s.halt != nil {
			return args
		}
	}
	var keep []string
	for _, sig := range sigs {
		name := signalName(sig)
		if name == "EXIT" || name == "ERR" {
			keep = append(keep, name)
			continue
		}
		rs.s.traps[name] = action != "-" && action != ""
	}
	if len(keep) == 0 {
		return []string{":"}
	}
	return append([]string{"trap", action}, keep...)
}
