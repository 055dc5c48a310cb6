package quizzes

import (
	"context"
	"errors"
	"fmt"
	iofs "io/fs"
	"sort"
	"strings"
	"testing/fstest"

	"github.com/layerlab/layerlab/sim"
	"github.com/layerlab/layerlab/sim/docker"
	"github.com/layerlab/layerlab/sim/engine"
)

// predictSeed is the seed every predict question runs with, so IDs and
// names in the expected output are the same on every run.
const predictSeed = 1

// Run runs a predict question's setup in a fresh simulated session and
// returns what its command prints. A setup line that fails is an error: a
// question must not rest on a broken scenario.
func (qu *Question) Run(ctx context.Context, lib *engine.Library) (string, error) {
	if qu.Type != Predict {
		return "", fmt.Errorf("question %q is not a predict question", qu.ID)
	}
	files := fstest.MapFS{}
	for name, body := range qu.Context {
		files[strings.TrimPrefix(name, "/")] = &fstest.MapFile{Data: []byte(body), Mode: 0o644}
	}
	limits := sim.DefaultLimits()
	con := docker.NewConsole(engine.New(engine.Config{Seed: predictSeed, Library: lib, Context: files, Limits: limits}), limits)
	if err := con.Engine().Preload(qu.Bases...); err != nil {
		return "", fmt.Errorf("question %q: %w", qu.ID, err)
	}
	for i, line := range qu.Setup {
		if res := con.Run(ctx, line); res.Exit != 0 {
			return "", fmt.Errorf("question %q: setup line %d %q failed (exit %d): %s", qu.ID, i+1, line, res.Exit, strings.TrimSpace(res.Output))
		}
	}
	return con.Run(ctx, qu.Command).Output, nil
}

func (qu *Question) prepared() bool { return qu.expected != "" || qu.Type != Predict }

// Expected is the simulator's output for a prepared predict question.
func (qu *Question) Expected() string { return qu.expected }

// Prepare runs every predict question once and keeps what the simulator
// printed, which is then the right answer. It proves each question can be
// answered: when choices are given exactly one must match the output, and
// the one marked correct (if any) must be it. Call it before serving.
func (s *Set) Prepare(ctx context.Context, lib *engine.Library) error {
	var errs []error
	for _, id := range s.order {
		q := s.byID[id]
		for i := range q.Questions {
			qu := &q.Questions[i]
			if qu.Type != Predict {
				continue
			}
			if err := qu.prepare(ctx, lib); err != nil {
				errs = append(errs, fmt.Errorf("%s:%d: %w", q.File, qu.Line, err))
			}
		}
	}
	return errors.Join(errs...)
}

func (qu *Question) prepare(ctx context.Context, lib *engine.Library) error {
	out, err := qu.Run(ctx, lib)
	if err != nil {
		return err
	}
	if Normalize(out) == "" {
		return fmt.Errorf("question %q: %q prints nothing; ask about a command with output", qu.ID, qu.Command)
	}
	if len(qu.Choices) > 0 {
		var match []int
		for i, c := range qu.Choices {
			if qu.sameOutput(c.Text, out) {
				match = append(match, i)
			}
			if c.Correct && !qu.sameOutput(c.Text, out) {
				return fmt.Errorf("question %q: choice %s is marked correct but the simulator prints:\n%s", qu.ID, ChoiceID(i), out)
			}
		}
		if len(match) != 1 {
			return fmt.Errorf("question %q: %d choices match what the simulator prints, want exactly 1; it prints:\n%s", qu.ID, len(match), out)
		}
	}
	qu.expected = out
	return nil
}

// Check loads every quiz in fsys and runs its predict questions, reporting
// every problem with file:line. `layerlab lessons check` calls it.
func Check(ctx context.Context, fsys iofs.FS, lib *engine.Library) (*Set, error) {
	set, err := Load(fsys)
	if set == nil {
		return nil, err
	}
	return set, errors.Join(err, set.Prepare(ctx, lib))
}

// IDs lists the ids of the loaded quizzes, sorted.
func (s *Set) IDs() []string {
	ids := append([]string(nil), s.order...)
	sort.Strings(ids)
	return ids
}
