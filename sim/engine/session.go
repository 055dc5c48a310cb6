package engine

import (
	"bytes"
	"context"
	"fmt"
	"path"
	"strconv"
	"strings"

	"github.com/layerlab/layerlab/sim/errdefs"
	"github.com/layerlab/layerlab/sim/shell"
)

// Session is a learner's terminal inside a container: the shell that
// `docker run -it IMAGE sh` starts as the main process, or the one
// `docker exec -it CONTAINER sh` starts beside it. Lines run in one
// interpreter until exit; exit N of the main process's shell ends the
// container with status N (and --rm removes it).
type Session struct {
	e    *Engine
	c    *Container
	main bool // the container's main process: its end is the container's
	sh   *shell.Session
	out  bytes.Buffer
	user string
	uid  int
	home string
}

// Attach starts an interactive shell session: argv is the shell (sh, bash,
// ash). main says it is the container's main process (docker run -it);
// otherwise it is an exec beside it, with its own user, directory and env.
func (e *Engine) Attach(c *Container, argv []string, main bool, workdir string, env []string, user string) (*Session, error) {
	if !c.Running() {
		return nil, errdefs.Conflict(notRunning{c.ID})
	}
	user = firstNonEmpty(user, c.User)
	uid, _, home, err := e.userOf(c, user)
	if err != nil {
		return nil, err
	}
	s := &Session{e: e, c: c, main: main, user: "root", uid: uid, home: home}
	if name, _, _ := strings.Cut(user, ":"); name != "" {
		if _, err := strconv.Atoi(name); err != nil {
			s.user = name
		} else if uid != 0 {
			s.user = "I have no name!"
		}
	}
	name := path.Base(argv[0])
	flavor := shell.FlavorOf(c.fs)
	if name == "bash" {
		flavor = shell.Bash
	}
	procEnv := e.processEnv(c, c.TTY, mergeEnv(c.Env, env), home)
	sh := e.shellFor(c, &s.out, &s.out, workdir, procEnv, user)
	s.sh, err = sh.Session(flavor, name)
	if err != nil {
		return nil, errdefs.System(err)
	}
	return s, nil
}

// Container is the container the session runs in.
func (s *Session) Container() *Container { return s.c }

// Prompt is what the shell shows before the cursor.
func (s *Session) Prompt() string {
	return s.sh.Prompt(s.c.Hostname, s.user, s.home, s.uid)
}

// Run runs one line and returns what the terminal shows, and whether the
// session ended.
func (s *Session) Run(ctx context.Context, line string) (string, bool) {
	s.out.Reset()
	newCommand(s.c.fs)
	if !s.c.Running() {
		return "", true
	}
	status, ended, err := s.sh.Run(ctx, line)
	if err != nil {
		fmt.Fprintln(&s.out, err)
	}
	if ended && s.main && s.c.Running() {
		s.e.appendLog(s.c, s.out.Bytes())
		s.e.exit(s.c, status, "its shell exited")
		return s.out.String(), true
	}
	if s.main {
		s.e.appendLog(s.c, s.out.Bytes())
	}
	return s.out.String(), ended
}
