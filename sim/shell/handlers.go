package shell

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"slices"
	"strconv"
	"strings"
	"syscall"

	"mvdan.cc/sh/v3/expand"
	"mvdan.cc/sh/v3/interp"
	"mvdan.cc/sh/v3/syntax"

	"github.com/layerlab/layerlab/sim/layer"
)

// scriptRun is one script for one (possibly nested) shell.
type scriptRun struct {
	flavor Flavor
	name   string   // $0, and how the shell names itself in messages
	text   string   //
	file   bool     // read from a file rather than given with -c
	params []string // positional parameters
	opts   []string // shell options, as for set: "-e", "-o", "pipefail"
}

// maxNest bounds shells started by shells (sh -c 'sh -c …', a script that
// runs itself).
const maxNest = 48

// runScript parses, rewrites and runs one script and returns its status.
// Budget and refusal errors are left in s.halt for the caller.
func (s *Shell) runScript(ctx context.Context, p *Proc, sr scriptRun) int {
	if s.halt != nil {
		return 1
	}
	ctx = s.context(ctx)
	s.nest++
	defer func() { s.nest-- }()
	if s.nest > maxNest {
		s.stop(ErrBudget, 137, nil, "layerlab stopped the script: shells nested more than %d deep", maxNest)
		return 1
	}
	rs := &runState{s: s, proc: p, flavor: sr.flavor, name: sr.name, file: sr.file, line: 1}
	if strings.IndexByte(sr.text, 0) >= 0 {
		s.refuse("a script holding a NUL byte is not supported by the simulator")
		return 2
	}
	file, err := syntax.NewParser(syntax.Variant(sr.flavor.lang())).Parse(strings.NewReader(sr.text), sr.name)
	if err != nil {
		fmt.Fprintln(p.Stderr, rs.syntaxError(err))
		return 2
	}
	rw := rewriter{s: s, flavor: sr.flavor}
	if err := rw.file(file); err != nil {
		return 2
	}
	r, err := rs.newRunner(sr.params, sr.opts)
	if err != nil {
		fmt.Fprintf(p.Stderr, "%s: %v\n", sr.name, err)
		return 2
	}
	err = r.Run(ctx, file)
	s.flush()
	if s.halt != nil {
		return 1
	}
	return statusOf(err)
}

// lang is the parser's language for a flavor: dash and ash are POSIX shells,
// so `[[`, arrays and the like fail there as they do for real.
func (f Flavor) lang() syntax.LangVariant {
	if f == Bash {
		return syntax.LangBash
	}
	return syntax.LangPOSIX
}

// statusOf turns what the interpreter returned into an exit status.
func statusOf(err error) int {
	if err == nil {
		return 0
	}
	var es interp.ExitStatus
	if errors.As(err, &es) {
		return int(es)
	}
	return 1
}

// runState is one interpreter: the handlers it calls close over it.
type runState struct {
	s      *Shell
	proc   *Proc // the shell process: its filesystem and user
	flavor Flavor
	name   string
	file   bool
	line   int // of the last command, for error messages
}

// emptyStdin marks a process whose input is empty, so the interpreter needs
// no pipe for it.
type emptyStdin struct{}

func (emptyStdin) Read([]byte) (int, error) { return 0, io.EOF }

// stdinFor is the reader the interpreter gets: nil for empty input, so that
// it starts no goroutine to copy nothing.
func stdinFor(r io.Reader) io.Reader {
	switch r := r.(type) {
	case nil, emptyStdin:
		return nil
	case interface{ Len() int }: // *strings.Reader, *bytes.Reader, *bytes.Buffer
		if r.Len() == 0 {
			return nil
		}
	}
	return r
}

// newRunner builds an interpreter with every host-facing handler replaced.
func (rs *runState) newRunner(params, opts []string) (*interp.Runner, error) {
	p := rs.proc
	env := &baseEnv{s: rs.s, p: p}
	env.init()
	options := []interp.RunnerOption{
		interp.Env(env),
		// Never interp.Dir: it stats the directory on the host.
		func(r *interp.Runner) error { r.Dir = p.Dir; return nil },
		interp.StdIO(stdinFor(p.Stdin), p.Stdout, p.Stderr),
		interp.OpenHandler(rs.open),
		interp.StatHandler(rs.stat),
		interp.ReadDirHandler2(rs.readDir),
		interp.AccessHandler(rs.access),
		interp.CallHandler(rs.call),
		interp.ExecHandlers(func(interp.ExecHandlerFunc) interp.ExecHandlerFunc { return rs.exec }),
	}
	if len(opts) > 0 {
		options = append(options, interp.Params(opts...))
	}
	options = append(options, func(r *interp.Runner) error { r.Params = params; return nil })
	r, err := interp.New(options...)
	if err != nil {
		return nil, err
	}
	// Reset reads TMPDIR once to place process-substitution FIFOs; during
	// it the environment answers with a path holding a NUL byte, which no
	// host call accepts. Scripts see the real TMPDIR afterwards.
	env.resetting = true
	r.Reset()
	env.resetting = false
	return r, nil
}

// noteLine remembers where the script is, for error messages.
func (rs *runState) noteLine(pos syntax.Pos) {
	if pos.IsValid() && pos.Line() > 0 {
		rs.line = int(pos.Line())
	}
}

// prefix starts every error message of the shell itself, as each shell
// writes it: "/bin/sh: 1: " (dash), "/bin/sh: " (ash running -c),
// "/bin/bash: line 1: " (bash).
func (rs *runState) prefix() string {
	switch rs.flavor {
	case Dash:
		return fmt.Sprintf("%s: %d: ", rs.name, rs.line)
	case Ash:
		if rs.file {
			return fmt.Sprintf("%s: line %d: ", rs.name, rs.line)
		}
		return rs.name + ": "
	}
	return fmt.Sprintf("%s: line %d: ", rs.name, rs.line)
}

// syntaxError words a parse error the way the flavor does.
func (rs *runState) syntaxError(err error) string {
	var pe syntax.ParseError
	msg := err.Error()
	line := 1
	if errors.As(err, &pe) {
		msg = pe.Text
		line = int(pe.Pos.Line())
	} else if le, ok := errors.AsType[syntax.LangError](err); ok {
		msg = "bash-only syntax: " + le.Feature
		line = int(le.Pos.Line())
	}
	rs.line = max(line, 1)
	switch rs.flavor {
	case Dash:
		return rs.prefix() + "Syntax error: " + msg
	case Ash:
		return fmt.Sprintf("%s: line %d: syntax error: %s", rs.name, rs.line, msg)
	}
	if rs.file {
		return fmt.Sprintf("%s: line %d: syntax error: %s", rs.name, rs.line, msg)
	}
	return fmt.Sprintf("%s: -c: line %d: syntax error: %s", rs.name, rs.line, msg)
}

// vfs is the filesystem as this shell's user sees it.
func (rs *runState) vfs() vfs { return rs.s.vfsFor(rs.proc) }

// open serves every file the shell itself opens (redirections, source):
// device files are virtual, everything else is read and written in the
// Overlay.
func (rs *runState) open(ctx context.Context, name string, flag int, perm os.FileMode) (io.ReadWriteCloser, error) {
	s := rs.s
	if err := s.halted(); err != nil {
		return nil, err
	}
	s.flush()
	hc := interp.HandlerCtx(ctx)
	write := flag&(os.O_WRONLY|os.O_RDWR) != 0
	if isSourceName(name) {
		i, err := strconv.Atoi(strings.TrimPrefix(name, sourcePrefix))
		if err != nil || i < 0 || i >= len(s.sources) {
			return nil, pathErr("open", name, syscall.ENOENT)
		}
		return readOnly([]byte(s.sources[i])), nil
	}
	p := cleanAbs(hc.Dir, name)
	if strings.HasPrefix(p, pipeDir) {
		if f, ok := s.openPipe(p, write); ok {
			return f, nil
		}
		return nil, rs.openError(name, write, syscall.ENOENT)
	}
	switch deviceAt(p) {
	case devNullKind:
		return devNull{}, nil
	case devZeroKind:
		return newShellDevice(devZero{}), nil
	case devFullKind:
		return devFull{}, nil
	case devRandomKind:
		return newShellDevice(&devRandom{state: s.nextRandom()}), nil
	case devStdin:
		if hc.Stdin == nil {
			return devNull{}, nil
		}
		return &rfile{r: hc.Stdin}, nil
	case devStdout:
		return &wfile{w: hc.Stdout}, nil
	case devStderr:
		return &wfile{w: hc.Stderr}, nil
	case devTTY:
		return nil, rs.openError(name, write, syscall.ENXIO)
	}
	v := rs.vfs()
	if !write {
		data, err := v.readFile(p)
		if err != nil {
			return nil, rs.openError(name, write, errno(err))
		}
		return readOnly(data), nil
	}
	// > creates or truncates at once; >> creates a missing file and
	// otherwise only checks that it may be written.
	n, err := v.stat(p)
	switch {
	case flag&os.O_TRUNC != 0 || errno(err) == syscall.ENOENT:
		err = v.writeFile(p, nil, 0o666)
	case err != nil:
	case n.Type == layer.TypeDir:
		err = syscall.EISDIR
	case !v.may(n, 2):
		err = syscall.EACCES
	}
	if err != nil {
		return nil, rs.openError(name, write, errno(err))
	}
	return &vfile{s: s, v: v, path: p}, nil
}

// openError words a failed redirection as the flavor does; the interpreter
// prints it as is.
func (rs *runState) openError(name string, write bool, e syscall.Errno) error {
	reason := strerror(e)
	switch rs.flavor {
	case Dash, Ash:
		verb := "cannot open"
		if write {
			verb = "cannot create"
		}
		if rs.flavor == Ash {
			verb = strings.Replace(verb, "cannot", "can't", 1)
		}
		switch {
		case e == syscall.ENOENT && write && rs.flavor == Dash:
			reason = "Directory nonexistent"
		case e == syscall.ENOENT && write:
			reason = "nonexistent directory"
		case e == syscall.ENOENT && rs.flavor == Dash:
			reason = "No such file"
		case e == syscall.ENOENT:
			reason = "no such file"
		}
		return &fs.PathError{Op: rs.prefix() + verb, Path: name, Err: errors.New(reason)}
	}
	return &fs.PathError{Op: strings.TrimSuffix(rs.prefix(), " "), Path: name, Err: errors.New(reason)}
}

// stat answers the interpreter's stats (test -e, cd, globbing) from the
// Overlay.
func (rs *runState) stat(ctx context.Context, name string, follow bool) (fs.FileInfo, error) {
	if err := rs.s.halted(); err != nil {
		return nil, err
	}
	rs.s.flush()
	p := cleanAbs("/", name)
	if fi := deviceInfo(p); fi != nil {
		return fi, nil
	}
	if strings.HasPrefix(p, pipeDir) {
		return nil, pathErr("stat", name, syscall.ENOENT)
	}
	v := rs.vfs()
	var n = v.stat
	if !follow {
		n = v.lstat
	}
	node, err := n(p)
	if err != nil {
		return nil, pathErr("stat", name, errno(err))
	}
	return newFileInfo(p, node), nil
}

// deviceInfo describes the device files every container has.
func deviceInfo(p string) fs.FileInfo {
	if deviceAt(p) == devNone {
		return nil
	}
	fi := &fileInfo{name: p[strings.LastIndexByte(p, '/')+1:], mode: fs.ModeDevice | fs.ModeCharDevice | 0o666}
	fi.n.Path = strings.TrimPrefix(p, "/")
	return fi
}

// readDir lists directories for globbing.
func (rs *runState) readDir(ctx context.Context, name string) ([]fs.DirEntry, error) {
	if err := rs.s.halted(); err != nil {
		return nil, err
	}
	rs.s.flush()
	p := cleanAbs("/", name)
	v := rs.vfs()
	dir, err := v.stat(p)
	if err != nil {
		return nil, pathErr("readdir", name, errno(err))
	}
	if dir.Type != layer.TypeDir {
		return nil, pathErr("readdir", name, syscall.ENOTDIR)
	}
	if !v.may(dir, 4) {
		return nil, pathErr("readdir", name, syscall.EACCES)
	}
	nodes, err := v.o.ReadDir(p)
	if err != nil {
		return nil, pathErr("readdir", name, errno(err))
	}
	out := make([]fs.DirEntry, 0, len(nodes))
	for _, n := range nodes {
		out = append(out, fs.FileInfoToDirEntry(newFileInfo("/"+n.Path, n)))
	}
	return out, nil
}

// access answers test -r/-w/-x and cd's permission check.
func (rs *runState) access(ctx context.Context, name string, mode interp.AccessMode) error {
	if err := rs.s.halted(); err != nil {
		return err
	}
	p := cleanAbs("/", name)
	if deviceAt(p) != devNone {
		return nil
	}
	v := rs.vfs()
	n, err := v.stat(p)
	if err != nil {
		return pathErr("access", name, errno(err))
	}
	if !v.may(n, fs.FileMode(mode)&7) {
		return pathErr("access", name, syscall.EACCES)
	}
	return nil
}

// exec runs every command that is not a builtin or function: the
// simulator's own internal commands, or a program found on the image's
// PATH.
func (rs *runState) exec(ctx context.Context, args []string) error {
	s := rs.s
	if err := s.halted(); err != nil {
		return err
	}
	hc := interp.HandlerCtx(ctx)
	rs.noteLine(hc.Pos)
	s.flush()
	var status int
	if isInternal(args[0]) {
		status = rs.internal(ctx, hc, args)
	} else {
		status = s.execArgv(ctx, rs.child(hc, args), args, rs.flavor, rs.prefix())
	}
	if err := s.halted(); err != nil {
		return err
	}
	if status == 0 {
		return nil
	}
	return interp.ExitStatus(uint8(status))
}

// child is the process a command of this shell runs as.
func (rs *runState) child(hc interp.HandlerContext, args []string) *Proc {
	p := rs.proc.clone()
	p.Args = args
	p.Dir = hc.Dir
	p.Env = exportedEnv(hc.Env)
	p.Stdin = emptyStdin{}
	if hc.Stdin != nil {
		p.Stdin = hc.Stdin
	}
	p.Stdout = orDiscard(hc.Stdout)
	p.Stderr = orDiscard(hc.Stderr)
	return p
}

// exportedEnv is the environment a program started by the shell gets.
func exportedEnv(env expand.Environ) map[string]string {
	out := map[string]string{}
	for name, vr := range env.Each {
		switch {
		case !vr.IsSet():
			delete(out, name)
		case vr.Exported && vr.Kind == expand.String:
			out[name] = vr.Str
		}
	}
	return out
}

// baseEnv is the environment a shell starts with: the image's variables
// and nothing from the host. It also answers the lookups the interpreter
// would otherwise make on the host: HOME, UID and GID, and "~user".
type baseEnv struct {
	s         *Shell
	p         *Proc
	names     []string
	home      string // HOME when the environment has none
	resetting bool
}

func (e *baseEnv) init() {
	e.names = make([]string, 0, len(e.p.Env))
	for name := range e.p.Env {
		if syntax.ValidName(name) {
			e.names = append(e.names, name)
		}
	}
	slices.Sort(e.names)
	if _, ok := e.p.Env["HOME"]; !ok {
		e.home = homeOf(e.p.FS, e.p.UID)
	}
}

// noTMPDIR is what Reset sees as TMPDIR: no host call accepts a NUL byte.
const noTMPDIR = "/\x00"

func (e *baseEnv) Get(name string) expand.Variable {
	if e.resetting && name == "TMPDIR" {
		return expand.Variable{Set: true, Kind: expand.String, Str: noTMPDIR}
	}
	if v, ok := e.s.shadowValue(name); ok {
		return expand.Variable{Set: true, Kind: expand.String, Str: v}
	}
	if v, ok := e.p.Env[name]; ok && syntax.ValidName(name) {
		return expand.Variable{Set: true, Exported: true, Kind: expand.String, Str: v}
	}
	if user, ok := strings.CutPrefix(name, "HOME "); ok {
		// ~user: the image's /etc/passwd, else the word stays as written.
		if a, ok := userByName(e.p.FS, user); ok {
			return expand.Variable{Set: true, Kind: expand.String, Str: a.home}
		}
		return expand.Variable{Set: true, Kind: expand.String, Str: "~" + user}
	}
	return e.implicit(name)
}

// implicit are the variables a shell sets itself when the environment has
// none.
func (e *baseEnv) implicit(name string) expand.Variable {
	switch name {
	case "HOME":
		return expand.Variable{Set: true, Kind: expand.String, Str: e.home}
	case "UID", "EUID":
		return expand.Variable{Set: true, ReadOnly: true, Kind: expand.String, Str: strconv.Itoa(e.p.UID)}
	case "GID":
		return expand.Variable{Set: true, ReadOnly: true, Kind: expand.String, Str: strconv.Itoa(e.p.GID)}
	}
	return expand.Variable{}
}

func (e *baseEnv) Each(fn func(name string, vr expand.Variable) bool) {
	for _, name := range e.names {
		if !fn(name, e.Get(name)) {
			return
		}
	}
	for _, name := range []string{"EUID", "GID", "HOME", "UID"} {
		if _, ok := e.p.Env[name]; ok {
			continue
		}
		if !fn(name, e.implicit(name)) {
			return
		}
	}
}
