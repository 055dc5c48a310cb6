package lessons

import (
	"context"
	"fmt"
	"strings"

	"github.com/layerlab/layerlab/sim"
	"github.com/layerlab/layerlab/sim/docker"
	"github.com/layerlab/layerlab/sim/engine"
)

// Checker proves lessons can be completed.
type Checker struct {
	Library *engine.Library
	// KnownQuiz says whether a quiz id exists; nil accepts every id.
	KnownQuiz func(id string) bool
}

// Check replays a lesson from its start state, step by step: each goal must
// be unmet before its step's solution and met after it. The state before
// step n is the start state plus the solutions of steps 0…n-1, exactly what
// the player's "reset step" rebuilds.
func (ck Checker) Check(ctx context.Context, l *Lesson) []Problem {
	var probs []Problem
	at := func(line int, format string, args ...any) {
		probs = append(probs, Problem{File: l.File, Line: line, Msg: fmt.Sprintf(format, args...)})
	}
	if ck.KnownQuiz != nil {
		if l.Quiz != "" && !ck.KnownQuiz(l.Quiz) {
			at(l.QuizLine, "unknown quiz id %q", l.Quiz)
		}
	}
	for i, s := range l.Steps {
		if s.Kind != Challenge {
			continue
		}
		// A challenge the learner can copy teaches nothing: its text
		// shows the goal, never the commands.
		if strings.Contains(s.Narrative, "```console") {
			at(s.Line, "challenge step %d (%s) prints commands in a ```console block; a challenge shows only its goal", i+1, s.Title)
		}
		for _, a := range s.Solution {
			if a.Command != "" && strings.Contains(strings.Join(strings.Fields(s.Narrative), " "), strings.Join(strings.Fields(a.Command), " ")) {
				at(s.Line, "challenge step %d (%s) prints its own solution %q; a challenge shows only its goal", i+1, s.Title, a.Command)
			}
		}
	}
	var events []sim.Event
	eng := engine.New(engine.Config{
		Seed: 1, Library: ck.Library,
		Emit: func(ev sim.Event) { events = append(events, ev) },
	})
	p, err := NewPlay(ctx, l, docker.NewConsole(eng, sim.Limits{}))
	if err != nil {
		at(l.Start.Line, "%v", err)
		return probs
	}
	for i, s := range l.Steps {
		if s.Kind == Predict {
			res := p.Do(ctx, Action{Command: s.Command})
			if res.Exit != 0 {
				at(s.GoalLine, "predict step %d (%s): %q fails (exit %d): %s", i+1, s.Title, s.Command, res.Exit, firstLine(strings.TrimSpace(res.Output)))
				return probs
			}
			if ok, _ := s.Grade(res.Output, s.rightAnswer()); !ok {
				at(s.GoalLine, "predict step %d (%s): the right answer is not what the simulator prints for %q:\n%s", i+1, s.Title, s.Command, res.Output)
			}
			if n := s.matching(res.Output); len(s.Choices) > 0 && n != 1 {
				at(s.GoalLine, "predict step %d (%s): %d choices match what the simulator prints, want exactly 1", i+1, s.Title, n)
			}
			p.Advance()
			if !p.Done[i] {
				at(s.GoalLine, "predict step %d (%s) is not done after its command runs", i+1, s.Title)
				return probs
			}
			continue
		}
		if s.goal == nil {
			return probs // Parse reported it
		}
		if ok, _ := s.goal.Met(p.Env()); ok {
			at(s.GoalLine, "goal of step %d (%s) is already met before its solution: %s", i+1, s.Title, s.Goal)
		}
		var last string
		for _, a := range s.Solution {
			events = events[:0]
			res := p.Do(ctx, a)
			p.Observe(events)
			if a.Command != "" {
				last = fmt.Sprintf("; the last command, %q, printed: %s", a.Command, firstLine(strings.TrimSpace(res.Output)))
			}
		}
		ok, err := s.goal.Met(p.Env())
		if err != nil {
			at(s.GoalLine, "goal of step %d (%s) cannot be evaluated after its solution: %v", i+1, s.Title, err)
			return probs
		}
		if !ok {
			at(s.GoalLine, "goal of step %d (%s) is not met after its solution%s", i+1, s.Title, last)
			return probs // later steps build on this one
		}
		p.Done[i] = true
	}
	return probs
}
