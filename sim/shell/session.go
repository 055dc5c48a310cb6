package shell

import (
	"context"
	"fmt"
	"strings"

	"mvdan.cc/sh/v3/interp"
	"mvdan.cc/sh/v3/syntax"
)

// Session is an interactive shell: the lines typed after
// `docker run -it IMAGE sh` run one after another in one interpreter, so cd,
// variables, functions and $? carry over from line to line, until exit.
// Each line gets the step and output budget a whole run gets.
type Session struct {
	s      *Shell
	rs     *runState
	r      *interp.Runner
	flavor Flavor
	exited bool
	status int
}

// Session starts an interactive shell of the given flavor whose name ($0)
// is name. Its output goes to the Shell's Stdout and Stderr.
func (s *Shell) Session(flavor Flavor, name string) (*Session, error) {
	if s.cfg.FS == nil {
		return nil, fmt.Errorf("shell: no filesystem configured")
	}
	s.begin()
	p := s.topProc()
	rs := &runState{s: s, proc: p, flavor: flavor, name: name, line: 1}
	r, err := rs.newRunner(nil, nil)
	if err != nil {
		return nil, err
	}
	return &Session{s: s, rs: rs, r: r, flavor: flavor}, nil
}

// Run runs one line. It returns the line's status, and whether the shell
// ended (exit, or the simulator stopped it); the error is only for a run the
// simulator stopped or refused.
func (se *Session) Run(ctx context.Context, line string) (status int, ended bool, err error) {
	if se.exited {
		return se.status, true, nil
	}
	s := se.s
	*s.out = outputBudget{left: s.cfg.MaxOutput, limit: s.cfg.MaxOutput}
	s.steps, s.halt, s.nest = 0, nil, 0
	defer func() {
		if v := recover(); v != nil {
			s.fromPanic(v, "")
			status, ended, err = s.halt.status, true, s.halt
			se.exited, se.status = true, status
		}
	}()
	ctx = s.context(ctx)
	file, perr := syntax.NewParser(syntax.Variant(se.flavor.lang())).Parse(strings.NewReader(line), se.rs.name)
	if perr != nil {
		fmt.Fprintln(se.rs.proc.Stderr, se.rs.syntaxError(perr))
		return 2, false, nil
	}
	rw := rewriter{s: s, flavor: se.flavor}
	if err := rw.file(file); err != nil {
		return 2, false, nil
	}
	s.nest++
	rerr := se.r.Run(ctx, file)
	s.nest--
	s.flush()
	if s.halt != nil {
		se.exited, se.status = true, s.halt.status
		return s.halt.status, true, s.halt
	}
	status = statusOf(rerr)
	if se.r.Exited() {
		// An interactive bash says so as it leaves; ash and dash do not.
		if se.flavor == Bash {
			fmt.Fprintln(se.rs.proc.Stderr, "exit")
		}
		se.exited, se.status = true, status
		return status, true, nil
	}
	return status, false, nil
}

// Dir is the shell's working directory, for its prompt.
func (se *Session) Dir() string { return se.r.Dir }

// Prompt is the flavor's default prompt for a user in a directory, as a
// terminal shows it: busybox ash "/app # ", Debian's bash
// "root@HOST:/app# " (its /etc/bash.bashrc sets that PS1), dash "# ";
// "$" instead of "#" for a user other than root, "~" for the home directory.
func (se *Session) Prompt(host, user, home string, uid int) string {
	sign := "#"
	if uid != 0 {
		sign = "$"
	}
	dir := se.Dir()
	if home != "" && home != "/" && (dir == home || strings.HasPrefix(dir, home+"/")) {
		dir = "~" + dir[len(home):]
	}
	switch se.flavor {
	case Dash:
		return sign + " "
	case Bash:
		return user + "@" + host + ":" + dir + sign + " "
	}
	return dir + " " + sign + " "
}
