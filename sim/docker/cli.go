package docker

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"

	"mvdan.cc/sh/v3/expand"
	"mvdan.cc/sh/v3/syntax"

	"layerlab/sim"
	"layerlab/sim/engine"
)

// Console is the docker command line of one learner session.
type Console struct {
	eng      *engine.Engine
	limits   sim.Limits
	commands map[string]*command
	attached *engine.Container // docker run -it … sh: lines run inside it until exit
	log      []string          // every line run, in order: with the seed, the whole session
}

// command is one docker subcommand.
type command struct {
	name         string // "run", "image ls"
	usage        string // "run [OPTIONS] IMAGE [COMMAND] [ARG...]"
	short        string
	aliases      []string
	flags        []flagSpec
	minArgs      int
	maxArgs      int // -1: any
	interspersed bool
	run          func(c *Console, ctx context.Context, f *flagSet, args []string, out io.Writer) error
}

// NewConsole wraps an engine in a docker CLI.
func NewConsole(eng *engine.Engine, limits sim.Limits) *Console {
	if limits == (sim.Limits{}) {
		limits = sim.DefaultLimits()
	}
	c := &Console{eng: eng, limits: limits, commands: map[string]*command{}}
	for _, cmd := range commands() {
		c.commands[cmd.name] = cmd
		for _, a := range cmd.aliases {
			c.commands[a] = cmd
		}
	}
	return c
}

// Engine is the daemon behind the console.
func (c *Console) Engine() *engine.Engine { return c.eng }

// Prompt is what the console shows before the cursor: "$" normally, the
// container's shell prompt while attached.
func (c *Console) Prompt() string {
	if c.attached != nil {
		return "/ # "
	}
	return "$ "
}

// Attached is the container an interactive run entered, or nil.
func (c *Console) Attached() *engine.Container { return c.attached }

// Result is what one console line printed.
type Result struct {
	Output string
	Exit   int
}

// Run runs one console line and returns what the terminal shows.
func (c *Console) Run(ctx context.Context, line string) Result {
	c.log = append(c.log, line)
	c.eng.Tick()
	c.eng.Refresh()
	var out bytes.Buffer
	status := c.run(ctx, line, &out)
	s := out.String()
	if len(s) > c.limits.OutputBytes {
		s = s[:c.limits.OutputBytes] + "\n[output clipped: it was longer than the console keeps]\n"
	}
	return Result{Output: s, Exit: status}
}

func (c *Console) run(ctx context.Context, line string, out *bytes.Buffer) int {
	if len(line) > c.limits.CommandBytes {
		fmt.Fprintf(out, "layerlab: that command is %d bytes long; the console takes at most %d\n", len(line), c.limits.CommandBytes)
		return 1
	}
	if c.attached != nil {
		return c.runAttached(ctx, line, out)
	}
	trimmed := strings.TrimSpace(line)
	if trimmed == "" || strings.HasPrefix(trimmed, "#") {
		return 0
	}
	args, err := consoleFields(trimmed)
	if err != nil {
		fmt.Fprintf(out, "layerlab: cannot read that line: %v\n", err)
		return 2
	}
	if len(args) == 0 {
		return 0
	}
	if args[0] != "docker" {
		fmt.Fprintf(out, "%s: command not found (this console runs docker commands; try docker --help)\n", args[0])
		return 127
	}
	return c.docker(ctx, args[1:], out)
}

// consoleFields splits a console line into words as a shell would, with
// $VARS, ~ and braces expanded. Command and process substitution have no
// shell to run in here: they are refused before anything expands.
func consoleFields(line string) ([]string, error) {
	var words []*syntax.Word
	for w, err := range syntax.NewParser().WordsSeq(strings.NewReader(line)) {
		if err != nil {
			return nil, err
		}
		words = append(words, w)
	}
	var refused error
	for _, w := range words {
		syntax.Walk(w, func(n syntax.Node) bool {
			switch n.(type) {
			case *syntax.ProcSubst:
				refused = errors.New("process substitution <(…) is not supported in this console")
			case *syntax.CmdSubst:
				refused = errors.New("command substitution $(…) is not supported in this console")
			}
			return refused == nil
		})
		if refused != nil {
			return nil, refused
		}
	}
	return expand.Fields(&expand.Config{Env: expand.FuncEnviron(consoleEnv)}, words...)
}

// consoleEnv is the environment the console expands $VARS and ~ with: never
// the server's own.
func consoleEnv(name string) string {
	switch name {
	case "HOME":
		return "/home/learner"
	case "USER":
		return "learner"
	}
	return ""
}

func (c *Console) docker(ctx context.Context, args []string, out *bytes.Buffer) int {
	if len(args) == 0 || args[0] == "--help" || args[0] == "-h" || args[0] == "help" {
		out.WriteString(c.topHelp())
		return 0
	}
	if args[0] == "--version" || args[0] == "-v" || args[0] == "version" {
		out.WriteString("Docker version 28.2.2, build layerlab (simulated)\n")
		return 0
	}
	name := args[0]
	rest := args[1:]
	cmd, ok := c.commands[name]
	if len(rest) > 0 {
		if sub, ok2 := c.commands[name+" "+rest[0]]; ok2 {
			cmd, ok, rest = sub, true, rest[1:]
		}
	}
	if !ok {
		if group := c.group(name); group != "" {
			if len(rest) == 0 || rest[0] == "--help" {
				out.WriteString(group)
				return 0
			}
			fmt.Fprintf(out, "docker: unknown command: docker %s %s\n\nRun 'docker %s --help' for more information\n", name, rest[0], name)
			return 1
		}
		fmt.Fprintf(out, "docker: unknown command: docker %s\n\nRun 'docker --help' for more information\n", name)
		return 1
	}
	f, pos, err := parseFlags(cmd, rest)
	if err != nil {
		fmt.Fprintf(out, "%v\n", err)
		return 125
	}
	if f.bool("help") {
		out.WriteString(cmd.help())
		return 0
	}
	if len(pos) < cmd.minArgs || (cmd.maxArgs >= 0 && len(pos) > cmd.maxArgs) {
		out.WriteString(argCountError(cmd, len(pos)))
		return 1
	}
	if err := cmd.run(c, ctx, f, pos, out); err != nil {
		var ee *exitError
		if errors.As(err, &ee) {
			return ee.code
		}
		msg := err.Error()
		var plain cliError
		if !errors.As(err, &plain) && !strings.HasPrefix(msg, "Error") && !strings.HasPrefix(msg, "docker:") && !strings.HasPrefix(msg, "ERROR") {
			msg = "Error response from daemon: " + msg
		}
		fmt.Fprintln(out, msg)
		return 1
	}
	return 0
}

// cliError is an error the CLI itself reports, printed as it is (the daemon's
// errors get the "Error response from daemon: " prefix).
type cliError string

func (e cliError) Error() string { return string(e) }

// exitError carries a status out of a command that already printed why.
type exitError struct{ code int }

func (e *exitError) Error() string { return fmt.Sprintf("exit status %d", e.code) }

func argCountError(cmd *command, got int) string {
	var want string
	switch {
	case cmd.maxArgs == 0:
		return fmt.Sprintf("docker: 'docker %s' accepts no arguments\n\nUsage:  docker %s\n\nSee 'docker %s --help' for more information\n",
			cmd.name, cmd.usage, cmd.name)
	case cmd.minArgs == cmd.maxArgs && cmd.minArgs == 1:
		want = "exactly 1 argument"
	case cmd.minArgs == cmd.maxArgs:
		want = fmt.Sprintf("exactly %d arguments", cmd.minArgs)
	case got < cmd.minArgs && cmd.minArgs == 1:
		want = "at least 1 argument"
	case got < cmd.minArgs:
		want = fmt.Sprintf("at least %d arguments", cmd.minArgs)
	default:
		want = fmt.Sprintf("at most %d arguments", cmd.maxArgs)
	}
	return fmt.Sprintf("docker: 'docker %s' requires %s\n\nUsage:  docker %s\n\nSee 'docker %s --help' for more information\n",
		cmd.name, want, cmd.usage, cmd.name)
}

// group prints the help of a management command (docker image, docker volume…).
func (c *Console) group(name string) string {
	var subs []*command
	seen := map[*command]bool{}
	for key, cmd := range c.commands {
		if strings.HasPrefix(key, name+" ") && !seen[cmd] {
			seen[cmd] = true
			subs = append(subs, cmd)
		}
	}
	if len(subs) == 0 {
		return ""
	}
	sort.Slice(subs, func(i, j int) bool { return subs[i].name < subs[j].name })
	var b strings.Builder
	what := name + "s"
	if name == "builder" {
		what = "builds"
	}
	fmt.Fprintf(&b, "\nUsage:  docker %s COMMAND\n\nManage %s\n\nCommands:\n", name, what)
	for _, s := range subs {
		fmt.Fprintf(&b, "  %-10s %s\n", strings.TrimPrefix(s.name, name+" "), s.short)
	}
	fmt.Fprintf(&b, "\nRun 'docker %s COMMAND --help' for more information on a command.\n", name)
	return b.String()
}

func (c *Console) topHelp() string {
	var names []string
	seen := map[*command]bool{}
	for key, cmd := range c.commands {
		if !strings.Contains(key, " ") && key == cmd.name && !seen[cmd] {
			seen[cmd] = true
			names = append(names, key)
		}
	}
	sort.Strings(names)
	var b strings.Builder
	b.WriteString("\nUsage:  docker [OPTIONS] COMMAND\n\nA self-sufficient runtime for containers (simulated by layerlab)\n\nCommands:\n")
	for _, n := range names {
		fmt.Fprintf(&b, "  %-10s %s\n", n, c.commands[n].short)
	}
	b.WriteString("\nManagement Commands:\n  builder    Manage builds\n  container  Manage containers\n  context    Manage contexts\n  image      Manage images\n  system     Manage Docker\n  volume     Manage volumes\n")
	b.WriteString("\nRun 'docker COMMAND --help' for more information on a command.\n")
	return b.String()
}
