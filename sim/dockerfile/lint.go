package dockerfile

import (
	"errors"
	"regexp"
	"slices"
	"strings"

	"github.com/moby/buildkit/frontend/dockerfile/command"
	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/moby/buildkit/frontend/dockerfile/linter"
	"github.com/moby/buildkit/frontend/dockerfile/parser"
	"github.com/moby/buildkit/util/suggest"
)

// CheckConfig is the "# check=" parser directive: which lint rules are
// skipped, which experimental ones are on, and whether a warning fails the
// build.
type CheckConfig struct {
	SkipAll         bool
	Skip            []string
	ExperimentalAll bool
	Experimental    []string
	Error           bool // check=error=true
}

func parseCheck(src []byte) (CheckConfig, error) {
	v, _, _, ok := parser.ParseDirective("check", src)
	if !ok {
		return CheckConfig{}, nil
	}
	c, err := linter.ParseLintOptions(v)
	if err != nil {
		return CheckConfig{}, &Error{Msg: "failed to parse check options: " + err.Error(), err: err}
	}
	return CheckConfig{SkipAll: c.SkipAll, Skip: c.SkipRules, ExperimentalAll: c.ExperimentalAll,
		Experimental: c.ExperimentalRules, Error: c.ReturnAsError}, nil
}

func (c CheckConfig) linterConfig() *linter.Config {
	return &linter.Config{SkipAll: c.SkipAll, SkipRules: c.Skip, ExperimentalAll: c.ExperimentalAll,
		ExperimentalRules: c.Experimental, ReturnAsError: c.Error}
}

// Enabled reports whether the (non-experimental) rule runs. The builder asks
// before it reports a rule only it can check, such as UndefinedVar.
func (c CheckConfig) Enabled(rule string) bool {
	return !c.SkipAll && !slices.Contains(c.Skip, rule)
}

// Violation is the error `docker build` fails with after reporting warnings
// when the Dockerfile says check=error=true; nil otherwise. BuildKit lists the
// rules in map order; they are sorted here so that output is reproducible.
func (c CheckConfig) Violation(warnings []Warning) error {
	if !c.Error || len(warnings) == 0 {
		return nil
	}
	var rules []string
	for _, w := range warnings {
		if !slices.Contains(rules, w.Rule) {
			rules = append(rules, w.Rule)
		}
	}
	slices.Sort(rules)
	return errors.New("lint violation found for rules: " + strings.Join(rules, ", "))
}

// lintStageNames is BuildKit's check of stage names against the reserved ones
// and against each other.
func lintStageNames(stages []Stage, bk []instructions.Stage, lint *linter.Linter) {
	seen := map[string]bool{}
	for i, st := range stages {
		if st.Name == "" {
			continue
		}
		if st.Name == "context" || st.Name == "scratch" {
			lint.Run(&linter.RuleReservedStageName, bk[i].Location, linter.RuleReservedStageName.Format(st.Name))
		}
		if seen[st.Name] {
			lint.Run(&linter.RuleDuplicateStageName, bk[i].Location, linter.RuleDuplicateStageName.Format(st.Name))
		}
		seen[st.Name] = true
	}
}

// lintCasing is BuildKit's ConsistentInstructionCasing: every keyword is
// compared with the casing most keywords use.
func lintCasing(bk []instructions.Stage, lint *linter.Linter) {
	consistent := func(s string) bool { return s == strings.ToLower(s) || s == strings.ToUpper(s) }
	var lower, upper int
	count := func(name string) {
		if consistent(name) {
			if name == strings.ToLower(name) {
				lower++
			} else {
				upper++
			}
		}
	}
	for _, st := range bk {
		count(st.OrigCmd)
		for _, c := range st.Commands {
			count(c.Name())
		}
	}
	majorityLower := lower > upper
	check := func(name string, loc []parser.Range) {
		want := ""
		if majorityLower && strings.ToLower(name) != name {
			want = "lowercase"
		} else if !majorityLower && strings.ToUpper(name) != name {
			want = "uppercase"
		}
		if want != "" {
			lint.Run(&linter.RuleConsistentInstructionCasing, loc, linter.RuleConsistentInstructionCasing.Format(name, want))
		}
	}
	for _, st := range bk {
		check(st.OrigCmd, st.Location)
		for _, c := range st.Commands {
			check(c.Name(), c.Location())
		}
	}
}

// lintStages runs the rules BuildKit checks while dispatching each stage's
// instructions, as far as they can be decided without running the build:
// rules that need the expanded value of a variable are skipped for words that
// contain one, and the base image is assumed to set no SHELL (only Windows
// images do).
func (d *Dockerfile) lintStages(lint *linter.Linter, setStage func(int)) {
	shellSet := make([]bool, len(d.Stages))
	for i, st := range d.Stages {
		setStage(i)
		if st.BaseStage >= 0 {
			shellSet[i] = shellSet[st.BaseStage]
		}
		var workdirSet bool
		var prev = map[string][]parser.Range{} // CMD, ENTRYPOINT, HEALTHCHECK seen so far
		usedOnce := func(c instructions.Command) {
			key := strings.ToUpper(c.Name())
			if loc, ok := prev[key]; ok {
				// BuildKit points at the earlier instruction: that is the one
				// that has no effect.
				lint.Run(&linter.RuleMultipleInstructionsDisallowed, loc, linter.RuleMultipleInstructionsDisallowed.Format(c.Name()))
			}
			prev[key] = c.Location()
		}
		for _, cmd := range st.Commands {
			switch c := cmd.Inst.(type) {
			case *instructions.EnvCommand:
				for _, kv := range c.Env {
					if kv.NoDelim {
						lint.Run(&linter.RuleLegacyKeyValueFormat, c.Location(), linter.RuleLegacyKeyValueFormat.Format(c.Name()))
					}
					lintSecret("ENV", kv.Key, c.Location(), lint)
				}
			case *instructions.LabelCommand:
				for _, kv := range c.Labels {
					if kv.NoDelim {
						lint.Run(&linter.RuleLegacyKeyValueFormat, c.Location(), linter.RuleLegacyKeyValueFormat.Format(c.Name()))
					}
				}
			case *instructions.ArgCommand:
				for _, kv := range c.Args {
					lintSecret("ARG", kv.Key, c.Location(), lint)
				}
			case *instructions.CmdCommand:
				usedOnce(c)
				if c.PrependShell && !shellSet[i] {
					lint.Run(&linter.RuleJSONArgsRecommended, c.Location(), linter.RuleJSONArgsRecommended.Format(c.Name()))
				}
			case *instructions.EntrypointCommand:
				usedOnce(c)
				if c.PrependShell && !shellSet[i] {
					lint.Run(&linter.RuleJSONArgsRecommended, c.Location(), linter.RuleJSONArgsRecommended.Format(c.Name()))
				}
			case *instructions.HealthCheckCommand:
				usedOnce(c)
			case *instructions.ShellCommand:
				shellSet[i] = true
			case *instructions.WorkdirCommand:
				if !workdirSet && !strings.Contains(c.Path, "$") && !strings.HasPrefix(c.Path, "/") {
					lint.Run(&linter.RuleWorkdirRelativePath, c.Location(), linter.RuleWorkdirRelativePath.Format(c.Path))
				}
				workdirSet = true
			case *instructions.ExposeCommand:
				for _, p := range c.Ports {
					lintExpose(p, c.Location(), lint)
				}
			}
		}
	}
	setStage(-1)
}

// lintExpose mirrors BuildKit's port parsing ([ip:][hostPort:]port[/proto])
// for the two EXPOSE rules.
func lintExpose(raw string, loc []parser.Range, lint *linter.Linter) {
	if strings.Contains(raw, "$") {
		return
	}
	parts := strings.Split(raw, ":")
	var ip, hostPort string
	n := len(parts)
	switch {
	case n == 2:
		hostPort = parts[0]
	case n >= 3:
		ip, hostPort = strings.Join(parts[:n-2], ":"), parts[n-2]
	}
	port, proto, _ := strings.Cut(parts[n-1], "/")
	if port == "" {
		return
	}
	switch strings.ToLower(proto) {
	case "", "tcp", "udp", "sctp":
	default:
		return // BuildKit fails the build here; the builder reports it
	}
	if proto != strings.ToLower(proto) {
		lint.Run(&linter.RuleExposeProtoCasing, loc, linter.RuleExposeProtoCasing.Format(raw))
	}
	if ip != "" || hostPort != "" {
		lint.Run(&linter.RuleExposeInvalidFormat, loc, linter.RuleExposeInvalidFormat.Format(raw))
	}
}

// The word lists of BuildKit's SecretsUsedInArgOrEnv rule: a key whose
// underscore-separated first or last word is a secret-ish word, unless it also
// has one of the allowed words.
var (
	secretKey      = regexp.MustCompile(`(?i)(?:_|^)(?:apikey|auth|credential|credentials|key|password|pword|passwd|secret|token)(?:_|$)`)
	secretKeyAllow = regexp.MustCompile(`(?i)(?:_|^)(?:public|file|version)(?:_|$)`)
)

func lintSecret(inst, key string, loc []parser.Range, lint *linter.Linter) {
	if secretKey.MatchString(key) && !secretKeyAllow.MatchString(key) {
		lint.Run(&linter.RuleSecretsUsedInArgOrEnv, loc, linter.RuleSecretsUsedInArgOrEnv.Format(inst, key))
	}
}

// suggestion is BuildKit's "did you mean" search over a sorted list, so that
// ties always resolve the same way.
func suggestion(val string, options []string, caseSensitive bool) string {
	s, _ := suggest.Search(val, options, caseSensitive)
	return s
}

func instructionNames() []string {
	names := make([]string, 0, len(command.Commands))
	for n := range command.Commands {
		names = append(names, strings.ToUpper(n))
	}
	slices.Sort(names)
	return names
}
