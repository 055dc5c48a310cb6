package lessons

import (
	"fmt"
	"io/fs"
	"path"
	"reflect"
	"regexp"
	"sort"
	"strings"
)

// A translation of a lesson is a file of the same name in a directory named
// after its language (es/01-images-and-containers.md). It changes the
// prose only: title, summary, objectives, introduction, step titles,
// narratives, hints and predict feedback. Everything the simulator or the
// grading reads (the id, order, quiz, start state, each step's kind, goal,
// solution, command, par and the outputs to predict) must be the English
// original's, and CompareTranslation says where it is not. A lesson with
// no translation is served in English.

var localeDir = regexp.MustCompile(`^[a-z]{2}(-[a-z0-9]{2,8})?$`)

// Locales lists the translation directories of fsys (es, de, …), sorted.
func Locales(fsys fs.FS) []string {
	entries, err := fs.ReadDir(fsys, ".")
	if err != nil {
		return nil
	}
	var out []string
	for _, e := range entries {
		if e.IsDir() && localeDir.MatchString(e.Name()) {
			out = append(out, e.Name())
		}
	}
	sort.Strings(out)
	return out
}

// LoadTranslation reads the lessons in directory lang of fsys and checks
// each against its original in base (matched by file name). It returns the
// course in that language: base with every good translation in place of
// its original, in base's order. A translation with problems is left out
// (its original is served) and its problems returned.
func LoadTranslation(fsys fs.FS, lang string, base *Course) (*Course, []Problem) {
	sub, err := fs.Sub(fsys, lang)
	if err != nil {
		return base, []Problem{{File: lang, Msg: err.Error()}}
	}
	tr, probs := Load(sub)
	for i := range probs {
		probs[i].File = path.Join(lang, probs[i].File)
	}
	byFile := map[string]*Lesson{}
	for _, l := range base.Lessons {
		byFile[l.File] = l
	}
	out := &Course{byID: map[string]*Lesson{}}
	translated := map[string]*Lesson{}
	for _, t := range tr.Lessons {
		t.File = path.Join(lang, t.File)
		orig, ok := byFile[path.Base(t.File)]
		if !ok {
			probs = append(probs, Problem{File: t.File, Line: 1, Msg: "no English lesson of this file name: a translation has the same file name as its original"})
			continue
		}
		if ps := CompareTranslation(orig, t); len(ps) > 0 {
			probs = append(probs, ps...)
			continue
		}
		translated[orig.ID] = t
	}
	for _, l := range base.Lessons {
		if t, ok := translated[l.ID]; ok {
			l = t
		}
		out.Lessons = append(out.Lessons, l)
		out.byID[l.ID] = l
	}
	return out, probs
}

// CompareTranslation lists where translation t changes more than the
// prose of orig.
func CompareTranslation(orig, t *Lesson) []Problem {
	var probs []Problem
	at := func(line int, format string, args ...any) {
		probs = append(probs, Problem{File: t.File, Line: line, Msg: fmt.Sprintf(format, args...)})
	}
	same := func(a, b any) bool { return reflect.DeepEqual(a, b) }
	if t.ID != orig.ID {
		at(1, "front matter: id %q differs from the original's %q (%s); translate the prose only", t.ID, orig.ID, orig.File)
	}
	if t.Order != orig.Order {
		at(1, "front matter: order %d differs from the original's %d", t.Order, orig.Order)
	}
	if t.Quiz != orig.Quiz {
		at(t.QuizLine, "front matter: quiz %q differs from the original's %q", t.Quiz, orig.Quiz)
	}
	if !same(t.Teaches, orig.Teaches) {
		at(1, "front matter: teaches %v differs from the original's %v", t.Teaches, orig.Teaches)
	}
	if !same(t.Start.Images, orig.Start.Images) || !same(t.Start.Files, orig.Start.Files) || !same(t.Start.Commands, orig.Start.Commands) {
		at(t.Start.Line, "front matter: start differs from the original's; images, files and commands stay as they are")
	}
	if len(t.Steps) != len(orig.Steps) {
		at(1, "%d steps, the original has %d: translate every step, add none", len(t.Steps), len(orig.Steps))
		return probs
	}
	for i := range t.Steps {
		ts, os := &t.Steps[i], &orig.Steps[i]
		line := ts.GoalLine
		if line == 0 {
			line = ts.Line
		}
		step := fmt.Sprintf("step %d (%s)", i+1, ts.Title)
		switch {
		case ts.Kind != os.Kind:
			at(line, "%s: kind %q differs from the original's %q", step, ts.Kind, os.Kind)
		case ts.Goal != os.Goal:
			at(line, "%s: the goal differs from the original's %q", step, os.Goal)
		case !same(ts.Solution, os.Solution):
			at(line, "%s: the solution differs from the original's", step)
		case ts.Command != os.Command:
			at(line, "%s: command %q differs from the original's %q", step, ts.Command, os.Command)
		case ts.Par != os.Par:
			at(line, "%s: par %d differs from the original's %d", step, ts.Par, os.Par)
		case ts.Answer != os.Answer || ts.AnyOrder != os.AnyOrder:
			at(line, "%s: the answer to predict differs from the original's", step)
		case len(ts.Choices) != len(os.Choices):
			at(line, "%s: %d choices, the original has %d", step, len(ts.Choices), len(os.Choices))
		default:
			for j := range ts.Choices {
				// A choice is a program's output: it is never translated.
				if ts.Choices[j].Text != os.Choices[j].Text || ts.Choices[j].Correct != os.Choices[j].Correct {
					at(line, "%s: choice %d differs from the original's; outputs and which one is correct stay as they are", step, j+1)
				}
			}
		}
		if strings.TrimSpace(ts.Title) == "" {
			at(ts.Line, "%s has no title", step)
		}
	}
	return probs
}
