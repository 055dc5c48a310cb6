package dockerfile

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"

	"github.com/layerlab/layerlab/sim"
)

func TestLimits(t *testing.T) {
	manyRuns := "FROM alpine\n" + strings.Repeat("RUN true\n", 20)
	tests := []struct {
		name string
		src  string
		opt  Options
		want string // Error() of the expected error
	}{
		// size of the whole file
		{"over max bytes", "FROM alpine\n", Options{MaxBytes: 5}, "dockerfile: dockerfile is 12 bytes, more than the limit of 5 bytes"},
		{"at max bytes", "FROM a", Options{MaxBytes: 6}, ""},
		// number of instructions
		{"over max instructions", manyRuns, Options{MaxInstructions: 10}, "dockerfile:11: dockerfile has 21 instructions, more than the limit of 10"},
		{"at max instructions", manyRuns, Options{MaxInstructions: 21}, ""},
		// length of one line
		{"over max line", "FROM alpine\nRUN echo " + strings.Repeat("x", 100) + "\n", Options{MaxLineBytes: 50}, "dockerfile:2: dockerfile line greater than max allowed size of 50"},
		{"buildkit line limit", "FROM alpine\nRUN " + strings.Repeat("x", 70000), Options{}, "dockerfile:2: dockerfile line greater than max allowed size of 65535"},
		// platform
		{"bad platform", "FROM alpine", Options{Platform: "amd64"}, `dockerfile: invalid platform "amd64": want os/arch or os/arch/variant`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseWith([]byte(tt.src), tt.opt)
			got := ""
			if err != nil {
				got = err.Error()
			}
			if got != tt.want {
				t.Fatalf("got error %q, want %q", got, tt.want)
			}
			if isLimit := strings.Contains(tt.name, "max") || strings.Contains(tt.name, "limit"); err != nil && errors.Is(err, sim.ErrLimit) != isLimit {
				t.Errorf("errors.Is(err, sim.ErrLimit) = %v, want %v", !isLimit, isLimit)
			}
		})
	}
}

func TestHugeDockerfileFailsFast(t *testing.T) {
	src := bytes.Repeat([]byte("RUN echo hello world\n"), 500_000) // 10.5 MB
	_, err := Parse(src)
	if err == nil || !strings.Contains(err.Error(), "more than the limit of 1048576 bytes") {
		t.Fatalf("got %v, want the size limit error", err)
	}
	// Failing before parsing allocates next to nothing; parsing 10 MB
	// would allocate for each of its half a million lines. Allocations
	// are counted, not timed, so a busy machine cannot make this flake.
	if n := testing.AllocsPerRun(3, func() { Parse(src) }); n > 20 {
		t.Errorf("rejecting made %v allocations; the size check must come before parsing", n)
	}
}

func TestErrorsAreTyped(t *testing.T) {
	_, err := Parse([]byte("FROM alpine\nFRM x\n"))
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("got %T, want *Error", err)
	}
	if e.Line != 2 || e.Msg != "unknown instruction: FRM (did you mean FROM?)" {
		t.Errorf("got line %d msg %q", e.Line, e.Msg)
	}
	var ui *instructions.UnknownInstructionError
	if !errors.As(err, &ui) || ui.Instruction != "FRM" {
		t.Errorf("errors.As did not reach BuildKit's UnknownInstructionError: %v", err)
	}
}

func TestOptions(t *testing.T) {
	src := []byte(`ARG TAG=3.12
ARG BASE=python:${TAG}
FROM --platform=$TARGETPLATFORM ${BASE} AS app
FROM app AS test
FROM alpine AS other
`)
	tests := []struct {
		name      string
		opt       Options
		base      string
		platform  string
		target    int
		stageArg  string
		wantError string
	}{
		// defaults
		{"defaults", Options{}, "python:3.12", "linux/amd64", 2, "other", ""},
		// --build-arg replaces a default, and later defaults see it
		{"build arg", Options{BuildArgs: map[string]string{"TAG": "3.13-slim"}}, "python:3.13-slim", "linux/amd64", 2, "other", ""},
		{"build arg for the whole base", Options{BuildArgs: map[string]string{"BASE": "pypy:3"}}, "pypy:3", "linux/amd64", 2, "other", ""},
		// --platform
		{"arm64", Options{Platform: "linux/arm64/v8"}, "python:3.12", "linux/arm64/v8", 2, "other", ""},
		// --target
		{"target", Options{Target: "TEST"}, "python:3.12", "linux/amd64", 1, "test", ""},
		{"unknown target", Options{Target: "tset"}, "", "", 0, "", `dockerfile: target stage "tset" could not be found (did you mean test?)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := ParseWith(src, tt.opt)
			if tt.wantError != "" {
				if err == nil || err.Error() != tt.wantError {
					t.Fatalf("got %v, want %s", err, tt.wantError)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := d.Stages[0].BaseName; got != tt.base {
				t.Errorf("base %q, want %q", got, tt.base)
			}
			if got := d.Stages[0].Platform; got != tt.platform {
				t.Errorf("platform %q, want %q", got, tt.platform)
			}
			if d.Target != tt.target {
				t.Errorf("target %d, want %d", d.Target, tt.target)
			}
			if got := d.GlobalArgs()["TARGETSTAGE"]; got != tt.stageArg {
				t.Errorf("TARGETSTAGE %q, want %q", got, tt.stageArg)
			}
			if d.Stages[1].BaseStage != 0 || d.Stages[2].BaseStage != -1 {
				t.Errorf("base stages %d %d, want 0 -1", d.Stages[1].BaseStage, d.Stages[2].BaseStage)
			}
		})
	}
}

func TestInvalidDefaultArgInFrom(t *testing.T) {
	// The default makes an empty image name; --build-arg fixes the build but
	// BuildKit still warns, because the file alone cannot be built.
	d, err := ParseWith([]byte("ARG IMAGE\nFROM ${IMAGE}\n"), Options{BuildArgs: map[string]string{"IMAGE": "alpine"}})
	if err != nil {
		t.Fatal(err)
	}
	if d.Stages[0].BaseName != "alpine" {
		t.Errorf("base %q", d.Stages[0].BaseName)
	}
	if len(d.Warnings) != 1 || d.Warnings[0].Rule != "InvalidDefaultArgInFrom" || d.Warnings[0].Line != 2 {
		t.Errorf("warnings %v, want one InvalidDefaultArgInFrom on line 2", d.Warnings)
	}
}

func TestStageIndex(t *testing.T) {
	d, err := Parse([]byte("FROM a AS build\nFROM b AS Build2\nFROM c AS build\nFROM d\n"))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		ref  string
		want int
		ok   bool
	}{
		// names: case-insensitive, last one wins
		{"build", 2, true},
		{"BUILD2", 1, true},
		{"alpine", 0, false},
		// indexes
		{"0", 0, true},
		{"3", 3, true},
		{"4", 4, false},
		{"-1", -1, false},
	}
	for _, tt := range tests {
		got, ok := d.StageIndex(tt.ref)
		if ok != tt.ok || (ok && got != tt.want) {
			t.Errorf("StageIndex(%q) = %d, %v; want %d, %v", tt.ref, got, ok, tt.want, tt.ok)
		}
	}
}

// TestInstructionFlags checks the flag table used for suggestions against
// BuildKit: every listed flag is accepted, and a misspelt one is refused.
func TestInstructionFlags(t *testing.T) {
	for inst, line := range map[string]string{
		"add":         "ADD --%s=x a b",
		"copy":        "COPY --%s=x a b",
		"from":        "FROM --%s=x alpine",
		"run":         "RUN --%s=x true",
		"healthcheck": "HEALTHCHECK --%s=1s CMD true",
	} {
		for _, fl := range instructionFlags(inst) {
			src := "FROM alpine\n" + strings.Replace(line, "%s", fl, 1) + "\n"
			if inst == "from" {
				src = strings.Replace(line, "%s", fl, 1) + "\n"
			}
			_, err := Parse([]byte(src))
			if err != nil && strings.Contains(err.Error(), "unknown flag") {
				t.Errorf("%s: BuildKit does not know --%s: %v", inst, fl, err)
			}
		}
		src := "FROM alpine\n" + strings.Replace(line, "%s", "zzz", 1) + "\n"
		if _, err := Parse([]byte(src)); err == nil || !strings.Contains(err.Error(), "unknown flag: --zzz") {
			t.Errorf("%s: got %v, want unknown flag", inst, err)
		}
	}
}

func TestExpandWord(t *testing.T) {
	env := map[string]string{"HOME": "/root", "APP": "pageturn", "EMPTY": ""}
	tests := []struct {
		word, want string
	}{
		// plain and braced
		{"$HOME/app", "/root/app"},
		{"${APP}.py", "pageturn.py"},
		{"$UNSET/x", "/x"},
		// defaults and alternatives
		{"${UNSET:-fallback}", "fallback"},
		{"${EMPTY:-fallback}", "fallback"},
		{"${EMPTY-fallback}", ""},
		{"${APP:+set}", "set"},
		{"${UNSET:+set}", ""},
		// quoting and escapes, as BuildKit does for COPY/ENV words
		{`'$HOME'`, "$HOME"},
		{`"$HOME"`, "/root"},
		{`\$HOME`, "$HOME"},
		// pattern forms
		{"${APP#page}", "turn"},
		{"${APP%turn}", "page"},
		{"${APP/turn/boat}", "pageboat"},
	}
	for _, tt := range tests {
		got, err := ExpandWord(tt.word, env)
		if err != nil || got != tt.want {
			t.Errorf("ExpandWord(%q) = %q, %v; want %q", tt.word, got, err, tt.want)
		}
	}
	if _, err := ExpandWord("${UNSET:?is required}", env); err == nil || !strings.Contains(err.Error(), "is required") {
		t.Errorf("${UNSET:?…} gave %v, want an error naming the message", err)
	}
	if _, err := ExpandWord("${APP", env); err == nil {
		t.Error("an unterminated ${ must fail")
	}
}

func TestExpandWordEscape(t *testing.T) {
	d, err := Parse([]byte("# escape=`\nFROM alpine\n"))
	if err != nil {
		t.Fatal(err)
	}
	got, err := d.ExpandWord("c:\\$DIR `$DIR", map[string]string{"DIR": "app"})
	if err != nil || got != `c:\app $DIR` {
		t.Errorf("got %q, %v; want %q", got, err, `c:\app $DIR`)
	}
}

func TestCommandExpand(t *testing.T) {
	d, err := Parse([]byte(`FROM alpine
COPY --chown=$USER:$USER $SRC/*.py ${DEST:-/app}/
COPY <<EOF <<'RAW' /etc/
hello $USER
EOF
hello $USER
RAW
RUN --mount=type=cache,target=$CACHE echo $HOME
WORKDIR $DEST/src
ENV PATH=$DEST/bin:$PATH
ARG VERSION=$MISSING
`))
	if err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"USER": "app", "SRC": "src", "CACHE": "/root/.cache", "PATH": "/usr/bin"}
	cmds := d.Stages[0].Commands
	expand := func(i int) (instructions.Command, []string) {
		t.Helper()
		c, undefined, err := cmds[i].Expand(env)
		if err != nil {
			t.Fatal(err)
		}
		return c, undefined
	}

	c, undefined := expand(0)
	cp := c.(*instructions.CopyCommand)
	if cp.Chown != "app:app" || !slices.Equal(cp.SourcePaths, []string{"src/*.py"}) || cp.DestPath != "/app/" {
		t.Errorf("COPY expanded to chown %q src %q dest %q", cp.Chown, cp.SourcePaths, cp.DestPath)
	}
	if !slices.Equal(undefined, []string{"DEST"}) {
		t.Errorf("undefined %q, want [DEST]", undefined)
	}
	// The parsed instruction is left as it was.
	if orig := cmds[0].Inst.(*instructions.CopyCommand); orig.Chown != "$USER:$USER" || orig.SourcePaths[0] != "$SRC/*.py" {
		t.Errorf("Expand changed the parsed command: %+v", orig)
	}

	c, _ = expand(1)
	hd := c.(*instructions.CopyCommand).SourceContents
	if hd[0].Data != "hello app\n" || hd[1].Data != "hello $USER\n" {
		t.Errorf("heredocs expanded to %q and %q; want only the unquoted one expanded", hd[0].Data, hd[1].Data)
	}

	c, _ = expand(2)
	run := c.(*instructions.RunCommand)
	if run.CmdLine[0] != "echo $HOME" {
		t.Errorf("RUN's command line must be left to the shell, got %q", run.CmdLine)
	}
	if m := instructions.GetMounts(run); len(m) != 1 || m[0].Target != "/root/.cache" {
		t.Errorf("mounts %+v, want the cache target expanded", m)
	}

	c, undefined = expand(3)
	if p := c.(*instructions.WorkdirCommand).Path; p != "/src" || !slices.Equal(undefined, []string{"DEST"}) {
		t.Errorf("WORKDIR %q undefined %q", p, undefined)
	}

	c, _ = expand(4)
	if e := c.(*instructions.EnvCommand).Env[0]; e.Value != "/bin:/usr/bin" {
		t.Errorf("ENV PATH=%q", e.Value)
	}

	c, undefined = expand(5)
	if v := c.(*instructions.ArgCommand).Args[0].Value; *v != "$MISSING" || len(undefined) != 0 {
		t.Errorf("ARG must come back unexpanded, got %q (undefined %q)", *v, undefined)
	}

	if _, _, err := (Command{}).Expand(nil); err == nil {
		t.Error("a zero Command must not expand")
	}
}

func TestCheckConfig(t *testing.T) {
	d, err := Parse([]byte("# check=skip=JSONArgsRecommended,StageNameCasing;error=true\nFROM alpine AS Build\nCMD run\nWORKDIR rel\n"))
	if err != nil {
		t.Fatal(err)
	}
	if d.Check.Enabled("JSONArgsRecommended") || !d.Check.Enabled("UndefinedVar") {
		t.Errorf("Enabled disagrees with the directive: %+v", d.Check)
	}
	if len(d.Warnings) != 1 || d.Warnings[0].Rule != "WorkdirRelativePath" {
		t.Fatalf("warnings %v, want only WorkdirRelativePath", d.Warnings)
	}
	if err := d.Check.Violation(d.Warnings); err == nil || err.Error() != "lint violation found for rules: WorkdirRelativePath" {
		t.Errorf("violation %v", err)
	}
	if err := d.Check.Violation(nil); err != nil {
		t.Errorf("no warnings, yet violation %v", err)
	}
	if _, err := Parse([]byte("# check=bogus\nFROM alpine\n")); err == nil || !strings.Contains(err.Error(), "failed to parse check options") {
		t.Errorf("bad check directive gave %v", err)
	}
}

func TestWarningString(t *testing.T) {
	w := Warning{Rule: "JSONArgsRecommended", Msg: "JSON arguments recommended for CMD to prevent unintended behavior related to OS signals", Line: 7}
	want := "JSONArgsRecommended: JSON arguments recommended for CMD to prevent unintended behavior related to OS signals (line 7)"
	if w.String() != want {
		t.Errorf("got %q", w.String())
	}
}

func TestTextKeepsHeredocBodies(t *testing.T) {
	src, err := os.ReadFile(filepath.Join("testdata", "parse", "heredoc-run", "Dockerfile"))
	if err != nil {
		t.Fatal(err)
	}
	d, err := Parse(src)
	if err != nil {
		t.Fatal(err)
	}
	c := d.Stages[0].Commands[0]
	if c.Text != "RUN <<EOF\napt-get update\napt-get install -y curl\nEOF" || c.Code != "RUN <<EOF" || c.StartLine != 2 || c.EndLine != 5 {
		t.Errorf("got %q / %q lines %d-%d", c.Text, c.Code, c.StartLine, c.EndLine)
	}
}
