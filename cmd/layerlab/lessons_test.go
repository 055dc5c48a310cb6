package main

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
)

// lessons check checks every language: the shipped course and its
// translations pass; a translation whose ids, goal, output or solution
// drift fails with each drift at its line.
func TestLessonsCheckEveryLocale(t *testing.T) {
	check := func(dir string) (string, error) {
		var out, errb bytes.Buffer
		e := env{stdin: strings.NewReader(""), stdout: &out, stderr: &errb, getenv: func(string) string { return "" }}
		err := run(context.Background(), []string{"lessons", "check", dir}, e)
		return out.String() + errb.String(), err
	}
	out, err := check("../../lessons")
	if err != nil || !strings.Contains(out, "translations (de, es): ") {
		t.Fatalf("the shipped course: %v\n%s", err, out)
	}
	out, err = check("../../lessons/testdata/translated")
	if err != nil || !strings.Contains(out, "1 lessons") {
		t.Fatalf("a good translation: %v\n%s", err, out)
	}
	out, err = check("../../lessons/testdata/translation-drift")
	var code exitError
	if !errors.As(err, &code) || code != 1 {
		t.Fatalf("a drifted translation: err %v, want exit 1\n%s", err, out)
	}
	for _, want := range []string{
		`translation-drift/es/01-run.md:1: front matter: id "ejecuta-uno" differs`,
		`translation-drift/es/01-run.md:17: step 1 (Construye): the goal differs`,
		`translation-drift/es/01-run.md:24: step 2 (Predice): choice 2 differs`,
		`translation-drift/es/01-run.md:38: step 3 (Ejecuta): the solution differs`,
		"4 problem(s)",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}
