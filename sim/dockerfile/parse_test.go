package dockerfile

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"
)

var update = flag.Bool("update", false, "rewrite the golden result files in testdata/parse")

// TestParseGolden parses testdata/parse/<case>/Dockerfile and compares a
// readable dump of the result (or the error) with <case>/result.
func TestParseGolden(t *testing.T) {
	dirs, err := filepath.Glob("testdata/parse/*")
	if err != nil {
		t.Fatal(err)
	}
	if len(dirs) < 20 {
		t.Fatalf("found %d golden cases, want at least 20", len(dirs))
	}
	for _, dir := range dirs {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			src, err := os.ReadFile(filepath.Join(dir, "Dockerfile"))
			if err != nil {
				t.Fatal(err)
			}
			got := dumpResult(Parse(src))
			// Parsing twice must give the same bytes: nothing may depend on
			// map order or on anything outside the input.
			if again := dumpResult(Parse(src)); again != got {
				t.Fatalf("second parse differs:\n%s\n---\n%s", got, again)
			}
			golden := filepath.Join(dir, "result")
			if *update {
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test -update to create it)", err)
			}
			if got != string(want) {
				t.Errorf("result differs from %s (go test -update rewrites it)\n--- got\n%s\n--- want\n%s", golden, got, want)
			}
		})
	}
}

func dumpResult(d *Dockerfile, err error) string {
	if err != nil {
		var e *Error
		if !errors.As(err, &e) {
			return fmt.Sprintf("error of type %T: %v\n", err, err)
		}
		return fmt.Sprintf("error: %s\nbuildkit: %s\n", e.Error(), e.BuildKit())
	}
	return dump(d)
}

// dump writes what a reader of a golden file needs to check a parse: stages,
// typed instructions with their fields, warnings.
func dump(d *Dockerfile) string {
	var b strings.Builder
	p := func(format string, a ...any) { fmt.Fprintf(&b, format+"\n", a...) }
	p("escape %q target %d", d.Escape, d.Target)
	for _, a := range d.MetaArgs {
		p("meta %s", dumpArgs(&a))
	}
	for _, name := range []string{"TARGETPLATFORM", "TARGETSTAGE"} {
		p("global %s=%s", name, d.GlobalArgs()[name])
	}
	for i, st := range d.Stages {
		p("stage %d %q line %d base %q base-stage %d platform %q", i, st.Name, st.Line, st.BaseName, st.BaseStage, st.Platform)
		p("  text %q", st.Text)
		for _, c := range st.Commands {
			inst := c.Inst
			if _, ok := inst.(*instructions.RunCommand); ok {
				// RUN's --mount flags are only parsed when the step is
				// expanded, as in BuildKit.
				x, _, err := c.Expand(nil)
				if err != nil {
					p("  expand error: %v", err)
				} else {
					inst = x
				}
			}
			p("  %d-%d %s %s", c.StartLine, c.EndLine, c.Name, dumpInst(inst))
			if c.Code != c.Text {
				p("    code %q", c.Code)
			}
			p("    text %q", c.Text)
		}
	}
	for _, w := range d.Warnings {
		p("warning stage %d: %s", w.Stage, w)
	}
	if err := d.Check.Violation(d.Warnings); err != nil {
		p("violation: %v", err)
	}
	return b.String()
}

func dumpInst(c instructions.Command) string {
	switch c := c.(type) {
	case *instructions.RunCommand:
		s := dumpShell(c.ShellDependantCmdLine)
		for _, m := range instructions.GetMounts(c) {
			s += fmt.Sprintf(" mount(type=%s from=%q target=%q)", m.Type, m.From, m.Target)
		}
		if n := instructions.GetNetwork(c); n != instructions.NetworkDefault {
			s += " network=" + n
		}
		return s
	case *instructions.CmdCommand:
		return dumpShell(c.ShellDependantCmdLine)
	case *instructions.EntrypointCommand:
		return dumpShell(c.ShellDependantCmdLine)
	case *instructions.EnvCommand:
		return dumpKV(c.Env)
	case *instructions.LabelCommand:
		return dumpKV(c.Labels)
	case *instructions.ArgCommand:
		return dumpArgs(c)
	case *instructions.CopyCommand:
		return fmt.Sprintf("from=%q chown=%q chmod=%q link=%v parents=%v exclude=%q %s",
			c.From, c.Chown, c.Chmod, c.Link, c.Parents, c.ExcludePatterns, dumpSources(c.SourcesAndDest))
	case *instructions.AddCommand:
		return fmt.Sprintf("chown=%q chmod=%q checksum=%q link=%v %s", c.Chown, c.Chmod, c.Checksum, c.Link, dumpSources(c.SourcesAndDest))
	case *instructions.WorkdirCommand:
		return fmt.Sprintf("path=%q", c.Path)
	case *instructions.UserCommand:
		return fmt.Sprintf("user=%q", c.User)
	case *instructions.VolumeCommand:
		return fmt.Sprintf("volumes=%q", c.Volumes)
	case *instructions.ExposeCommand:
		return fmt.Sprintf("ports=%q", c.Ports)
	case *instructions.StopSignalCommand:
		return fmt.Sprintf("signal=%q", c.Signal)
	case *instructions.ShellCommand:
		return fmt.Sprintf("shell=%q", c.Shell)
	case *instructions.MaintainerCommand:
		return fmt.Sprintf("maintainer=%q", c.Maintainer)
	case *instructions.OnbuildCommand:
		return fmt.Sprintf("expression=%q", c.Expression)
	case *instructions.HealthCheckCommand:
		h := c.Health
		return fmt.Sprintf("test=%q interval=%s timeout=%s start-period=%s start-interval=%s retries=%d",
			h.Test, h.Interval, h.Timeout, h.StartPeriod, h.StartInterval, h.Retries)
	}
	return fmt.Sprintf("%T", c)
}

func dumpShell(s instructions.ShellDependantCmdLine) string {
	out := fmt.Sprintf("cmdline=%q shell-form=%v", s.CmdLine, s.PrependShell)
	for _, f := range s.Files {
		out += fmt.Sprintf(" heredoc(%s chomp=%v %q)", f.Name, f.Chomp, f.Data)
	}
	return out
}

func dumpKV(kvs instructions.KeyValuePairs) string {
	var parts []string
	for _, kv := range kvs {
		s := fmt.Sprintf("%s=%q", kv.Key, kv.Value)
		if kv.NoDelim {
			s += "(legacy)"
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, " ")
}

func dumpArgs(c *instructions.ArgCommand) string {
	var parts []string
	for _, a := range c.Args {
		if a.Value == nil {
			parts = append(parts, a.Key)
		} else {
			parts = append(parts, fmt.Sprintf("%s=%q", a.Key, *a.Value))
		}
	}
	return strings.Join(parts, " ")
}

func dumpSources(s instructions.SourcesAndDest) string {
	out := fmt.Sprintf("src=%q dest=%q", s.SourcePaths, s.DestPath)
	for _, c := range s.SourceContents {
		out += fmt.Sprintf(" heredoc(%s expand=%v %q)", c.Path, c.Expand, c.Data)
	}
	return out
}
