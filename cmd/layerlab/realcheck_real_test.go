package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os/exec"
	"strings"
	"time"

	"mvdan.cc/sh/v3/shell"
)

// realRunner plays a script on the real engine through the real docker CLI,
// one command at a time, as a terminal would show it.
type realRunner struct {
	d    *realDaemon
	dir  string // the build context: docker build . runs here
	sess *realSession
}

// realSession is `docker run -it IMAGE sh` (or `exec -it`) on the real
// engine. There is no terminal here, so the CLI runs with -i alone and the
// shell's stderr is joined to its stdout (a terminal is one stream too);
// after each line the shell prints a marker with its status and directory,
// which ends that line's output and gives the next prompt.
type realSession struct {
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	lines  chan string
	done   chan struct{}
	prompt func(cwd string) string
	cwd    string
}

const rcMark = "@@layerlab-realcheck@@"

func (r *realRunner) run(ctx context.Context, line string) rcBlock {
	if r.sess != nil {
		block, ended := r.sess.run(line)
		if ended {
			r.sess = nil
		}
		return block
	}
	block := rcBlock{prompt: "$ " + line}
	args, err := shell.Fields(line, func(string) string { return "" })
	if err != nil || len(args) == 0 || args[0] != "docker" {
		block.out = fmt.Sprintf("realcheck: not a docker command: %s\n", line)
		return block
	}
	args = args[1:]
	if shellName, ok := interactiveShell(args); ok {
		sess, out, err := r.startSession(ctx, args, shellName)
		if err != nil {
			block.out = out + err.Error() + "\n"
			return block
		}
		block.out = out
		r.sess = sess
		return block
	}
	block.out, _ = r.d.output(ctx, r.dir, args...)
	return block
}

// interactiveShell says whether a docker command enters a shell session:
// run or exec with -i and -t whose command is a shell (or, for run, none,
// when the image's is). It returns the shell's name.
func interactiveShell(args []string) (string, bool) {
	if len(args) == 0 || args[0] != "run" && args[0] != "exec" {
		return "", false
	}
	var i, t, detach bool
	var pos []string
	valued := map[string]bool{"--name": true, "-e": true, "--env": true, "-v": true, "--volume": true, "-p": true, "--publish": true,
		"-w": true, "--workdir": true, "-u": true, "--user": true, "--hostname": true, "-h": true, "--label": true, "-l": true,
		"-m": true, "--memory": true, "--entrypoint": true, "--volumes-from": true, "--restart": true, "--mount": true}
	for k := 1; k < len(args); k++ {
		a := args[k]
		if len(pos) > 0 || !strings.HasPrefix(a, "-") {
			pos = append(pos, a)
			continue
		}
		if strings.HasPrefix(a, "--") {
			switch a {
			case "--interactive":
				i = true
			case "--tty":
				t = true
			case "--detach":
				detach = true
			}
			if valued[a] && !strings.Contains(a, "=") {
				k++
			}
			continue
		}
		for n, c := range a[1:] {
			switch c {
			case 'i':
				i = true
			case 't':
				t = true
			case 'd':
				detach = true
			default:
				if valued["-"+string(c)] && n == len(a)-2 {
					k++
				}
			}
		}
	}
	if !i || !t || detach || len(pos) == 0 {
		return "", false
	}
	cmd := pos[1:]
	if args[0] == "run" && len(cmd) == 0 {
		if strings.HasPrefix(pos[0], "debian") {
			return "bash", true
		}
		return "sh", true
	}
	if args[0] == "exec" {
		cmd = pos[1:]
	}
	if len(cmd) != 1 {
		return "", false
	}
	switch name := strings.TrimPrefix(strings.TrimPrefix(cmd[0], "/usr"), "/bin/"); name {
	case "sh", "bash", "ash":
		if strings.HasPrefix(pos[0], "debian") && name == "sh" {
			return "dash", true
		}
		return name, true
	}
	return "", false
}

// dropTTY is the command without -t: the check has no terminal to give.
// Only the spellings scripts use are rewritten, up to the image name.
func dropTTY(args []string) []string {
	out := []string{args[0]}
	flags := true
	for _, a := range args[1:] {
		if flags && !strings.HasPrefix(a, "-") {
			flags = false
		}
		if flags {
			switch a {
			case "-it", "-ti":
				a = "-i"
			case "-t", "--tty":
				continue
			}
		}
		out = append(out, a)
	}
	return out
}

func (r *realRunner) startSession(ctx context.Context, args []string, shellName string) (*realSession, string, error) {
	args = dropTTY(args)
	cmd := exec.CommandContext(ctx, r.d.cli, args...)
	cmd.Dir = r.dir
	cmd.Env = r.d.env()
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, "", err
	}
	pr, pw := io.Pipe()
	cmd.Stdout, cmd.Stderr = pw, pw
	if err := cmd.Start(); err != nil {
		return nil, "", err
	}
	s := &realSession{cmd: cmd, stdin: stdin, lines: make(chan string, 1024), done: make(chan struct{}), prompt: prompter(shellName)}
	go func() {
		sc := bufio.NewScanner(pr)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		for sc.Scan() {
			s.lines <- sc.Text()
		}
		close(s.lines)
	}()
	go func() {
		cmd.Wait()
		pw.Close()
		close(s.done)
	}()
	fmt.Fprintf(stdin, "exec 2>&1; printf '\\n%s %%s\\n' \"$PWD\"\n", rcMark)
	out, ended := s.collect()
	if ended {
		return nil, out, nil
	}
	return s, out, nil
}

// prompter is a shell's default prompt, as a terminal shows it: busybox ash
// "\w # ", dash "# ", Debian's bash "root@HOST:\w# " (HOST is the short ID,
// which the comparison rewrites anyway).
func prompter(shellName string) func(cwd string) string {
	home := func(cwd string) string {
		if cwd == "/root" {
			return "~"
		}
		if strings.HasPrefix(cwd, "/root/") {
			return "~" + cwd[len("/root"):]
		}
		return cwd
	}
	switch shellName {
	case "dash":
		return func(string) string { return "# " }
	case "bash":
		return func(cwd string) string { return "root@000000000000:" + home(cwd) + "# " }
	}
	return func(cwd string) string { return home(cwd) + " # " }
}

func (s *realSession) run(line string) (rcBlock, bool) {
	block := rcBlock{prompt: s.prompt(s.cwd) + line}
	fmt.Fprintf(s.stdin, "%s\n__rc=$?; printf '\\n%s %%s\\n' \"$PWD\"; (exit $__rc)\n", line, rcMark)
	out, ended := s.collect()
	block.out = out
	return block, ended
}

// collect reads what the shell printed up to the next marker, or to its end.
// It reports whether the session ended.
func (s *realSession) collect() (string, bool) {
	var b strings.Builder
	timeout := time.After(60 * time.Second)
	for {
		select {
		case l, ok := <-s.lines:
			if !ok {
				<-s.done
				return b.String(), true
			}
			if rest, found := strings.CutPrefix(l, rcMark+" "); found {
				s.cwd = rest
				out := b.String()
				// The marker starts with a newline of its own.
				return strings.TrimSuffix(out, "\n"), false
			}
			b.WriteString(l + "\n")
		case <-timeout:
			s.cmd.Process.Kill()
			return b.String() + "realcheck: the session printed no marker in 60s\n", true
		}
	}
}

// finish ends a session a script left open.
func (r *realRunner) finish() {
	if r.sess == nil {
		return
	}
	r.sess.stdin.Close()
	select {
	case <-r.sess.done:
	case <-time.After(20 * time.Second):
		r.sess.cmd.Process.Kill()
	}
	r.sess = nil
}
