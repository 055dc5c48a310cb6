package shell

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"testing"
)

// TestSession: an interactive shell keeps its directory, variables,
// functions and $? from line to line; exit N ends it with N; each line has
// its own step budget; the prompt follows the directory.
func TestSession(t *testing.T) {
	var out bytes.Buffer
	sh := New(Config{FS: testImage(t), Env: testEnv, Programs: Coreutils(), Stdout: &out, Stderr: &out, MaxSteps: 400})
	se, err := sh.Session(Ash, "sh")
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for _, tc := range []struct {
		line, want, prompt string
		status             int
		ended              bool
	}{
		{"cd /etc", "", "/etc # ", 0, false},
		{"X=42; greet() { echo hi $1; }", "", "/etc # ", 0, false},
		{"echo $X $(pwd)", "42 /etc\n", "/etc # ", 0, false},
		{"greet you", "hi you\n", "/etc # ", 0, false},
		{"false", "", "/etc # ", 1, false},
		{"echo $?", "1\n", "/etc # ", 0, false},
		{"cd /root", "", "~ # ", 0, false},
		{"exit 7", "", "~ # ", 7, true},
		{"echo after", "", "~ # ", 7, true},
	} {
		out.Reset()
		status, ended, err := se.Run(ctx, tc.line)
		if err != nil && !errors.Is(err, ErrBudget) {
			t.Fatalf("%q: %v", tc.line, err)
		}
		if out.String() != tc.want || status != tc.status || ended != tc.ended {
			t.Errorf("%q: printed %q, status %d, ended %t; want %q, %d, %t", tc.line, out.String(), status, ended, tc.want, tc.status, tc.ended)
		}
		if p := se.Prompt("host", "root", "/root", 0); p != tc.prompt {
			t.Errorf("after %q the prompt is %q, want %q", tc.line, p, tc.prompt)
		}
	}
}

// TestSessionBudgetPerLine: each line gets the whole step budget: the
// longest loop that fits in one line runs on two lines in a row, though
// twice its length does not fit; a line that loops forever ends the session,
// as a killed shell would.
func TestSessionBudgetPerLine(t *testing.T) {
	var out bytes.Buffer
	sh := New(Config{FS: testImage(t), Env: testEnv, Programs: Coreutils(), Stdout: &out, Stderr: &out, MaxSteps: 400})
	loop := func(n int) string { return fmt.Sprintf("i=0; while [ $i -lt %d ]; do i=$((i+1)); done", n) }
	fits := func(n int) bool {
		se, err := sh.Session(Bash, "bash")
		if err != nil {
			t.Fatal(err)
		}
		_, ended, _ := se.Run(context.Background(), loop(n))
		return !ended
	}
	n := 1
	for fits(n * 2) {
		n *= 2
		if n > 1<<16 {
			t.Fatal("the step budget never ends a loop")
		}
	}
	if !fits(n) {
		t.Fatalf("a loop of %d does not fit", n)
	}
	se, _ := sh.Session(Bash, "bash")
	for i := 0; i < 2; i++ {
		if _, ended, err := se.Run(context.Background(), loop(n)); ended {
			t.Fatalf("line %d, a loop of %d: the session ended (%v); the budget is not per line", i+1, n, err)
		}
	}
	se, _ = sh.Session(Bash, "bash")
	if _, ended, err := se.Run(context.Background(), "while true; do :; done"); !ended || !errors.Is(err, ErrBudget) {
		t.Errorf("an endless loop: ended %t, %v; want the budget to end it", ended, err)
	}
}
