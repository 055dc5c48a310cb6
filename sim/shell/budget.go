package shell

import (
	"context"
	"fmt"
	"io"
	"runtime"
	"strings"

	"mvdan.cc/sh/v3/expand"

	"github.com/layerlab/layerlab/sim"
)

// maxFrames bounds the Go stack a run may use. Deep shell recursion
// (f() { f; }; f) nests interpreter frames; past this depth the run stops
// with ErrBudget long before the Go stack could grow large.
const maxFrames = 6000

// haltError stops a whole run: a budget ran out or the script was refused.
type haltError struct {
	msg    string
	kind   error // ErrBudget or ErrRefused
	cause  error // the caller's context error, if that was the reason
	status int   // the exit status the run reports
}

func (e *haltError) Error() string { return e.msg }

func (e *haltError) Is(target error) bool {
	return target == e.kind || (e.kind == ErrBudget && target == sim.ErrLimit)
}

func (e *haltError) Unwrap() error { return e.cause }

// stop records why the run must end; the first reason wins.
func (s *Shell) stop(kind error, status int, cause error, format string, args ...any) error {
	if s.halt == nil {
		s.halt = &haltError{msg: fmt.Sprintf(format, args...), kind: kind, cause: cause, status: status}
	}
	return s.halt
}

// refuse stops the run because it uses something the simulator does not
// model.
func (s *Shell) refuse(format string, args ...any) error {
	return s.stop(ErrRefused, 2, nil, "layerlab cannot run this script: "+format, args...)
}

// halted is the error every handler returns once the run must end.
func (s *Shell) halted() error {
	if s.halt == nil {
		return nil
	}
	return s.halt
}

// budgetCtx is the context every handler and program of a run sees. The
// interpreter asks for Err before each statement and command, so counting
// those calls meters the run without any timer or goroutine: an endless
// loop, with or without commands in it, runs out of steps.
type budgetCtx struct {
	context.Context
	s *Shell
}

type budgetKey struct{}

func (c budgetCtx) Err() error { return c.s.step(c.Context) }

func (c budgetCtx) Value(key any) any {
	if key == (budgetKey{}) {
		return c.s
	}
	return c.Context.Value(key)
}

// context wraps the caller's context once per run.
func (s *Shell) context(ctx context.Context) context.Context {
	if ctx == nil {
		ctx = context.Background()
	}
	if ctx.Value(budgetKey{}) == s {
		return ctx
	}
	return budgetCtx{Context: ctx, s: s}
}

// step charges one step and reports whether the run must stop.
func (s *Shell) step(parent context.Context) error {
	if s.halt != nil {
		return s.halt
	}
	if err := parent.Err(); err != nil {
		return s.stop(ErrBudget, 137, err, "layerlab stopped the script: it ran past its time limit (%v)", err)
	}
	if err := s.charge(1); err != nil {
		return err
	}
	// Measuring the stack costs as much as it is deep, so it is sampled.
	if s.steps%64 == 0 && runtime.Callers(maxFrames, s.pcs[:]) > 0 {
		return s.stop(ErrBudget, 137, nil,
			"layerlab stopped the script: it exceeded its step budget: recursion too deep")
	}
	// Variables are checked often once they are big: doubling a string in a
	// loop outgrows any memory in a few dozen steps.
	if s.env != nil && (s.envSize > 64<<10 || s.steps%16 == 0) {
		return s.checkEnv(s.env)
	}
	return nil
}

// Bytes per step of the budget: what a program may write, or a command may
// get as arguments, for the price of one step.
const bytesPerStep = 256

// charge takes n steps from the run's budget.
func (s *Shell) charge(n int) error {
	if s.halt != nil {
		return s.halt
	}
	s.steps += n
	if s.cfg.Meter != nil {
		s.cfg.Meter.Steps += int64(n)
	}
	if s.steps > s.cfg.MaxSteps {
		return s.stop(ErrBudget, 137, nil,
			"layerlab stopped the script: it exceeded its step budget of %d steps (an endless loop?)", s.cfg.MaxSteps)
	}
	return nil
}

// chargeBytes takes the steps n bytes cost.
func (s *Shell) chargeBytes(n int) error {
	return s.charge((n + bytesPerStep - 1) / bytesPerStep)
}

// Steps is the work the last run did, in steps of its budget.
func (s *Shell) Steps() int { return s.steps }

// metered is a program's output: each write is paid for from the run's
// budget, wherever it goes (a file, a pipe, a command substitution that
// the interpreter buffers).
type metered struct {
	w io.Writer
	s *Shell
}

func (m *metered) Write(p []byte) (int, error) {
	if err := m.s.chargeBytes(len(p)); err != nil {
		return 0, err
	}
	return m.w.Write(p)
}

// meter wraps w once.
func (s *Shell) meter(w io.Writer) io.Writer {
	if m, ok := w.(*metered); ok && m.s == s {
		return w
	}
	return &metered{w: w, s: s}
}

// shellDeviceBytes is how much the shell itself reads from an endless
// device (read x < /dev/zero, $(</dev/urandom)). The interpreter copies a
// redirected input into an OS pipe from a goroutine of its own, where the
// run's budget cannot be charged, and its read builtin takes one byte per
// system call: the stream ends here instead, long before either matters.
// Programs that open a device by name (cat /dev/zero) are metered instead.
const shellDeviceBytes = 64 << 10

// shellDevice is an endless device as the shell's redirections read it.
type shellDevice struct{ io.Reader }

func newShellDevice(r io.Reader) shellDevice {
	return shellDevice{io.LimitReader(r, shellDeviceBytes)}
}

func (shellDevice) Write(p []byte) (int, error) { return len(p), nil }
func (shellDevice) Close() error                { return nil }

// maxEnvBytes caps what a run's shell variables may hold.
const maxEnvBytes = 16 << 20

// checkEnv measures the variables a script can see and stops the run when
// they grow past maxEnvBytes.
func (s *Shell) checkEnv(env expand.Environ) error {
	s.env = env
	size := 0
	for name, vr := range env.Each {
		size += len(name) + len(vr.Str)
		for _, v := range vr.List {
			size += len(v)
		}
		for k, v := range vr.Map {
			size += len(k) + len(v)
		}
		if err := s.checkVar(env, name, vr); err != nil {
			return err
		}
		if size > maxEnvBytes {
			return s.stop(ErrBudget, 137, nil,
				"layerlab stopped the script: its variables grew past %d MiB (a string doubling in a loop?)", maxEnvBytes>>20)
		}
	}
	s.envSize = size
	return nil
}

// checkVar refuses the variables the simulator cannot give faithfully: one
// holding a NUL byte (bash drops them on read; here it could name the
// simulator's own commands), one storing the host's value of a special
// parameter (export PPID), or a name reference that reaches one.
func (s *Shell) checkVar(env expand.Environ, name string, vr expand.Variable) error {
	if s.readNUL && hasNUL(vr) {
		return s.refuse("a variable (%s) holds a NUL byte, which the simulator does not keep", name)
	}
	if isSpecial(name) && name != "RANDOM" && vr.IsSet() {
		return s.refuse("storing %s in a variable is not supported by the simulator", name)
	}
	if vr.Kind == expand.NameRef {
		target := vr.Str
		for range 100 {
			if isSpecial(target) {
				return s.refuse("a name reference (%s) to %s is not supported by the simulator", name, target)
			}
			next := env.Get(target)
			if next.Kind != expand.NameRef {
				break
			}
			target = next.Str
		}
	}
	return nil
}

func hasNUL(vr expand.Variable) bool {
	if strings.IndexByte(vr.Str, 0) >= 0 {
		return true
	}
	for _, v := range vr.List {
		if strings.IndexByte(v, 0) >= 0 {
			return true
		}
	}
	for k, v := range vr.Map {
		if strings.IndexByte(k, 0) >= 0 || strings.IndexByte(v, 0) >= 0 {
			return true
		}
	}
	return false
}

// internalPrefix starts the names of the commands the rewriter inserts into
// a script and of those the call handler routes to the simulator. It is a
// NUL byte: no script can write one (scripts holding one are refused) and no
// variable may hold one when a command runs (see checkEnv), so no learner can
// reach these commands. They are filtered out of `set -x` traces.
const internalPrefix = "\x00"

// isInternalTrace reports a `set -x` line of an inserted command.
func isInternalTrace(p []byte) bool {
	const trace = "+ " + internalPrefix
	return len(p) >= len(trace) && string(p[:len(trace)]) == trace
}

// outputBudget is shared by a run's stdout and stderr.
type outputBudget struct {
	left, limit int
	cut         bool
}

// capped writes to w until the run's output budget is spent, then drops the
// rest and says so once.
type capped struct {
	b    *outputBudget
	w    io.Writer
	note io.Writer
}

func (c *capped) Write(p []byte) (int, error) {
	n := len(p)
	if isInternalTrace(p) {
		return n, nil
	}
	if c.b.left <= 0 {
		c.noteCut()
		return n, nil
	}
	if len(p) > c.b.left {
		p = p[:c.b.left]
	}
	c.b.left -= len(p)
	if _, err := c.w.Write(p); err != nil {
		return 0, err
	}
	if len(p) < n {
		c.noteCut()
	}
	return n, nil
}

func (c *capped) noteCut() {
	if c.b.cut {
		return
	}
	c.b.cut = true
	fmt.Fprintf(c.note, "\n[layerlab: output cut after %d bytes]\n", c.b.limit)
}
