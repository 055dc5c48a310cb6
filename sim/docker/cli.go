package docker

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"sync"

	"mvdan.cc/sh/v3/expand"
	"mvdan.cc/sh/v3/syntax"

	"github.com/layerlab/layerlab/sim"
	"github.com/layerlab/layerlab/sim/engine"
	"github.com/layerlab/layerlab/sim/errdefs"
)

// Console is the docker command line of one learner session.
type Console struct {
	eng      *engine.Engine
	limits   sim.Limits
	commands map[string]*command
	session  *engine.Session // docker run -it … sh, exec -it … sh: lines run inside it until exit
	home     *local          // the local directory of docker cp, save and load; made on first use
	log      []string        // every line run, in order: with the seed, the whole session
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
	return &Console{eng: eng, limits: limits, commands: commandTable()}
}

// commandTable maps each command's name and aliases to it. It is made
// once and shared, read-only, by every console: a table of its own was
// 24 KB of every learner's session.
var commandTable = sync.OnceValue(func() map[string]*command {
	t := map[string]*command{}
	for _, cmd := range commands() {
		t[cmd.name] = cmd
		for _, a := range cmd.aliases {
			t[a] = cmd
		}
	}
	return t
})

// Engine is the daemon behind the console.
func (c *Console) Engine() *engine.Engine { return c.eng }

// Prompt is what the console shows before the cursor: "$" normally, the
// container's shell prompt ("/app # ", "root@3f64b20e40b6:/app# ") inside
// an interactive session.
func (c *Console) Prompt() string {
	if c.session != nil {
		return c.session.Prompt()
	}
	return "$ "
}

// Attached is the container an interactive run or exec entered, or nil.
func (c *Console) Attached() *engine.Container {
	if c.session == nil {
		return nil
	}
	return c.session.Container()
}

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
	if c.session != nil {
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
	if args[0] == "--version" || args[0] == "-v" {
		out.WriteString("Docker version 28.2.2, build layerlab (simulated)\n")
		return 0
	}
	name := args[0]
	rest := args[1:]
	invoked := name
	cmd, ok := c.commands[name]
	if len(rest) > 0 {
		if sub, ok2 := c.commands[name+" "+rest[0]]; ok2 {
			cmd, ok, invoked, rest = sub, true, name+" "+rest[0], rest[1:]
		}
	}
	if !ok {
		if group := c.group(name); group != "" {
			if len(rest) == 0 || rest[0] == "--help" {
				out.WriteString(group)
				return 0
			}
			fmt.Fprintf(out, "docker: unknown command: docker %s %s\n\nUsage:  docker %s COMMAND\n\nRun 'docker %s --help' for more information\n", name, rest[0], name, name)
			return 1
		}
		fmt.Fprintf(out, "docker: unknown command: docker %s\n\nRun 'docker --help' for more information\n", name)
		return 1
	}
	if ok && invoked != cmd.name {
		// Called by an alias (docker image ls): the CLI's messages name
		// the command as it was typed.
		alias := *cmd
		alias.name, alias.usage = invoked, invoked+strings.TrimPrefix(cmd.usage, cmd.name)
		cmd = &alias
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
		out.WriteString(argCountError(cmd))
		return 1
	}
	if err := cmd.run(c, ctx, f, pos, out); err != nil {
		var ee *exitError
		if errors.As(err, &ee) {
			return ee.code
		}
		var ue *usageError
		if errors.As(err, &ue) {
			if ue.cmd == nil {
				ue.cmd = cmd
			}
			fmt.Fprintln(out, ue)
			return 125
		}
		var se *statusError
		if errors.As(err, &se) {
			fmt.Fprintln(out, se.status)
			return se.code
		}
		fmt.Fprintln(out, errorText(err))
		return 1
	}
	return 0
}

// errorText is an error as the CLI prints it. The daemon's answers (errors
// with an errdefs class) come after "Error response from daemon: ", which
// moby's client adds to every error the API returns; the CLI's own errors
// (flags, templates, references) are printed as they are.
func errorText(err error) string {
	if errdefs.FromDaemon(err) {
		return "Error response from daemon: " + err.Error()
	}
	return err.Error()
}

// cliError is an error the CLI itself reports, printed as it is.
type cliError string

func (e cliError) Error() string { return string(e) }

// statusError is a CLI failure with its own status, printed as it is
// (docker/cli's cli.StatusError: inspect's bad template ends with 64).
type statusError struct {
	status string
	code   int
}

func (e *statusError) Error() string { return e.status }

// exitError carries a status out of a command that already printed why.
type exitError struct{ code int }

func (e *exitError) Error() string { return fmt.Sprintf("exit status %d", e.code) }

// argCountError words a wrong number of arguments as docker/cli 28's
// validators in cli/required.go do. Each validator ends its own way: "See"
// for at-least, "Run" for the others, and at-most really prints "SRun" (a
// typo docker/cli has carried since 2017, kept so transcripts match).
func argCountError(cmd *command) string {
	var want, see string
	switch {
	case cmd.maxArgs == 0:
		return fmt.Sprintf("docker: 'docker %s' accepts no arguments\n\nUsage:  docker %s\n\nRun 'docker %s --help' for more information\n",
			cmd.name, cmd.usage, cmd.name)
	case cmd.minArgs == cmd.maxArgs:
		want, see = fmt.Sprintf("%d %s", cmd.minArgs, plural("argument", cmd.minArgs)), "Run"
	case cmd.maxArgs < 0:
		want, see = fmt.Sprintf("at least %d %s", cmd.minArgs, plural("argument", cmd.minArgs)), "See"
	case cmd.minArgs == 0:
		want, see = fmt.Sprintf("at most %d %s", cmd.maxArgs, plural("argument", cmd.maxArgs)), "SRun"
	default:
		want, see = fmt.Sprintf("at least %d and at most %d %s", cmd.minArgs, cmd.maxArgs, plural("argument", cmd.maxArgs)), "Run"
	}
	return fmt.Sprintf("docker: 'docker %s' requires %s\n\nUsage:  docker %s\n\n%s 'docker %s --help' for more information\n",
		cmd.name, want, cmd.usage, see, cmd.name)
}

func plural(word string, n int) string {
	if n == 1 {
		return word
	}
	return word + "s"
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
	b.WriteString("\nManagement Commands:\n  builder    Manage builds\n  container  Manage containers\n  context    Manage contexts\n  image      Manage images\n  network    Manage networks\n  system     Manage Docker\n  volume     Manage volumes\n")
	b.WriteString("\nRun 'docker COMMAND --help' for more information on a command.\n")
	return b.String()
}
