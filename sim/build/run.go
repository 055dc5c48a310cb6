package build

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/moby/buildkit/frontend/dockerfile/parser"

	"github.com/layerlab/layerlab/sim/dockerfile"
	"github.com/layerlab/layerlab/sim/shell"
	"github.com/layerlab/layerlab/sim/union"
)

// startDelay is the virtual time a RUN step's container takes to start.
const startDelay = 150 * time.Millisecond

func (b *builder) runStep(s *stage, c dockerfile.Command, inst *instructions.RunCommand, multi bool, env []string) *failure {
	name := s.prefix(multi) + b.displayName(c.Code, env, true)
	args, summary := heredocArgs(inst)
	if summary != "" {
		name += " (" + summary + ")"
	}
	args = b.commandLine(s, instructions.ShellDependantCmdLine{CmdLine: args, PrependShell: inst.PrependShell})
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
			MaxSteps: b.opts.Limits.ShellSteps, MaxOutput: b.opts.Limits.OutputBytes, Meter: b.opts.Meter,
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
		b.stepLog = log.done() // for --progress=plain, which shows every step's output
		return nil
	})
}

// heredocArgs is what dispatchRun makes of a RUN with heredocs. A RUN that is
// only "<<EOT" runs the document itself (tabs stripped for "<<-"), and the
// step's name gets a summary of it; a document starting with "#!" is run as
// a script, which the simulated shell reads through the interpreter the
// shebang names. Any other command line gets its documents appended again,
// for the shell to read as ordinary here-documents.
func heredocArgs(inst *instructions.RunCommand) (args []string, summary string) {
	args = inst.CmdLine
	if len(inst.Files) == 0 || len(args) != 1 || !inst.PrependShell {
		return args, ""
	}
	if parser.MustParseHeredoc(args[0]) != nil {
		f := inst.Files[0]
		data := f.Data
		if f.Chomp {
			data = parser.ChompHeredocContent(data)
		}
		summary = summarizeHeredoc(f.Data)
		if strings.HasPrefix(data, "#!") {
			first, _, _ := strings.Cut(data, "\n")
			interp := strings.Fields(strings.TrimPrefix(first, "#!"))
			if len(interp) > 0 {
				// BuildKit mounts the document at /dev/pipes/<name> and runs
				// it; the kernel hands it to the shebang's interpreter.
				return []string{strings.Join(interp, " ") + " -c " + shellQuote(data)}, summary
			}
		}
		return []string{data}, summary
	}
	var b strings.Builder
	b.WriteString(args[0])
	for _, f := range inst.Files {
		b.WriteByte('\n')
		b.WriteString(f.Data)
		b.WriteString(f.Name)
	}
	return []string{b.String()}, ""
}

// summarizeHeredoc is the first line of a document, with "..." when more
// follow, as BuildKit names a heredoc RUN step.
func summarizeHeredoc(doc string) string {
	lines := strings.Split(strings.ReplaceAll(strings.TrimSpace(doc), "\r\n", "\n"), "\n")
	if len(lines) > 1 {
		return lines[0] + "..."
	}
	return lines[0]
}

func shellQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

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
