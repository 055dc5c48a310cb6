package lessons

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"testing/fstest"

	"github.com/layerlab/layerlab/sim"
	"github.com/layerlab/layerlab/sim/docker"
)

// Play is a lesson being played on one console: which steps are done, the
// build context as the learner has edited it, and what the last build did.
// The checker and the web player both drive lessons through it, so a goal
// the checker proves reachable is judged the same way in the browser.
type Play struct {
	Lesson  *Lesson
	Console *docker.Console
	Files   map[string]string // the build context now
	Facts   BuildFacts
	Done    []bool
	// Took is how many commands each step took, counted from when it
	// became the current step; Count is the current step's so far.
	Took  []int
	Count int
	// revealed marks predict steps whose command ran while they were
	// current.
	revealed []bool
}

// NewPlay puts the console's engine in the lesson's start state: base
// images pulled, the build context written, start commands run.
func NewPlay(ctx context.Context, l *Lesson, c *docker.Console) (*Play, error) {
	p := &Play{Lesson: l, Console: c, Files: map[string]string{}, Done: make([]bool, len(l.Steps)),
		Took: make([]int, len(l.Steps)), revealed: make([]bool, len(l.Steps))}
	for k, v := range l.Start.Files {
		p.Files[k] = v
	}
	if err := c.Engine().Preload(l.Start.Images...); err != nil {
		return nil, fmt.Errorf("start.images: %w", err)
	}
	p.syncContext()
	for _, line := range l.Start.Commands {
		if res := c.Run(ctx, line); res.Exit != 0 {
			return nil, fmt.Errorf("start command %q failed (exit %d): %s", line, res.Exit, firstLine(strings.TrimSpace(res.Output)))
		}
	}
	return p, nil
}

// syncContext hands the engine a fresh copy of the build context: the
// engine may keep the FS it was given, so it is never changed afterwards.
func (p *Play) syncContext() {
	files := fstest.MapFS{}
	for name, body := range p.Files {
		files[name] = &fstest.MapFile{Data: []byte(body), Mode: 0o644}
	}
	p.Console.Engine().SetContext(files)
}

// Do carries out one action: a console line, or a build-context edit.
func (p *Play) Do(ctx context.Context, a Action) docker.Result {
	if a.Command != "" {
		p.Ran(a.Command)
		return p.Console.Run(ctx, a.Command)
	}
	if a.Delete {
		delete(p.Files, a.File)
	} else {
		p.Files[a.File] = a.Content
	}
	p.syncContext()
	return docker.Result{}
}

// Ran records a console line the learner ran: it counts against the
// current step's par, and running a predict step's command is its reveal.
func (p *Play) Ran(line string) {
	p.Count++
	i := p.Current()
	if i < len(p.Done) {
		if st := &p.Lesson.Steps[i]; st.Kind == Predict && strings.Join(strings.Fields(line), " ") == strings.Join(strings.Fields(st.Command), " ") {
			p.revealed[i] = true
		}
	}
}

// Adopt takes q's progress: which steps are done, how many commands each
// took, the reveals, the facts of the last build. A player that replays a
// log on a scratch console hands its findings over this way.
func (p *Play) Adopt(q *Play) {
	p.Done, p.Facts, p.Took, p.Count, p.revealed = q.Done, q.Facts, q.Took, q.Count, q.revealed
}

// Observe takes the events one command emitted.
func (p *Play) Observe(events []sim.Event) { p.Facts.Observe(events) }

// Env is the goal vocabulary over the current state.
func (p *Play) Env() Env { return NewEnv(p.Console.Engine(), p.Facts) }

// Current is the first step not done, len(Steps) when all are.
func (p *Play) Current() int {
	for i, d := range p.Done {
		if !d {
			return i
		}
	}
	return len(p.Done)
}

// Complete reports whether every step is done.
func (p *Play) Complete() bool { return p.Current() == len(p.Done) }

// SkipTo marks the steps before n done without checking them: the learner
// asked to start at step n (reset step, resume), whose state the caller
// builds by running the earlier steps' solutions.
func (p *Play) SkipTo(n int) {
	for i := 0; i < n && i < len(p.Done); i++ {
		p.Done[i] = true
	}
}

// Advance completes the current step while its goal is met, and returns
// the steps it completed. A learner who ran ahead may finish several.
func (p *Play) Advance() []int {
	var done []int
	env := p.Env()
	for i := p.Current(); i < len(p.Done); i = p.Current() {
		st := &p.Lesson.Steps[i]
		if st.Kind == Predict {
			if !p.revealed[i] {
				break
			}
		} else if st.goal == nil {
			break
		} else if ok, _ := st.goal.Met(env); !ok {
			break
		}
		p.Done[i] = true
		p.Took[i], p.Count = p.Count, 0
		done = append(done, i)
	}
	return done
}

// FileNames lists the build context, sorted.
func (p *Play) FileNames() []string {
	names := make([]string, 0, len(p.Files))
	for n := range p.Files {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}
