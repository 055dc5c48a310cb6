package shell

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"slices"
	"strings"
	"syscall"
	"time"

	"mvdan.cc/sh/v3/expand"
	"mvdan.cc/sh/v3/syntax"

	"github.com/layerlab/layerlab/sim"
)

// Flavor is the shell an image has as /bin/sh. It decides how scripts are
// parsed (dash and BusyBox ash are POSIX shells without bash's extensions)
// and how the shell words its error messages.
type Flavor uint8

const (
	Dash Flavor = iota // Debian and Ubuntu: dash
	Ash                // BusyBox images such as alpine: ash
	Bash               // GNU bash
)

func (f Flavor) String() string {
	switch f {
	case Dash:
		return "dash"
	case Ash:
		return "ash"
	case Bash:
		return "bash"
	}
	return fmt.Sprintf("Flavor(%d)", uint8(f))
}

// Errors a caller can branch on with errors.Is. A budget error also matches
// sim.ErrLimit.
var (
	// ErrBudget: the run was stopped because it used up its step budget,
	// recursed too deep or ran past the caller's deadline.
	ErrBudget = errors.New("shell budget exceeded")
	// ErrRefused: the script uses something the simulator does not model
	// (process substitution, coprocesses) and it was not run.
	ErrRefused = errors.New("refused by the simulator")
	// ErrNotFound: RunArgv could not find its program, as Docker reports
	// for an exec-form command.
	ErrNotFound = errors.New("executable file not found in $PATH")
	// ErrRunning: a program of the run keeps running until it is stopped
	// (sleep infinity, tail -f, a server; see Proc.Forever) and the run was
	// suspended there with status 0. A container whose main command
	// returns it stays running; a RUN step that returns it would never
	// finish.
	ErrRunning = errors.New("the process keeps running")
)

// Proc is what one simulated program sees when it runs.
type Proc struct {
	Args   []string          // Args[0] as invoked
	Dir    string            // absolute working directory
	Env    map[string]string // exported environment (read-only for the program)
	Stdin  io.Reader         // never nil
	Stdout io.Writer         // never nil
	Stderr io.Writer         // never nil
	FS     FS                // the container's filesystem
	UID    int
	GID    int
	Now    func() time.Time      // the virtual clock
	Sleep  func(d time.Duration) // advances the virtual clock; never really sleeps
	Shell  *Shell                // to run a nested script or program (see Proc.Exec)
}

// Program is one simulated program; it returns its exit status. A program
// that loops over input should call ctx.Err() now and then: each call is a
// step of the run's budget, and a non-nil result means it must stop.
type Program func(ctx context.Context, p *Proc) int

// Programs maps a program's base name ("cp", "apt-get") to its simulation.
type Programs map[string]Program

// Config is one shell: the container it runs in and its limits.
type Config struct {
	FS       FS
	Dir      string            // working directory (WORKDIR); default "/"
	Env      map[string]string // from the image config and ENV/ARG
	UID, GID int               //
	Programs Programs          // Coreutils merged with others by the caller
	Flavor   Flavor            // what /bin/sh is in this image
	Argv0    string            // the name the shell reports in its messages ($0); default "/bin/sh"
	PID      int               // the value of $$; default 1, as for a RUN step or a container's main process
	Seed     uint64            // seeds $RANDOM and /dev/urandom
	Stdin    io.Reader         // nil reads as empty, like /dev/null
	Stdout   io.Writer         // nil discards
	Stderr   io.Writer         // nil discards
	Now      func() time.Time  // the virtual clock; default a fixed instant that Sleep advances
	Sleep    func(time.Duration)
	// MaxSteps is the work one run may do, in steps: each command and
	// statement the interpreter runs, each KiB a program reads from an
	// endless device, and each 256 bytes a program writes or a command
	// gets as arguments. It bounds a run's CPU and memory without any
	// clock: `yes > /dev/null`, `while :; do :; done` and `x=$(yes)` all
	// end with ErrBudget after a few milliseconds. 0 means
	// sim.DefaultLimits().ShellSteps.
	MaxSteps  int
	MaxOutput int        // bytes of stdout+stderr kept per run; 0 means sim.DefaultLimits().OutputBytes
	Meter     *sim.Meter // counts every step of every run as well; nil counts nowhere
	Fetch     Fetcher    // answers requests to servers the simulation runs (curl localhost:PORT); nil: none
}

// Shell runs scripts and programs in one container filesystem. It is not safe
// for concurrent use; runs are sequential and each gets a fresh budget.
type Shell struct {
	cfg Config

	// state of the current run; begin resets it
	out     *outputBudget
	steps   int
	halt    *haltError
	nest    int
	pipes   map[string][]*pipeBuf
	pipeSeq int
	sources []string
	pending []*vfile
	funcs   map[string]bool
	traps   map[string]bool
	timing  []time.Time
	umask   fs.FileMode
	rand    uint64
	pcs     [1]uintptr
	env     expand.Environ // the variables of the latest command, for the memory check
	envSize int
	readNUL bool // a builtin that may read NUL bytes into a variable ran
}

// defaultEpoch is the virtual clock's start when the caller gives none.
func defaultEpoch() time.Time { return time.Date(2024, time.January, 1, 0, 0, 0, 0, time.UTC) }

// New makes a shell. The configuration is copied; the Overlay is shared and
// changed by the scripts that run.
func New(cfg Config) *Shell {
	if cfg.Dir == "" {
		cfg.Dir = "/"
	}
	if cfg.Argv0 == "" {
		cfg.Argv0 = "/bin/sh"
	}
	if cfg.PID <= 0 {
		cfg.PID = 1
	}
	if cfg.Now == nil {
		// A clock of our own: it starts at a fixed instant and only moves
		// when a program sleeps.
		offset := time.Duration(0)
		cfg.Now = func() time.Time { return defaultEpoch().Add(offset) }
		if cfg.Sleep == nil {
			cfg.Sleep = func(d time.Duration) {
				if d > 0 {
					offset += d
				}
			}
		}
	}
	if cfg.Sleep == nil {
		cfg.Sleep = func(time.Duration) {}
	}
	if cfg.MaxSteps <= 0 {
		cfg.MaxSteps = sim.DefaultLimits().ShellSteps
	}
	if cfg.MaxOutput <= 0 {
		cfg.MaxOutput = sim.DefaultLimits().OutputBytes
	}
	env := make(map[string]string, len(cfg.Env))
	for k, v := range cfg.Env {
		// No process environment can hold a NUL byte.
		env[strings.ReplaceAll(k, "\x00", "")] = strings.ReplaceAll(v, "\x00", "")
	}
	cfg.Env = env
	s := &Shell{cfg: cfg}
	if cfg.FS != nil {
		s.cfg.FS = limitFS{FS: cfg.FS, s: s}
	}
	return s
}

// begin resets the per-run state before a top-level run.
func (s *Shell) begin() {
	s.out = &outputBudget{left: s.cfg.MaxOutput, limit: s.cfg.MaxOutput}
	s.steps = 0
	s.halt = nil
	s.nest = 0
	s.pipes = map[string][]*pipeBuf{}
	s.pipeSeq = 0
	s.sources = nil
	s.pending = nil
	s.funcs = map[string]bool{}
	s.traps = map[string]bool{}
	s.timing = nil
	s.umask = 0o022
	s.rand = s.cfg.Seed
	s.env = nil
	s.envSize = 0
	s.readNUL = false
}

// topProc is the process a top-level run starts as.
func (s *Shell) topProc() *Proc {
	var stdin io.Reader = strings.NewReader("")
	if s.cfg.Stdin != nil {
		stdin = s.cfg.Stdin
	}
	return &Proc{
		Dir:    cleanAbs("/", s.cfg.Dir),
		Env:    s.cfg.Env,
		Stdin:  stdin,
		Stdout: &capped{b: s.out, w: orDiscard(s.cfg.Stdout), note: orDiscard(s.cfg.Stderr)},
		Stderr: &capped{b: s.out, w: orDiscard(s.cfg.Stderr), note: orDiscard(s.cfg.Stderr)},
		FS:     s.cfg.FS,
		UID:    s.cfg.UID,
		GID:    s.cfg.GID,
		Now:    s.cfg.Now,
		Sleep:  s.cfg.Sleep,
		Shell:  s,
	}
}

func orDiscard(w io.Writer) io.Writer {
	if w == nil {
		return io.Discard
	}
	return w
}

// Run runs a script as `/bin/sh -c script` would and returns its exit
// status. The error is only for runs the simulator stopped or refused
// (ErrBudget, ErrRefused) or an internal failure; a failing script is a
// non-zero status with a nil error. When the error is ErrBudget the status
// is 137, as for a process killed by SIGKILL.
func (s *Shell) Run(ctx context.Context, script string) (status int, err error) {
	if s.cfg.FS == nil {
		return 1, errors.New("shell: no filesystem configured")
	}
	s.begin()
	defer s.recoverInto(&status, &err)
	ctx = s.context(ctx)
	p := s.topProc()
	status = s.runScript(ctx, p, scriptRun{flavor: s.cfg.Flavor, name: s.cfg.Argv0, text: script})
	return s.finish(status)
}

// RunArgv runs an exec-form command (["python", "app.py"]) without a shell,
// as Docker does for the exec form of RUN, CMD and ENTRYPOINT: argv[0] is
// looked up on the image's PATH. When it cannot be started the error wraps
// ErrNotFound (status 127) or says why (status 126), in the words runc uses.
// A shell as argv[0] (["/bin/bash", "-o", "pipefail", "-c", "…"]) runs the
// script with that shell's flavor.
func (s *Shell) RunArgv(ctx context.Context, argv []string) (status int, err error) {
	if s.cfg.FS == nil {
		return 1, errors.New("shell: no filesystem configured")
	}
	if len(argv) == 0 || argv[0] == "" {
		return 127, fmt.Errorf("exec: no command: %w", ErrNotFound)
	}
	s.begin()
	defer s.recoverInto(&status, &err)
	ctx = s.context(ctx)
	p := s.topProc()
	p.Args = argv
	file, err := s.lookPath(pathOf(p.Env), p.Dir, argv[0])
	if err == nil {
		status, err = s.startChecked(ctx, p, file, argv, s.cfg.Flavor)
	}
	if le := (*lookError)(nil); errors.As(err, &le) {
		if le.status == 127 {
			return 127, fmt.Errorf("exec: %q: %w", argv[0], ErrNotFound)
		}
		return le.status, fmt.Errorf("exec: %q: %s", argv[0], strings.ToLower(le.Error()))
	}
	s.flush()
	return s.finish(status)
}

// finish turns the end of a run into its status and error.
func (s *Shell) finish(status int) (int, error) {
	s.flush()
	if s.halt != nil {
		return s.halt.status, s.halt
	}
	return status, nil
}

// recoverInto turns a panic anywhere below a run into an error, so that a bad
// script can never take the caller down.
func (s *Shell) recoverInto(status *int, err *error) {
	if v := recover(); v != nil {
		s.fromPanic(v, "")
		*status, *err = s.halt.status, s.halt
	}
}

// fromPanic stops the run after a panic below it, in a simulated program
// (name) or in the interpreter.
func (s *Shell) fromPanic(v any, name string) {
	// The interpreter's set -x trace panics on a NUL byte it cannot quote,
	// which only `read` can bring into a variable (bash drops them there).
	var qe *syntax.QuoteError
	if e, ok := v.(error); ok && errors.As(e, &qe) {
		s.refuse("set -x cannot show a variable that holds a NUL byte")
		return
	}
	if name != "" {
		s.stop(errInternal, 1, nil, "layerlab: the simulation of %s failed: %v", name, v)
		return
	}
	s.stop(errInternal, 1, nil, "shell: internal error while running the script: %v", v)
}

// Exec runs argv as a program from p's process (its directory, environment
// and standard streams, which the caller may change on a copy first):
// argv[0] is looked up on PATH in p's filesystem. When it cannot be found or
// run nothing runs, the error says why in glibc's words ("No such file or
// directory", "Permission denied") and the status is what a shell would
// report (127 or 126). xargs, find -exec and env use it.
func (p *Proc) Exec(ctx context.Context, argv []string) (int, error) {
	if len(argv) == 0 {
		return 0, nil
	}
	s := p.Shell
	c := p.clone()
	c.Args = argv
	file, err := s.lookPathAs(s.vfsFor(c), pathOf(c.Env), c.Dir, argv[0])
	if err == nil {
		var status int
		if status, err = s.startChecked(ctx, c, file, argv, s.cfg.Flavor); err == nil {
			return status, nil
		}
	}
	le := err.(*lookError)
	if le.errno == 0 {
		return le.status, syscall.ENOENT
	}
	return le.status, le.errno
}

// RunScript runs script in a nested shell of the given flavor, as `sh -c`
// does: name is its $0 and params its positional parameters.
func (p *Proc) RunScript(ctx context.Context, flavor Flavor, name, script string, params []string) int {
	return p.Shell.runScript(ctx, p, scriptRun{flavor: flavor, name: name, text: script, params: params})
}

// Trapped lists, sorted, the signals (TERM, INT, …) the last run installed
// a handler for with trap. Nothing sends a signal during a run; a container
// engine can ask whether a main command would handle docker stop's SIGTERM.
func (s *Shell) Trapped() []string {
	var out []string
	for sig, handled := range s.traps {
		if handled {
			out = append(out, sig)
		}
	}
	slices.Sort(out)
	return out
}

// Forever says that the program would run until it is stopped, as a server
// or `sleep infinity` does. The whole run ends when the program returns,
// with ErrRunning: a simulation has no other process to wait for it.
func (p *Proc) Forever() {
	p.Shell.stop(ErrRunning, 0, nil, "%s keeps running until it is stopped", path.Base(p.Args[0]))
}

// clone copies a process so a program can change its streams or directory
// for a child.
func (p *Proc) clone() *Proc {
	c := *p
	return &c
}
