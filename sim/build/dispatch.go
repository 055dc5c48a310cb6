package build

import (
	"errors"
	"fmt"
	"path"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	bkshell "github.com/moby/buildkit/frontend/dockerfile/shell"
	dockerspec "github.com/moby/docker-image-spec/specs-go/v1"
	"github.com/opencontainers/go-digest"

	"github.com/layerlab/layerlab/sim"
	"github.com/layerlab/layerlab/sim/dockerfile"
	"github.com/layerlab/layerlab/sim/union"
)

func (b *builder) dispatch(s *stage, c dockerfile.Command, multi bool) *failure {
	env := s.env(b.opts.BuildArgs)
	expanded, _, err := c.Expand(envMap(env))
	if err != nil {
		msg := err.Error()
		var de *dockerfile.Error
		if errors.As(err, &de) {
			msg = de.BuildKit()
		}
		return b.fail(msg, c.StartLine, c.EndLine)
	}
	now := s.created
	switch inst := expanded.(type) {
	case *instructions.EnvCommand:
		msg := "ENV"
		for _, kv := range inst.Env {
			s.cfg.Config.Env = setEnv(s.cfg.Config.Env, kv.Key, kv.Value)
			msg += " " + kv.Key + "=" + kv.Value
		}
		b.history(s, msg, false, now)
	case *instructions.ArgCommand:
		var parts []string
		getter := bkshell.EnvsFromSlice(env)
		global := b.df.GlobalArgs()
		for _, a := range inst.Args {
			if g, ok := global[a.Key]; ok && a.Value == nil {
				a.Value = &g
			}
			if a.Value != nil {
				v, _, err := b.lex.ProcessWord(*a.Value, getter)
				if err != nil {
					return b.fail(err.Error(), c.StartLine, c.EndLine)
				}
				a.Value = &v
			}
			s.args = append(s.args, a)
			val, ok := b.opts.BuildArgs[a.Key]
			if !ok {
				val = a.ValueString()
			}
			parts = append(parts, a.Key+"="+val)
		}
		b.history(s, "ARG "+strings.Join(parts, " "), false, now)
	case *instructions.LabelCommand:
		msg := "LABEL"
		if s.cfg.Config.Labels == nil {
			s.cfg.Config.Labels = map[string]string{}
		}
		for _, kv := range inst.Labels {
			s.cfg.Config.Labels[kv.Key] = kv.Value
			msg += " " + kv.Key + "=" + kv.Value
		}
		b.history(s, msg, false, now)
	case *instructions.MaintainerCommand:
		s.cfg.Author = inst.Maintainer
		b.history(s, "MAINTAINER "+inst.Maintainer, false, now)
	case *instructions.ExposeCommand:
		if s.cfg.Config.ExposedPorts == nil {
			s.cfg.Config.ExposedPorts = map[string]struct{}{}
		}
		var ports []string
		for _, p := range inst.Ports {
			w, _, err := b.lex.ProcessWord(p, bkshell.EnvsFromSlice(env))
			if err != nil {
				return b.fail(err.Error(), c.StartLine, c.EndLine)
			}
			for _, p := range strings.Fields(w) {
				if !strings.Contains(p, "/") {
					p += "/tcp"
				}
				num, _, _ := strings.Cut(p, "/")
				if n, err := strconv.Atoi(num); err != nil || n < 1 || n > 65535 {
					return b.fail(fmt.Sprintf("invalid containerPort: %s", num), c.StartLine, c.EndLine)
				}
				s.cfg.Config.ExposedPorts[p] = struct{}{}
				ports = append(ports, p)
			}
		}
		sort.Strings(ports)
		b.history(s, "EXPOSE map["+exposeList(ports)+"]", false, now)
	case *instructions.CmdCommand:
		args := b.commandLine(s, inst.ShellDependantCmdLine)
		s.cfg.Config.Cmd = args
		b.history(s, fmt.Sprintf("CMD %q", args), false, now)
	case *instructions.EntrypointCommand:
		args := b.commandLine(s, inst.ShellDependantCmdLine)
		s.cfg.Config.Entrypoint = args
		// Like Docker, a new ENTRYPOINT resets a CMD inherited from the base.
		s.cfg.Config.Cmd = nil
		b.history(s, fmt.Sprintf("ENTRYPOINT %q", args), false, now)
	case *instructions.UserCommand:
		s.cfg.Config.User = inst.User
		b.history(s, "USER "+inst.User, false, now)
	case *instructions.VolumeCommand:
		if s.cfg.Config.Volumes == nil {
			s.cfg.Config.Volumes = map[string]struct{}{}
		}
		for _, v := range inst.Volumes {
			if strings.TrimSpace(v) == "" {
				return b.fail("VOLUME specified can not be an empty string", c.StartLine, c.EndLine)
			}
			s.cfg.Config.Volumes[v] = struct{}{}
		}
		b.history(s, fmt.Sprintf("VOLUME %v", inst.Volumes), false, now)
	case *instructions.StopSignalCommand:
		s.cfg.Config.StopSignal = inst.Signal
		b.history(s, "STOPSIGNAL "+inst.Signal, false, now)
	case *instructions.ShellCommand:
		s.shell = append([]string(nil), inst.Shell...)
		s.cfg.Config.Shell = append([]string(nil), inst.Shell...)
		b.history(s, fmt.Sprintf("SHELL %v", inst.Shell), false, now)
	case *instructions.HealthCheckCommand:
		hc := dockerspec.HealthcheckConfig{
			Test: slices.Clone(inst.Health.Test), Interval: inst.Health.Interval, Timeout: inst.Health.Timeout,
			StartPeriod: inst.Health.StartPeriod, StartInterval: inst.Health.StartInterval, Retries: inst.Health.Retries,
		}
		s.cfg.Config.Healthcheck = &hc
		// dispatchHealthcheck prints the stored config with %+v.
		b.history(s, fmt.Sprintf("HEALTHCHECK %+v", hc), false, now)
	case *instructions.OnbuildCommand:
		// dispatchOnbuild only records the trigger: no history entry.
		s.cfg.Config.OnBuild = append(slices.Clone(s.cfg.Config.OnBuild), inst.Expression)
	case *instructions.WorkdirCommand:
		return b.workdir(s, c, inst, multi)
	case *instructions.RunCommand:
		return b.runStep(s, c, inst, multi, env)
	case *instructions.CopyCommand:
		return b.copyStep(s, c, copySpec{
			name: "COPY", sd: inst.SourcesAndDest, from: inst.From, chown: inst.Chown, chmod: inst.Chmod,
			link: inst.Link, parents: inst.Parents, exclude: inst.ExcludePatterns,
		}, multi)
	case *instructions.AddCommand:
		return b.copyStep(s, c, copySpec{
			name: "ADD", sd: inst.SourcesAndDest, chown: inst.Chown, chmod: inst.Chmod,
			link: inst.Link, exclude: inst.ExcludePatterns, add: true,
		}, multi)
	default:
		return b.fail(fmt.Sprintf("%s is not supported by this simulator", c.Name), c.StartLine, c.EndLine)
	}
	return nil
}

// displayName is how a step is named in the progress display: its code with
// the stage's ENV and ARG values substituted and the instruction upper-cased,
// as dockerfile2llb's processCmdEnv and uppercaseCmd make it. RUN keeps its
// quotes and escapes and leaves unset variables alone (raw); COPY, ADD and
// WORKDIR go through the plain lexer, which drops quotes.
func (b *builder) displayName(code string, env []string, raw bool) string {
	lex := *b.lex
	lex.RawQuotes, lex.RawEscapes, lex.SkipUnsetEnv = raw, raw, raw
	w, _, err := lex.ProcessWord(code, bkshell.EnvsFromSlice(env))
	if err != nil {
		w = code
	}
	first, rest, ok := strings.Cut(w, " ")
	if !ok {
		return strings.ToUpper(first)
	}
	return strings.ToUpper(first) + " " + rest
}

func exposeList(ports []string) string {
	parts := make([]string, len(ports))
	for i, p := range ports {
		parts[i] = p + ":{}"
	}
	return strings.Join(parts, " ")
}

// commandLine turns shell form into the stage's SHELL plus the line, as
// Docker stores CMD, ENTRYPOINT and RUN.
func (b *builder) commandLine(s *stage, c instructions.ShellDependantCmdLine) []string {
	if c.PrependShell {
		line := strings.Join(c.CmdLine, " ")
		if len(c.Files) > 0 {
			line = c.Files[0].Data
		}
		return append(append([]string(nil), s.shell...), line)
	}
	return append([]string(nil), c.CmdLine...)
}

func (b *builder) workdir(s *stage, c dockerfile.Command, inst *instructions.WorkdirCommand, multi bool) *failure {
	wd := inst.Path
	if !path.IsAbs(wd) {
		base := s.cfg.Config.WorkingDir
		if base == "" {
			base = "/"
		}
		wd = path.Join(base, wd)
	}
	wd = path.Clean(wd)
	s.cfg.Config.WorkingDir = wd
	text := "WORKDIR " + wd
	if wd == "/" {
		b.history(s, text, false, s.created)
		return nil
	}
	name := s.prefix(multi) + b.displayName(c.Code, s.env(b.opts.BuildArgs), false)
	uid, gid, err := b.user(s, s.cfg.Config.User)
	if err != nil {
		return b.stepFailed(s, name, c, err.Error())
	}
	key := keyOf(s.key, "workdir", wd, strconv.Itoa(uid), strconv.Itoa(gid))
	return b.fsStep(s, c, name, text, key, func(ov *union.Overlay) error {
		return mkdirAllOwned(ov, wd, uid, gid)
	})
}

// fsStep runs one filesystem step, or answers it from the cache.
func (b *builder) fsStep(s *stage, c dockerfile.Command, name, history string, k digest.Digest, do func(*union.Overlay) error) *failure {
	v := b.prog.add(name)
	b.steps++
	display := strings.TrimSpace(strings.TrimPrefix(name, name[:strings.Index(name, "] ")+2]))
	b.opts.Emit.Send(sim.EvStepStarted, sim.StepStarted{Stage: s.name, Index: s.step, Total: s.total, Text: display, Line: c.StartLine})
	if !b.opts.NoCache {
		if hit, ok := b.opts.Cache.get(k); ok {
			v.cached = true
			b.cached++
			b.done++
			diff := ""
			if hit.layer != nil {
				diff = hit.layer.DiffID().String()
			}
			b.opts.Emit.Send(sim.EvStepCached, sim.StepCached{Stage: s.name, Index: s.step, Text: display, Line: c.StartLine, DiffID: diff})
			return b.apply(s, c, display, history, k, hit.layer, hit.created, nil)
		}
	}
	started := b.opts.Now()
	ov := union.NewOverlay(s.lower(), union.Hooks{})
	ov.SetQuota(union.Quota{FileBytes: b.opts.Limits.FileBytes, Entries: b.opts.Limits.LayerEntries, Session: b.opts.Budget})
	if err := do(ov); err != nil {
		v.failed = true
		v.took = b.opts.Now().Sub(started)
		return b.stepFailedMsg(s, name, c, err)
	}
	v.took = b.opts.Now().Sub(started)
	v.log, b.stepLog = b.stepLog, nil
	b.done++
	return b.commit(s, c, display, history, k, ov, started)
}

func (b *builder) stepFailed(s *stage, name string, c dockerfile.Command, msg string) *failure {
	v := b.prog.add(name)
	v.failed = true
	f := b.fail(msg, c.StartLine, c.EndLine)
	return f
}

// stepFailedMsg builds the failure of a step that ran.
func (b *builder) stepFailedMsg(s *stage, name string, c dockerfile.Command, err error) *failure {
	f := b.fail(err.Error(), c.StartLine, c.EndLine)
	if se, ok := err.(*stepError); ok {
		f.step = name
		b.prog.log = se.log
		f.msg = se.msg
	}
	return f
}

// stepError is a step that ran and failed, with the output it printed.
type stepError struct {
	msg string
	log []string
}

func (e *stepError) Error() string { return e.msg }

// user resolves USER for a step against the stage's /etc/passwd and
// /etc/group, as runc does when it starts the step's process.
func (b *builder) user(s *stage, spec string) (uid, gid int, err error) {
	if spec == "" {
		return 0, 0, nil
	}
	return LookupUser(s.lower(), spec)
}
