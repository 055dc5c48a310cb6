package build

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"

	"layerlab/sim/dockerfile"
	"layerlab/sim/shell"
	"layerlab/sim/union"
)

// startDelay is the virtual time a RUN step's container takes to start.
const startDelay = 150 * time.Millisecond

func (b *builder) runStep(s *stage, c dockerfile.Command, inst *instructions.RunCommand, multi bool, env []string) *failure {
	name := s.prefix(multi) + c.Code
	args := b.commandLine(s, inst.ShellDependantCmdLine)
	history := "RUN " + runCommandString(args, s, b.opts.BuildArgs) + " # buildkit"
	runEnv := env
	if !hasKey(runEnv, "PATH") {
		runEnv = append(runEnv, "PATH="+defaultPath)
	}
	uid, gid, err := b.user(s, s.cfg.Config.User)
	if err != nil {
		return b.stepFailed(s, name, c, err.Error())
	}
	wd := s.cfg.Config.WorkingDir
	if wd == "" {
		wd = "/"
	}
	key := keyOf(s.key, append([]string{"run", wd, s.cfg.Config.User, fmt.Sprint(uid, gid)}, append(args, runEnv...)...)...)
	return b.fsStep(s, c, name, history, key, func(ov *union.Overlay) error {
		b.opts.Sleep(startDelay)
		started := b.opts.Now().Add(-startDelay)
		log := &stampWriter{since: func() time.Duration { return b.opts.Now().Sub(started) }, limit: b.opts.Limits.OutputBytes}
		if err := mkdirAllOwned(ov, wd, 0, 0); err != nil {
			return err
		}
		sh := shell.New(shell.Config{
			FS: ov, Dir: wd, Env: envMap(runEnv), UID: uid, GID: gid,
			Programs: b.opts.Programs, Flavor: shell.FlavorOf(ov),
			Stdin: bytes.NewReader(nil), Stdout: log, Stderr: log,
			Now: b.opts.Now, Sleep: b.opts.Sleep,
			MaxSteps: b.opts.Limits.ShellSteps, MaxOutput: b.opts.Limits.OutputBytes,
		})
		ctx := b.ctx
		if ctx == nil {
			ctx = context.Background()
		}
		// Shell form is argv too: the stage's SHELL (default /bin/sh -c)
		// then the line, so a SHELL of bash gets bash's syntax and messages.
		status, runErr := sh.RunArgv(ctx, args)
		procName := quoteProcess(args)
		if runErr != nil {
			return &stepError{msg: fmt.Sprintf("process %q did not complete successfully: %v", procName, runErr), log: log.done()}
		}
		if status != 0 {
			return &stepError{msg: fmt.Sprintf("process %q did not complete successfully: exit code: %d", procName, status), log: log.done()}
		}
		return nil
	})
}

// quoteProcess is how BuildKit names a failed process: its argv joined.
func quoteProcess(args []string) string {
	return strings.Join(args, " ")
}

// runCommandString is the RUN history text: declared build args first
// ("|2 A=1 B=2"), then the command, as dockerfile2llb writes it.
func runCommandString(args []string, s *stage, buildArgs map[string]string) string {
	var pre []string
	seen := map[string]int{}
	for _, a := range s.args {
		v, ok := buildArgs[a.Key]
		if !ok {
			v = a.ValueString()
		}
		if hasKey(s.cfg.Config.Env, a.Key) {
			for _, kv := range s.cfg.Config.Env {
				if k, val, _ := strings.Cut(kv, "="); k == a.Key {
					v = val
				}
			}
		}
		if i, dup := seen[a.Key]; dup {
			pre[i] = a.Key + "=" + v
			continue
		}
		seen[a.Key] = len(pre)
		pre = append(pre, a.Key+"="+v)
	}
	if len(pre) > 0 {
		pre = append([]string{fmt.Sprintf("|%d", len(pre))}, pre...)
	}
	return strings.Join(append(pre, args...), " ")
}

var errNotDir = errors.New("not a directory")
