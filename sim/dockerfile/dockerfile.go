package dockerfile

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/moby/buildkit/frontend/dockerfile/linter"
	"github.com/moby/buildkit/frontend/dockerfile/parser"
	"github.com/moby/buildkit/frontend/dockerfile/shell"

	"github.com/layerlab/layerlab/sim"
)

// Defaults for Options. The line limit is BuildKit's own: its scanner refuses
// longer lines with the same message Parse uses.
const (
	DefaultMaxBytes        = 1 << 20
	DefaultMaxInstructions = 500
	DefaultMaxLineBytes    = bufio.MaxScanTokenSize - 1
	DefaultPlatform        = "linux/amd64"
)

// Options tune Parse. The zero value means the defaults.
type Options struct {
	MaxBytes        int // whole source; checked before anything is parsed
	MaxInstructions int // top-level instructions, FROM and ARG included
	MaxLineBytes    int // one physical line, heredoc bodies included

	// BuildArgs are the --build-arg values. They override the defaults of
	// global ARGs, which is what FROM lines can see.
	BuildArgs map[string]string
	// Platform is "os/arch" or "os/arch/variant" for both the build and the
	// target platform (the simulator never cross-builds). It feeds BuildKit's
	// predefined ARGs: BUILDPLATFORM, TARGETPLATFORM, TARGETARCH, ….
	Platform string
	// Target is the --target stage; empty means the last stage. It must name a
	// stage, and it sets the predefined TARGETSTAGE ARG.
	Target string
}

func (o Options) withDefaults() Options {
	if o.MaxBytes <= 0 {
		o.MaxBytes = DefaultMaxBytes
	}
	if o.MaxInstructions <= 0 {
		o.MaxInstructions = DefaultMaxInstructions
	}
	if o.MaxLineBytes <= 0 {
		o.MaxLineBytes = DefaultMaxLineBytes
	}
	if o.Platform == "" {
		o.Platform = DefaultPlatform
	}
	return o
}

// Dockerfile is a parsed Dockerfile. Parse builds it; nothing changes it
// afterwards, and callers must not modify what its fields point to.
type Dockerfile struct {
	Stages   []Stage                   // in source order
	MetaArgs []instructions.ArgCommand // ARGs before the first FROM, as written
	Escape   rune                      // '\\' or '`' (the escape directive)
	Warnings []Warning                 // lint warnings, sorted by line
	Source   []byte                    // the source Parse was given
	Target   int                       // index of the stage the build produces
	Check    CheckConfig               // the "# check=" directive
	global   []envVar                  // resolved global ARGs, predefined ones first
	byName   map[string]int            // lower-cased stage name -> last stage with it
}

// Stage is one FROM and the instructions that follow it.
type Stage struct {
	Name      string    // "" or the AS name, lower-cased as BuildKit does
	BaseName  string    // the FROM argument after expanding global ARGs
	BaseStage int       // index of the earlier stage BaseName names, or -1 for an image
	Platform  string    // the --platform value after expanding global ARGs, or ""
	Commands  []Command //
	Line      int       // line of the FROM
	Text      string    // the FROM instruction as written
}

// Command is one typed instruction with its location and original text.
type Command struct {
	// Inst is BuildKit's typed instruction: *instructions.RunCommand,
	// *instructions.CopyCommand, *instructions.EnvCommand, …. Its words are
	// not expanded yet; use Expand for a copy with $VARIABLES substituted.
	Inst instructions.Command
	// Name is the instruction keyword in upper case: "RUN", "COPY", ….
	Name string
	// Text is the instruction exactly as written, continuation lines and
	// heredoc bodies included.
	Text string
	// Code is the one-line form BuildKit prints in progress output before it
	// expands variables: continuation lines joined, heredoc bodies left out
	// (`RUN pip install --no-cache-dir -r requirements.txt`).
	Code               string
	StartLine, EndLine int

	node   *parser.Node // kept so Expand can rebuild a fresh instruction
	escape rune
}

// Warning is one lint warning, worded as BuildKit's linter words it.
type Warning struct {
	Rule string // "JSONArgsRecommended", …
	Msg  string // "JSON arguments recommended for CMD to prevent unintended behavior related to OS signals"
	URL  string // the rule's documentation page
	Line int    // 0 when the warning is not about one line
	// Stage is -1 for warnings BuildKit reports whatever the target. Other
	// warnings come from BuildKit's dispatch of a stage, so `docker build`
	// reports them only when stage Stage is part of the build.
	Stage int
}

// String formats w the way `docker build` lists it:
// "JSONArgsRecommended: JSON arguments recommended for … (line 7)".
func (w Warning) String() string { return linter.LintFormatShort(w.Rule, w.Msg, w.Line) }

// Error is a Dockerfile error with its line and, where BuildKit gives one, a
// suggestion. Msg is BuildKit's own wording, e.g.
// "unknown instruction: FRM (did you mean FROM?)".
type Error struct {
	Line int // 1-based; 0 when the error is about the file as a whole
	Msg  string

	parseErr bool  // BuildKit reports it as "dockerfile parse error on line N: …"
	err      error // the underlying BuildKit error, if any
}

func (e *Error) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("dockerfile:%d: %s", e.Line, e.Msg)
	}
	return "dockerfile: " + e.Msg
}

// Unwrap returns BuildKit's error, so errors.As finds its types
// (*instructions.UnknownInstructionError, …), or sim.ErrLimit when a limit
// of Options was reached.
func (e *Error) Unwrap() error { return e.err }

// BuildKit returns the message as `docker build` prints it after
// "ERROR: failed to solve: ".
func (e *Error) BuildKit() string {
	if e.parseErr {
		return fmt.Sprintf("dockerfile parse error on line %d: %s", e.Line, e.Msg)
	}
	return e.Msg
}

// Parse parses src with the default Options.
func Parse(src []byte) (*Dockerfile, error) { return ParseWith(src, Options{}) }

// ParseWith parses src the way BuildKit's Dockerfile frontend does before it
// runs the first step. Every error it returns is an *Error.
func ParseWith(src []byte, opt Options) (*Dockerfile, error) {
	opt = opt.withDefaults()
	if len(src) > opt.MaxBytes {
		return nil, &Error{Msg: fmt.Sprintf("dockerfile is %d bytes, more than the limit of %d bytes", len(src), opt.MaxBytes), err: sim.ErrLimit}
	}
	if len(src) == 0 {
		return nil, &Error{Msg: "the Dockerfile cannot be empty"}
	}
	lines := sourceLines(src)
	for i, l := range lines {
		if len(l) > opt.MaxLineBytes {
			return nil, &Error{Line: i + 1, Msg: fmt.Sprintf("dockerfile line greater than max allowed size of %d", opt.MaxLineBytes), err: sim.ErrLimit}
		}
	}
	plat, err := parsePlatform(opt.Platform)
	if err != nil {
		return nil, &Error{Msg: err.Error()}
	}

	check, err := parseCheck(src)
	if err != nil {
		return nil, err
	}
	var warnings []Warning
	stageOf := -1 // the stage being linted; the closure below reads it
	lintCfg := check.linterConfig()
	lintCfg.Warn = func(rule, _, url, msg string, loc []parser.Range) {
		warnings = append(warnings, Warning{Rule: rule, Msg: msg, URL: url, Line: firstLine(loc), Stage: stageOf})
	}
	lint := linter.New(lintCfg)

	res, err := parser.Parse(bytes.NewReader(src))
	if err != nil {
		return nil, newError(err, src)
	}
	for _, w := range res.Warnings {
		if w.URL == linter.RuleNoEmptyContinuation.URL && w.Location != nil {
			lint.Run(&linter.RuleNoEmptyContinuation, []parser.Range{*w.Location}, linter.RuleNoEmptyContinuation.Format())
		}
	}
	nodes := res.AST.Children
	if len(nodes) > opt.MaxInstructions {
		return nil, &Error{Line: nodes[opt.MaxInstructions].StartLine,
			Msg: fmt.Sprintf("dockerfile has %d instructions, more than the limit of %d", len(nodes), opt.MaxInstructions), err: sim.ErrLimit}
	}
	bkStages, metaArgs, err := instructions.Parse(res.AST, lint)
	if err != nil {
		e := newError(err, src)
		e.fixFlagSuggestion(nodes)
		return nil, e
	}
	if len(bkStages) == 0 {
		return nil, &Error{Msg: "dockerfile contains no stages to build"}
	}

	d := &Dockerfile{
		MetaArgs: metaArgs,
		Escape:   res.EscapeToken,
		Source:   bytes.Clone(src),
		Check:    check,
		byName:   map[string]int{},
	}
	if err := d.buildStages(bkStages, nodes, lines); err != nil {
		return nil, err
	}
	if err := d.resolveTarget(opt.Target); err != nil {
		return nil, err
	}

	lintStageNames(d.Stages, bkStages, lint)
	lintCasing(bkStages, lint)

	shlex := shell.NewLex(d.Escape)
	predefined := predefinedArgs(plat, d.Stages[d.Target].Name)
	if err := d.resolveFrom(bkStages, shlex, predefined, opt.BuildArgs, lint); err != nil {
		return nil, err
	}
	d.lintStages(lint, func(i int) { stageOf = i })
	slices.SortStableFunc(warnings, func(a, b Warning) int { return a.Line - b.Line })
	d.Warnings = warnings
	return d, nil
}

// buildStages pairs BuildKit's stages and commands with the AST nodes they came
// from: instructions.Parse walks the nodes in order, so the pairing is by
// position.
func (d *Dockerfile) buildStages(bk []instructions.Stage, nodes []*parser.Node, lines []string) error {
	ni := len(d.MetaArgs) // meta ARGs are the nodes before the first FROM
	for si, bs := range bk {
		if ni >= len(nodes) {
			return &Error{Msg: "internal error: fewer instructions than stages"}
		}
		from := nodes[ni]
		ni++
		st := Stage{
			Name:      bs.Name,
			BaseName:  bs.BaseName,
			BaseStage: -1,
			Platform:  bs.Platform,
			Line:      from.StartLine,
			Text:      sourceText(lines, from.StartLine, from.EndLine),
		}
		for _, c := range bs.Commands {
			if ni >= len(nodes) {
				return &Error{Msg: "internal error: fewer instructions than commands"}
			}
			n := nodes[ni]
			ni++
			cmd := Command{
				Inst:      c,
				Name:      strings.ToUpper(c.Name()),
				Text:      sourceText(lines, n.StartLine, n.EndLine),
				StartLine: n.StartLine,
				EndLine:   n.EndLine,
				node:      n,
				escape:    d.Escape,
			}
			if s, ok := c.(fmt.Stringer); ok {
				cmd.Code = s.String()
			}
			if err := d.checkCopyFrom(cmd, len(bk)); err != nil {
				return err
			}
			st.Commands = append(st.Commands, cmd)
		}
		d.Stages = append(d.Stages, st)
		if bs.Name != "" {
			d.byName[bs.Name] = si
		}
	}
	return nil
}

// checkCopyFrom applies the checks BuildKit makes on COPY --from before it
// runs anything.
func (d *Dockerfile) checkCopyFrom(cmd Command, stages int) error {
	c, ok := cmd.Inst.(*instructions.CopyCommand)
	if !ok || c.From == "" {
		return nil
	}
	res, err := shell.NewLex(d.Escape).ProcessWordWithMatches(c.From, mapEnv{})
	if err != nil {
		return &Error{Line: cmd.StartLine, Msg: err.Error(), err: err}
	}
	if res.Result != c.From {
		return &Error{Line: cmd.StartLine, Msg: "variable expansion is not supported for --from, define a new stage with FROM using ARG from global scope as a workaround"}
	}
	if i, err := strconv.Atoi(c.From); err == nil && (i < 0 || i >= stages) {
		return &Error{Line: cmd.StartLine, Msg: fmt.Sprintf("invalid stage index %d", i)}
	}
	return nil
}

func (d *Dockerfile) resolveTarget(target string) error {
	d.Target = len(d.Stages) - 1
	if target == "" {
		return nil
	}
	i, ok := d.byName[strings.ToLower(target)]
	if !ok {
		msg := fmt.Sprintf("target stage %q could not be found", target)
		if s := suggestion(target, slices.Sorted(maps.Keys(d.byName)), true); s != "" {
			msg += " (did you mean " + s + "?)"
		}
		return &Error{Msg: msg}
	}
	d.Target = i
	return nil
}

// resolveFrom expands global ARGs in every FROM, as BuildKit does before it
// resolves any base image, and links FROMs that name an earlier stage.
func (d *Dockerfile) resolveFrom(bk []instructions.Stage, shlex *shell.Lex, predefined []envVar, buildArgs map[string]string, lint *linter.Linter) error {
	// BuildKit first checks FROM with the ARG defaults alone, so that a
	// default that yields no image name is reported even when --build-arg
	// hides it.
	if defaults, _, err := metaArgEnv(predefined, shlex, d.MetaArgs, nil); err == nil {
		for _, bs := range bk {
			r, err := shlex.ProcessWordWithMatches(bs.BaseName, defaults)
			if err != nil {
				break // the real expansion below reports it
			}
			if strings.TrimSpace(r.Result) == "" {
				lint.Run(&linter.RuleInvalidDefaultArgInFrom, bs.Location, linter.RuleInvalidDefaultArgInFrom.Format(bs.BaseName))
			}
		}
	}
	global, declared, err := metaArgEnv(predefined, shlex, d.MetaArgs, buildArgs)
	if err != nil {
		return newError(err, d.Source)
	}
	d.global = global
	for _, v := range global {
		declared[v.key] = struct{}{}
	}
	known := slices.Sorted(maps.Keys(declared))

	seen := map[string]int{}
	for i := range d.Stages {
		st := &d.Stages[i]
		loc := bk[i].Location
		r, err := shlex.ProcessWordWithMatches(bk[i].BaseName, global)
		lintUndeclared(r.Unmatched, declared, known, loc, lint)
		if err != nil {
			return &Error{Line: st.Line, Msg: err.Error(), err: err}
		}
		if r.Result == "" {
			return &Error{Line: st.Line, Msg: fmt.Sprintf("base name (%s) should not be blank", bk[i].BaseName)}
		}
		st.BaseName = r.Result
		if p, ok := seen[st.BaseName]; ok {
			st.BaseStage = p
		}
		if v := bk[i].Platform; v != "" {
			r, err := shlex.ProcessWordWithMatches(v, global)
			lintUndeclared(r.Unmatched, declared, known, loc, lint)
			if err != nil {
				return &Error{Line: st.Line, Msg: fmt.Sprintf("failed to process arguments for platform %s: %v", r.Result, err), err: err}
			}
			if r.Result == "" {
				return &Error{Line: st.Line, Msg: fmt.Sprintf("empty platform value from expression %s", v)}
			}
			st.Platform = r.Result
		}
		if st.Name != "" {
			seen[st.Name] = i
		}
	}
	return nil
}

func lintUndeclared(unmatched, declared map[string]struct{}, known []string, loc []parser.Range, lint *linter.Linter) {
	for _, name := range slices.Sorted(maps.Keys(unmatched)) {
		if _, ok := declared[name]; ok {
			continue
		}
		lint.Run(&linter.RuleUndefinedArgInFrom, loc, linter.RuleUndefinedArgInFrom.Format(name, suggestion(name, known, true)))
	}
}

// GlobalArgs returns the ARGs in global scope: BuildKit's predefined platform
// ARGs and the ARGs before the first FROM, with --build-arg values applied. A
// stage's `ARG NAME` without a default takes its value from here.
func (d *Dockerfile) GlobalArgs() map[string]string {
	out := make(map[string]string, len(d.global))
	for _, v := range d.global {
		out[v.key] = v.value
	}
	return out
}

// StageIndex resolves a COPY --from or RUN --mount from= reference the way
// BuildKit does: a number is a stage index; a name matches stage names without
// regard to case, the last stage of that name winning. ok is false when ref is
// not a stage, which makes it an image reference.
func (d *Dockerfile) StageIndex(ref string) (int, bool) {
	if i, err := strconv.Atoi(ref); err == nil {
		return i, i >= 0 && i < len(d.Stages)
	}
	i, ok := d.byName[strings.ToLower(ref)]
	return i, ok
}

// newError turns a BuildKit error into an *Error carrying its line.
func newError(err error, src []byte) *Error {
	e := &Error{Msg: err.Error(), err: err}
	var le *parser.LocationError
	if errors.As(err, &le) && len(le.Locations) > 0 && len(le.Locations[0]) > 0 {
		e.Line = le.Locations[0][0].Start.Line
	}
	if m := parseErrPrefix.FindStringSubmatch(e.Msg); m != nil {
		e.parseErr = true
		e.Msg = e.Msg[len(m[0]):]
		if n, err := strconv.Atoi(m[1]); err == nil {
			e.Line = n
		}
	}
	var ui *instructions.UnknownInstructionError
	if errors.As(err, &ui) {
		// BuildKit picks its suggestion while ranging over a map, so a tie
		// could differ between runs; pick it from a sorted list instead.
		e.Msg = ui.Error()
		if s := suggestion(ui.Instruction, instructionNames(), false); s != "" {
			e.Msg += " (did you mean " + s + "?)"
		}
	}
	if strings.HasPrefix(e.Msg, "invalid escape token") {
		// BuildKit locates this one a line too early; the directive knows
		// where it is.
		if _, _, loc, ok := parser.ParseDirective("escape", src); ok && len(loc) > 0 {
			e.Line = loc[0].Start.Line
		}
	}
	return e
}

// fixFlagSuggestion recomputes the "did you mean" of an unknown flag: BuildKit
// searches the flags in map order, so a tie could differ between runs.
func (e *Error) fixFlagSuggestion(nodes []*parser.Node) {
	m := unknownFlag.FindStringSubmatch(e.Msg)
	if m == nil {
		return
	}
	inst := ""
	for _, n := range nodes {
		if n.StartLine == e.Line {
			inst = strings.ToLower(n.Value)
			if inst == "onbuild" && n.Next != nil && len(n.Next.Children) > 0 {
				inst = strings.ToLower(n.Next.Children[0].Value)
			}
			break
		}
	}
	e.Msg = "unknown flag: --" + m[1]
	if s := suggestion(m[1], instructionFlags(inst), true); s != "" {
		e.Msg += " (did you mean " + s + "?)"
	}
}

// instructionFlags lists, sorted, the flags BuildKit v0.34 accepts per
// instruction (a test checks the list against BuildKit).
func instructionFlags(inst string) []string {
	switch inst {
	case "add":
		return []string{"checksum", "chmod", "chown", "exclude", "keep-git-dir", "link", "unpack"}
	case "copy":
		return []string{"chmod", "chown", "exclude", "from", "link", "parents"}
	case "from":
		return []string{"platform"}
	case "run":
		return []string{"device", "mount", "network", "security"}
	case "healthcheck":
		return []string{"interval", "retries", "start-interval", "start-period", "timeout"}
	}
	return nil
}

var unknownFlag = regexp.MustCompile(`^unknown flag: --(\S*)(?: \(did you mean \S+\?\))?$`)

var parseErrPrefix = regexp.MustCompile(`^dockerfile parse error on line (\d+): `)

// sourceLines splits src into physical lines the way BuildKit's scanner
// numbers them, without line endings and without a leading byte-order mark.
func sourceLines(src []byte) []string {
	src = bytes.TrimPrefix(src, []byte{0xEF, 0xBB, 0xBF})
	s := strings.TrimSuffix(string(src), "\n")
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = strings.TrimSuffix(l, "\r")
	}
	return lines
}

func sourceText(lines []string, start, end int) string {
	if start < 1 || end < start || end > len(lines) {
		return ""
	}
	return strings.TrimSpace(strings.Join(lines[start-1:end], "\n"))
}

func firstLine(loc []parser.Range) int {
	if len(loc) == 0 {
		return 0
	}
	return loc[0].Start.Line
}

type platform struct{ os, arch, variant string }

func (p platform) String() string {
	s := p.os + "/" + p.arch
	if p.variant != "" {
		s += "/" + p.variant
	}
	return s
}

func parsePlatform(s string) (platform, error) {
	parts := strings.Split(s, "/")
	if len(parts) < 2 || len(parts) > 3 || parts[0] == "" || parts[1] == "" {
		return platform{}, fmt.Errorf("invalid platform %q: want os/arch or os/arch/variant", s)
	}
	p := platform{os: parts[0], arch: parts[1]}
	if len(parts) == 3 {
		p.variant = parts[2]
	}
	return p, nil
}

// predefinedArgs are the ARGs BuildKit defines in global scope before reading
// any ARG of the Dockerfile.
func predefinedArgs(p platform, target string) []envVar {
	if target == "" {
		target = "default"
	}
	return []envVar{
		{"BUILDPLATFORM", p.String()},
		{"BUILDOS", p.os},
		{"BUILDOSVERSION", ""},
		{"BUILDARCH", p.arch},
		{"BUILDVARIANT", p.variant},
		{"TARGETPLATFORM", p.String()},
		{"TARGETOS", p.os},
		{"TARGETOSVERSION", ""},
		{"TARGETARCH", p.arch},
		{"TARGETVARIANT", p.variant},
		{"TARGETSTAGE", target},
	}
}

// metaArgEnv evaluates the global ARGs in order, each default expanded with
// the ARGs before it, a --build-arg replacing the default. declared holds every
// global ARG name, with or without a value.
func metaArgEnv(predefined []envVar, shlex *shell.Lex, args []instructions.ArgCommand, buildArgs map[string]string) (envList, map[string]struct{}, error) {
	env := envList(slices.Clone(predefined))
	declared := map[string]struct{}{}
	for _, cmd := range args {
		for _, kv := range cmd.Args {
			declared[kv.Key] = struct{}{}
			if v, ok := buildArgs[kv.Key]; ok {
				env = env.set(kv.Key, v)
				continue
			}
			if kv.Value == nil {
				continue
			}
			v, _, err := shlex.ProcessWord(*kv.Value, env)
			if err != nil {
				return nil, nil, parser.WithLocation(err, cmd.Location())
			}
			env = env.set(kv.Key, v)
		}
	}
	return env, declared, nil
}
