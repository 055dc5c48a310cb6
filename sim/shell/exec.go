package shell

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"path"
	"strings"
	"syscall"

	"github.com/layerlab/layerlab/sim/layer"
	"github.com/layerlab/layerlab/sim/union"
)

// defaultPath is the search path dash and BusyBox use when PATH is unset.
const defaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

// argMax is Linux's limit on the bytes of arguments and environment one
// exec may pass.
const argMax = 2 << 20

// lookError says why a command could not be started.
type lookError struct {
	status int           // 127 not found, 126 found but not executable
	errno  syscall.Errno // ENOENT, EACCES, EISDIR, E2BIG; 0 when the PATH search found nothing
	interp bool          // the #! interpreter is missing
}

func (e *lookError) Error() string {
	if e.errno == 0 {
		return "not found"
	}
	if e.interp {
		return "required file not found"
	}
	return strerror(e.errno)
}

// lookPath finds the file a command name runs: a name with a slash is a
// path, anything else is searched along PATH, in the Overlay.
func (s *Shell) lookPath(pathEnv, dir, name string) (string, error) {
	return s.lookPathAs(vfs{o: s.cfg.FS, uid: s.cfg.UID, gid: s.cfg.GID}, pathEnv, dir, name)
}

func (s *Shell) lookPathAs(v vfs, pathEnv, dir, name string) (string, error) {
	if name == "" {
		return "", &lookError{status: 127, errno: syscall.ENOENT}
	}
	if strings.Contains(name, "/") {
		p := cleanAbs(dir, name)
		if err := executable(v, p); err != nil {
			return "", err
		}
		return p, nil
	}
	var denied error
	for _, elem := range strings.Split(pathEnv, ":") {
		p := cleanAbs(dir, path.Join(elem, name))
		err := executable(v, p)
		if err == nil {
			return p, nil
		}
		if le := (*lookError)(nil); errors.As(err, &le) && le.status == 126 && le.errno == syscall.EACCES && denied == nil {
			denied = err
		}
	}
	if denied != nil {
		return "", denied
	}
	return "", &lookError{status: 127}
}

// executable checks that p is a file the user may run.
func executable(v vfs, p string) error {
	n, err := v.stat(p)
	if err != nil {
		e := errno(err)
		if e == syscall.EACCES {
			return &lookError{status: 126, errno: e}
		}
		return &lookError{status: 127, errno: syscall.ENOENT}
	}
	if n.Type == layer.TypeDir {
		return &lookError{status: 126, errno: syscall.EISDIR}
	}
	if !v.may(n, 1) {
		return &lookError{status: 126, errno: syscall.EACCES}
	}
	return nil
}

// pathOf is the PATH a process searches.
func pathOf(env map[string]string) string {
	if p, ok := env["PATH"]; ok {
		return p
	}
	return defaultPath
}

// execArgv runs argv from a shell (or a program such as env or xargs): it
// finds argv[0] and starts it, or prints why it cannot, in the words of the
// flavor's shell after prefix. With an empty prefix nothing is printed and
// the status alone tells.
func (s *Shell) execArgv(ctx context.Context, p *Proc, argv []string, flavor Flavor, prefix string) int {
	p.Args = argv
	size := 0
	for _, a := range argv {
		size += len(a) + 1
	}
	for k, v := range p.Env {
		size += len(k) + len(v) + 2
	}
	if size > argMax {
		if prefix != "" {
			fmt.Fprintf(p.Stderr, "%s%s: %s\n", prefix, argv[0], strerror(syscall.E2BIG))
		}
		return 126
	}
	file, err := s.lookPathAs(s.vfsFor(p), pathOf(p.Env), p.Dir, argv[0])
	if err != nil {
		le := err.(*lookError)
		if prefix != "" {
			fmt.Fprintf(p.Stderr, "%s%s: %s\n", prefix, argv[0], notFoundText(flavor, le))
		}
		return le.status
	}
	status, err := s.startChecked(ctx, p, file, argv, flavor)
	if err != nil {
		le := err.(*lookError)
		if prefix != "" {
			fmt.Fprintf(p.Stderr, "%s%s: %s\n", prefix, argv[0], notFoundText(flavor, le))
		}
		return le.status
	}
	return status
}

// notFoundText is how each shell says a command could not be run.
func notFoundText(flavor Flavor, le *lookError) string {
	switch {
	case le.interp && flavor == Bash:
		return "cannot execute: required file not found"
	case le.interp:
		return "not found"
	case le.errno == 0 && flavor == Bash:
		return "command not found"
	case le.errno == 0, le.errno == syscall.ENOENT && flavor != Bash:
		return "not found"
	case le.errno == syscall.EISDIR && flavor != Bash:
		// execve fails with EACCES on a directory; only bash looks closer.
		return strerror(syscall.EACCES)
	}
	return strerror(le.errno)
}

// maxShebang is how many #! interpreters may chain, as in Linux.
const maxShebang = 4

// startChecked runs an executable file. Which simulation runs is decided
// the way a kernel and a shell would:
//
//   - a program registered under the command's base name runs that
//     simulation (the teaching copy of pip may well be a Python script,
//     but the pip simulation is what should run);
//   - a file starting with #! runs its interpreter with the file as argument;
//   - a program registered under the base name of the file the command
//     resolves to (a symlink such as /bin/ls -> busybox) runs;
//   - a text file without #! runs as a script of the calling shell;
//   - any other file is a program the simulator does not know: it runs as a
//     visible no-op.
func (s *Shell) startChecked(ctx context.Context, p *Proc, file string, argv []string, flavor Flavor) (int, error) {
	if prog := s.cfg.Programs[path.Base(argv[0])]; prog != nil {
		p.Args = argv
		return s.runProgram(ctx, prog, p, argv[0]), nil
	}
	v := s.vfsFor(p)
	n, err := v.stat(file)
	for depth := 0; err == nil; depth++ {
		interp, arg, ok := shebang(n.Data)
		if !ok {
			break
		}
		if depth == maxShebang {
			return 0, &lookError{status: 126, errno: syscall.ELOOP}
		}
		ipath := cleanAbs("/", interp)
		if err := executable(v, ipath); err != nil {
			le := err.(*lookError)
			le.interp = le.errno == syscall.ENOENT
			return 0, le
		}
		next := []string{interp}
		if arg != "" {
			next = append(next, arg)
		}
		// The kernel passes the script as the path it was run by.
		if strings.Contains(argv[0], "/") {
			next = append(next, argv[0])
		} else {
			next = append(next, file)
		}
		argv = append(next, argv[1:]...)
		file = ipath
		n, err = v.stat(file)
	}
	if err != nil {
		return 0, &lookError{status: 127, errno: syscall.ENOENT}
	}
	if prog := s.program(p, argv[0], file); prog != nil {
		p.Args = argv
		return s.runProgram(ctx, prog, p, argv[0]), nil
	}
	if isScript(n) {
		text, err := v.readFile(file)
		if err != nil {
			return 0, &lookError{status: 126, errno: errno(err)}
		}
		return s.runScript(ctx, p, scriptRun{flavor: flavor, name: argv[0], text: string(text), file: true, params: argv[1:]}), nil
	}
	fmt.Fprintf(p.Stderr, "layerlab: %s is not simulated; it ran as a no-op\n", file)
	return 0, nil
}

// isScript tells a shell script without #! from a binary, as a shell does
// when the kernel refuses to run a file (ENOEXEC): an empty file, or a first
// line without NUL bytes. The teaching copies of binaries start with an ELF
// header or with nothing but zeros.
func isScript(n union.Node) bool {
	if n.Size == 0 {
		return true
	}
	if bytes.HasPrefix(n.Data, []byte("\x7fELF")) || len(n.Data) == 0 {
		return false
	}
	line, _, _ := bytes.Cut(n.Data, []byte("\n"))
	return len(line) > 0 && bytes.IndexByte(line, 0) < 0
}

// shebang parses a #! line: Linux passes everything after the interpreter
// as one argument.
func shebang(data []byte) (interp, arg string, ok bool) {
	if !bytes.HasPrefix(data, []byte("#!")) {
		return "", "", false
	}
	line, _, _ := bytes.Cut(data[2:], []byte("\n"))
	if len(line) > 255 {
		line = line[:255]
	}
	l := strings.TrimSpace(strings.TrimSuffix(string(line), "\r"))
	if l == "" {
		return "", "", false
	}
	interp, arg, _ = strings.Cut(strings.ReplaceAll(l, "\t", " "), " ")
	return interp, strings.TrimSpace(arg), true
}

// program finds the simulation for a command: by the name it was invoked
// as, else by the name of the file it resolves to (a symlink such as
// /usr/bin/python3 -> python3.12).
func (s *Shell) program(p *Proc, invoked, file string) Program {
	if prog := s.cfg.Programs[path.Base(invoked)]; prog != nil {
		return prog
	}
	if real, err := s.realpath(p, file); err == nil {
		if prog := s.cfg.Programs[path.Base(real)]; prog != nil {
			return prog
		}
	}
	return nil
}

// runProgram runs one simulation. A simulation that panics is a bug in the
// simulator: the run stops with an error that says which program failed.
func (s *Shell) runProgram(ctx context.Context, prog Program, p *Proc, name string) (status int) {
	s.flush()
	p.Stdout, p.Stderr = s.meter(p.Stdout), s.meter(p.Stderr)
	defer func() {
		if v := recover(); v != nil {
			s.fromPanic(v, path.Base(name))
			status = 1
		}
		s.flush()
	}()
	return prog(ctx, p)
}

// errInternal marks a run stopped by a fault in a simulated program.
var errInternal = errors.New("internal error")

// realpath resolves every symlink in p inside the root, as pwd -P and
// readlink -f do.
func (s *Shell) realpath(p *Proc, name string) (string, error) {
	v := s.vfsFor(p)
	out := "/"
	rest := strings.Split(strings.TrimPrefix(cleanAbs(p.Dir, name), "/"), "/")
	for hops := 0; len(rest) > 0; {
		elem := rest[0]
		rest = rest[1:]
		switch elem {
		case "", ".":
			continue
		case "..":
			out = path.Dir(out)
			continue
		}
		next := path.Join(out, elem)
		n, err := v.lstat(next)
		if err != nil {
			return "", err
		}
		if n.Type != layer.TypeSymlink {
			out = next
			continue
		}
		if hops++; hops > 40 {
			return "", syscall.ELOOP
		}
		target := n.Linkname
		if path.IsAbs(target) {
			out = "/"
		}
		rest = append(strings.Split(strings.Trim(target, "/"), "/"), rest...)
	}
	return out, nil
}
