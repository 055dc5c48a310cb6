package main

import (
	"context"
	"fmt"
	"os"

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
	course, probs := lessons.Load(os.DirFS(dir))
	ck := lessons.Checker{Library: lib, KnownQuiz: func(id string) bool { _, ok := qs.Quiz(id); return ok }}
	steps := 0
	for _, l := range course.Lessons {
		probs = append(probs, ck.Check(ctx, l)...)
		steps += len(l.Steps)
	}
	for _, p := range probs {
		fmt.Fprintf(e.stdout, "%s/%s:%d: %s\n", dir, p.File, p.Line, p.Msg)
	}
	if len(probs) > 0 {
		fmt.Fprintf(e.stderr, "%d problem(s) in %s\n", len(probs), dir)
		return exitError(1)
	}
	fmt.Fprintf(e.stdout, "%d lessons, %d steps: every goal is unmet before its solution and met after it; %d quizzes check out\n", len(course.Lessons), steps, len(qs.All()))
	return nil
}
