package build

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	bkshell "github.com/moby/buildkit/frontend/dockerfile/shell"
	dockerspec "github.com/moby/docker-image-spec/specs-go/v1"
	"github.com/opencontainers/go-digest"

	"github.com/layerlab/layerlab/sim"
	"github.com/layerlab/layerlab/sim/dockerfile"
	"github.com/layerlab/layerlab/sim/image"
	"github.com/layerlab/layerlab/sim/layer"
	"github.com/layerlab/layerlab/sim/shell"
	"github.com/layerlab/layerlab/sim/union"
)

// Options is one docker build.
type Options struct {
	Context    fs.FS             // the build context; nil means an empty one
	Dockerfile string            // its path in Context; default "Dockerfile"
	Source     []byte            // the Dockerfile itself, when it does not come from Context
	Tags       []string          // normalized names ("pageturn:latest")
	Target     string            // --target stage; default the last one
	NoCache    bool              // --no-cache
	BuildArgs  map[string]string // --build-arg
	Cache      *Cache            // the host's build cache; nil disables caching
	Resolve    func(ref string) (*image.Image, error)
	// View returns the merged view of an image's layers. Views never change,
	// so an engine keeps one per image and shares it; building one for a
	// large base on every build is most of a cold build's cost. Nil builds
	// a fresh view each time.
	View     func(*image.Image) *union.FS
	Programs shell.Programs
	Now      func() time.Time
	Sleep    func(time.Duration)
	Emit     sim.Emit
	Builder  string // builder name shown as docker:<name>
	Limits   sim.Limits
	// Budget is the room for stored bytes the build shares with the rest
	// of its session; nil gives the build Limits.SessionBytes of its own.
	Budget *union.Budget
	Meter  *sim.Meter // counts the work of RUN steps; nil counts nowhere
}

// Result is what a build made and printed.
type Result struct {
	Image  *image.Image  // nil when the build failed
	Output string        // the display, as docker build prints it
	plain  func() string // the same build as --progress=plain prints it, made on demand
	Steps  int           // steps run or cached
	Cached int           // steps answered from the cache
}

// Error is a failed build: the message BuildKit prints after "failed to
// solve:" and the Dockerfile line it points at (0 when none).
type Error struct {
	Line int
	Msg  string
}

func (e *Error) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("Dockerfile:%d: %s", e.Line, e.Msg)
	}
	return e.Msg
}

// failure is everything the error block of the display needs.
type failure struct {
	step          string // "[4/5] RUN …" when a step failed
	msg           string
	file          string
	source        []byte
	line, endLine int
}

// stage is the state of one build stage as its instructions run.
type stage struct {
	name    string
	index   int
	layers  []*layer.Layer
	cfg     dockerspec.DockerOCIImage
	key     digest.Digest // cache key of the last filesystem step
	args    []instructions.KeyValuePairOptional
	shell   []string
	total   int // steps shown as [i/total]
	step    int
	fsCache *union.FS
	created time.Time // when the newest layer step ran: metadata steps take this time
}

type builder struct {
	opts    Options
	ctx     context.Context
	stepLog []string // the last RUN's output, until its vertex takes it
	df      *dockerfile.Dockerfile
	dfName  string
	src     []byte
	files   *contextFiles
	stages  []*stage
	prog    *progress
	start   time.Time
	steps   int
	cached  int
	done    int
	lex     *bkshell.Lex

	bases    map[int]*image.Image // the image each stage starts FROM, when it is one
	baseCfg  map[int]dockerspec.DockerOCIImage
	triggers map[int][]dockerfile.Command // ONBUILD triggers each stage runs first

	needContext  bool // a COPY or ADD reads the context
	contextShown bool
}

// Build runs a docker build. It never panics on bad input: every problem is a
// *Error whose text is also at the end of Result.Output.
func Build(ctx context.Context, opts Options) (*Result, error) {
	if opts.Now == nil {
		opts.Now = func() time.Time { return time.Unix(0, 0).UTC() }
	}
	if opts.Sleep == nil {
		opts.Sleep = func(time.Duration) {}
	}
	if opts.Builder == "" {
		opts.Builder = "default"
	}
	if opts.Dockerfile == "" {
		opts.Dockerfile = "Dockerfile"
	}
	if opts.Limits == (sim.Limits{}) {
		opts.Limits = sim.DefaultLimits()
	}
	if opts.Budget == nil {
		opts.Budget = &union.Budget{Left: opts.Limits.SessionBytes, Limit: opts.Limits.SessionBytes}
	}
	b := &builder{opts: opts, ctx: ctx, prog: &progress{builder: opts.Builder}, start: opts.Now(), dfName: path.Base(opts.Dockerfile)}
	img, fail := b.run()
	res := &Result{Image: img, Steps: b.steps, Cached: b.cached}
	took := opts.Now().Sub(b.start)
	if fail != nil {
		res.Output = b.prog.render(took, b.done, fail)
		res.plain = func() string { return b.prog.renderPlain(fail) }
		opts.Emit.Send(sim.EvBuildFailed, sim.BuildFailed{Line: fail.line, Message: fail.msg})
		return res, &Error{Line: fail.line, Msg: fail.msg}
	}
	// A finished build shows every vertex done: the step count includes
	// WORKDIR "/" and other steps that make no vertex, as dockerfile2llb's
	// does, but the header counts the vertices.
	b.prog.total = b.done
	res.Output = b.prog.render(took, b.done, nil)
	res.plain = func() string { return b.prog.renderPlain(nil) }
	return res, nil
}

func (b *builder) fail(msg string, line, end int) *failure {
	return &failure{msg: msg, file: b.dfName, source: b.src, line: line, endLine: end}
}

func (b *builder) run() (*image.Image, *failure) {
	// [internal] load build definition
	v := b.prog.add("[internal] load build definition from " + b.dfName)
	src := b.opts.Source
	if src == nil {
		data, err := readContextFile(b.opts.Context, b.opts.Dockerfile, b.opts.Limits)
		if err != nil {
			v.failed = true
			b.prog.total = 1
			return nil, &failure{msg: fmt.Sprintf("failed to read dockerfile: open %s: no such file or directory", b.opts.Dockerfile)}
		}
		src = data
	}
	b.src = src
	v.subs = append(v.subs, "transferring dockerfile: "+byteCount(int64(len(src))))
	b.done++
	df, err := dockerfile.ParseWith(src, dockerfile.Options{BuildArgs: b.opts.BuildArgs, Target: b.opts.Target})
	if err != nil {
		v.failed = true
		b.prog.total = b.done
		var pe *dockerfile.Error
		if errors.As(err, &pe) {
			return nil, b.fail(pe.BuildKit(), pe.Line, pe.Line)
		}
		return nil, &failure{msg: err.Error()}
	}
	b.df = df
	escape := df.Escape
	if escape == 0 {
		escape = '\\'
	}
	b.lex = bkshell.NewLex(escape)
	if len(df.Stages) > b.opts.Limits.BuildSteps {
		return nil, &failure{msg: sim.LimitError("too many build stages", b.opts.Limits.BuildSteps).Error()}
	}

	target, f := b.target()
	if f != nil {
		return nil, f
	}
	needed := b.reachable(target)

	// BuildKit's linter runs while the frontend converts the stages it
	// builds, so warnings of a stage that is not built never show. They are
	// listed as WARN vertices, then again after the build.
	var warnings []dockerfile.Warning
	for _, w := range df.Warnings {
		if w.Stage < 0 || needed[w.Stage] {
			warnings = append(warnings, w)
			b.prog.add("WARN: " + w.String())
			b.prog.warnings = append(b.prog.warnings, w.String())
		}
	}
	if err := df.Check.Violation(warnings); err != nil {
		b.prog.total = b.done
		return nil, &failure{msg: err.Error()}
	}

	// [internal] load metadata for every base image the needed stages use:
	// BuildKit resolves them all before it runs a step, so an unknown image
	// fails here, and ONBUILD triggers are known before steps are counted.
	b.bases = map[int]*image.Image{}
	b.baseCfg = map[int]dockerspec.DockerOCIImage{}
	shown := map[string]bool{}
	for i, st := range df.Stages {
		if !needed[i] || b.isStage(st.BaseName, i) || st.BaseName == "scratch" {
			continue
		}
		var v *vertex
		if !shown[st.BaseName] {
			shown[st.BaseName] = true
			v = b.prog.add("[internal] load metadata for " + st.BaseName)
		}
		img, err := b.resolve(st.BaseName)
		if err != nil {
			if v != nil {
				v.failed = true
			}
			b.prog.total = b.done + 1
			f := b.fail(err.Error(), st.Line, st.Line)
			f.step = "[internal] load metadata for " + st.BaseName
			return nil, f
		}
		b.bases[i] = img
		b.baseCfg[i] = img.Config()
		if v != nil {
			b.done++
		}
	}
	if f := b.loadTriggers(needed); f != nil {
		return nil, f
	}
	v = b.prog.add("[internal] load .dockerignore")
	v.subs = append(v.subs, "transferring context: 2B")
	b.done++
	files, err := loadContext(b.opts.Context, b.opts.Limits)
	if err != nil {
		return nil, &failure{msg: err.Error()}
	}
	b.files = files
	b.prog.total = b.done + b.countSteps(needed) + 1
	b.needContext = b.usesContext(needed)
	if b.needContext {
		b.prog.total++
	}

	var last *stage
	for i, st := range df.Stages {
		if !needed[i] {
			b.stages = append(b.stages, nil)
			continue
		}
		s, f := b.runStage(i, st)
		if f != nil {
			return nil, f
		}
		b.stages = append(b.stages, s)
		last = s
		if i == target {
			break
		}
	}
	if last == nil {
		return nil, &failure{msg: "no build stage in current context"}
	}
	return b.export(last)
}

// target is the index of the stage to build: --target or the last one.
func (b *builder) target() (int, *failure) {
	if b.opts.Target == "" {
		return len(b.df.Stages) - 1, nil
	}
	for i, st := range b.df.Stages {
		if strings.EqualFold(st.Name, b.opts.Target) {
			return i, nil
		}
	}
	return 0, &failure{msg: fmt.Sprintf("target stage %q could not be found", b.opts.Target)}
}

// reachable marks the stages the target depends on: BuildKit skips the rest.
func (b *builder) reachable(target int) map[int]bool {
	need := map[int]bool{}
	var visit func(i int)
	visit = func(i int) {
		if need[i] {
			return
		}
		need[i] = true
		st := b.df.Stages[i]
		if j, ok := b.stageIndex(st.BaseName, i); ok {
			visit(j)
		}
		for _, c := range st.Commands {
			if cp, ok := c.Inst.(*instructions.CopyCommand); ok && cp.From != "" {
				if j, ok := b.stageIndex(cp.From, i); ok {
					visit(j)
				}
			}
		}
	}
	visit(target)
	return need
}

// stageIndex finds a stage named name (or given by its number) before stage
// before.
func (b *builder) stageIndex(name string, before int) (int, bool) {
	if n, err := strconv.Atoi(name); err == nil && n >= 0 && n < before {
		return n, true
	}
	for j := 0; j < before && j < len(b.df.Stages); j++ {
		if b.df.Stages[j].Name != "" && strings.EqualFold(b.df.Stages[j].Name, name) {
			return j, true
		}
	}
	return 0, false
}

func (b *builder) isStage(name string, before int) bool {
	_, ok := b.stageIndex(name, before)
	return ok
}

func (b *builder) countSteps(needed map[int]bool) int {
	n := 0
	for i, st := range b.df.Stages {
		if needed[i] {
			n += b.stageTotal(i, st)
		}
	}
	return n
}

// stageTotal counts the steps dockerfile2llb numbers: FROM of an image, then
// every ADD, COPY, RUN and WORKDIR.
func (b *builder) stageTotal(i int, st dockerfile.Stage) int {
	total := 0
	if st.BaseName != "scratch" && !b.isStage(st.BaseName, i) {
		total = 1
	}
	for _, c := range b.commands(i, st) {
		switch c.Inst.(type) {
		case *instructions.AddCommand, *instructions.CopyCommand, *instructions.RunCommand, *instructions.WorkdirCommand:
			total++
		}
	}
	return total
}

// commands are a stage's instructions, after the ONBUILD triggers of its
// base, which BuildKit puts first.
func (b *builder) commands(i int, st dockerfile.Stage) []dockerfile.Command {
	if t := b.triggers[i]; len(t) > 0 {
		return append(slices.Clone(t), st.Commands...)
	}
	return st.Commands
}

// view is the merged view of an image, shared when the caller keeps views.
func (b *builder) view(img *image.Image) *union.FS {
	if b.opts.View != nil {
		if v := b.opts.View(img); v != nil && len(v.Layers()) == len(img.Layers()) {
			return v
		}
	}
	return union.New(img.Layers()...)
}

func (b *builder) resolve(ref string) (*image.Image, error) {
	if b.opts.Resolve == nil {
		return nil, fmt.Errorf("%s: not found", ref)
	}
	return b.opts.Resolve(ref)
}

// loadTriggers parses the ONBUILD triggers of each needed stage's base: the
// image's OnBuild list, or the ONBUILD instructions of a base stage. Like
// BuildKit, each trigger is located at the stage's FROM line.
func (b *builder) loadTriggers(needed map[int]bool) *failure {
	b.triggers = map[int][]dockerfile.Command{}
	for i, st := range b.df.Stages {
		if !needed[i] {
			continue
		}
		var exprs []string
		if img := b.bases[i]; img != nil {
			exprs = b.baseCfg[i].Config.OnBuild
		} else if j, ok := b.stageIndex(st.BaseName, i); ok {
			for _, c := range b.df.Stages[j].Commands {
				if ob, ok := c.Inst.(*instructions.OnbuildCommand); ok {
					exprs = append(exprs, ob.Expression)
				}
			}
		}
		for _, e := range exprs {
			df, err := dockerfile.Parse([]byte("FROM scratch\n" + e + "\n"))
			if err != nil || len(df.Stages) != 1 || len(df.Stages[0].Commands) != 1 {
				return b.fail(fmt.Sprintf("onbuild trigger %q: should be a single valid instruction", e), st.Line, st.Line)
			}
			c := df.Stages[0].Commands[0]
			c.StartLine, c.EndLine = st.Line, st.Line
			c.Code = "ONBUILD " + c.Code
			b.triggers[i] = append(b.triggers[i], c)
		}
	}
	return nil
}

func (b *builder) usesContext(needed map[int]bool) bool {
	for i, st := range b.df.Stages {
		if !needed[i] {
			continue
		}
		for _, c := range b.commands(i, st) {
			switch c := c.Inst.(type) {
			case *instructions.CopyCommand:
				if c.From == "" && len(c.SourcePaths) > 0 {
					return true
				}
			case *instructions.AddCommand:
				if len(c.SourcePaths) > 0 {
					return true
				}
			}
		}
	}
	return false
}

// prefix is how a step is named in the display: [stage i/total].
func (s *stage) prefix(multi bool) string {
	s.step++
	name := ""
	if multi {
		name = s.name + " "
	}
	width := len(strconv.Itoa(s.total))
	return fmt.Sprintf("[%s%*d/%d] ", name, width, s.step, s.total)
}

func (b *builder) multiStage() bool { return len(b.df.Stages) > 1 }

// showContext adds the "load build context" vertex once, where BuildKit's
// display puts it: after the first FROM.
func (b *builder) showContext() {
	if !b.needContext || b.contextShown {
		return
	}
	b.contextShown = true
	v := b.prog.add("[internal] load build context")
	v.subs = append(v.subs, "transferring context: "+byteCount(b.files.size()))
	b.done++
}
