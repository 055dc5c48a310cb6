package main

import (
	"context"
	"fmt"
	"os"
	"path"
	"slices"
	"strings"

	"github.com/layerlab/layerlab/lessons"
	"github.com/layerlab/layerlab/quizzes"
)

// runLessons is `layerlab lessons check [DIR]`: every lesson parsed, every
// goal compiled, every step proven reachable by its own solution and not met
// before it. Problems print as file:line: message; any problem exits 1.
func runLessons(ctx context.Context, args []string, e env) error {
	if len(args) == 0 || args[0] != "check" {
		fmt.Fprintln(e.stderr, "usage: layerlab lessons check [DIR]")
		return exitError(2)
	}
	fs := newFlags("lessons check", e)
	if err := parseFlags(fs, args[1:]); err != nil {
		return err
	}
	dir := "lessons"
	switch fs.NArg() {
	case 0:
	case 1:
		dir = fs.Arg(0)
	default:
		return fmt.Errorf("lessons check takes one directory, got %q", fs.Args())
	}
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		return fmt.Errorf("lessons check: %s is not a directory", dir)
	}
	lib, err := loadLibrary()
	if err != nil {
		return err
	}
	// The quizzes the lessons embed are checked too: every file parses and
	// every predict-the-output question's answer is what the simulator
	// prints.
	qs, err := quizzes.Check(ctx, quizzes.Files, lib)
	if err != nil {
		fmt.Fprintln(e.stdout, err)
		fmt.Fprintln(e.stderr, "problems in the quizzes")
		return exitError(1)
	}
	// Each translation of a quiz must be its original's shape: same ids,
	// types, right answers and predict commands, only the prose changed.
	qlangs := quizzes.Locales(quizzes.Files)
	translatedQuizzes := 0
	for _, lang := range qlangs {
		set, err := quizzes.LoadTranslation(quizzes.Files, lang, qs)
		if err != nil {
			fmt.Fprintln(e.stdout, err)
			fmt.Fprintf(e.stderr, "problems in the %s quizzes\n", lang)
			return exitError(1)
		}
		for _, q := range set.All() {
			if q.File != "" && q.File != path.Base(q.File) {
				translatedQuizzes++
			}
		}
	}
	fsys := os.DirFS(dir)
	course, probs := lessons.Load(fsys)
	ck := lessons.Checker{Library: lib, KnownQuiz: func(id string) bool { _, ok := qs.Quiz(id); return ok }}
	steps := 0
	for _, l := range course.Lessons {
		probs = append(probs, ck.Check(ctx, l)...)
		steps += len(l.Steps)
	}
	// Every translation is held to its original (same ids, steps, goals,
	// solutions and outputs) and then checked like any lesson, so a
	// translated challenge cannot print its solution either.
	langs := lessons.Locales(fsys)
	translated := 0
	for _, lang := range langs {
		tr, ps := lessons.LoadTranslation(fsys, lang, course)
		probs = append(probs, ps...)
		for _, l := range tr.Lessons {
			if l.File == path.Base(l.File) {
				continue // the English original, checked above
			}
			translated++
			probs = append(probs, ck.Check(ctx, l)...)
		}
	}
	for _, p := range probs {
		fmt.Fprintf(e.stdout, "%s/%s:%d: %s\n", dir, p.File, p.Line, p.Msg)
	}
	// The glossary's translations ship in the binary, whatever DIR is.
	for _, lang := range langs {
		if _, err := lessons.GlossaryIn(lang); err != nil {
			fmt.Fprintln(e.stdout, err)
			probs = append(probs, lessons.Problem{})
		}
	}
	if len(probs) > 0 {
		fmt.Fprintf(e.stderr, "%d problem(s) in %s\n", len(probs), dir)
		return exitError(1)
	}
	fmt.Fprintf(e.stdout, "%d lessons, %d steps: every goal is unmet before its solution and met after it; %d quizzes check out\n", len(course.Lessons), steps, len(qs.All()))
	if len(langs)+len(qlangs) > 0 {
		fmt.Fprintf(e.stdout, "translations (%s): %d lessons and %d quizzes, each the same ids, steps, goals and answers as its original\n",
			strings.Join(sortedUnion(langs, qlangs), ", "), translated, translatedQuizzes)
	}
	return nil
}

// sortedUnion is the sorted strings of a and b, each once.
func sortedUnion(a, b []string) []string {
	out := slices.Concat(a, b)
	slices.Sort(out)
	return slices.Compact(out)
}
