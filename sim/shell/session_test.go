package shell

import (
	"bytes"
	"context"
	"errors"
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
		// Each line gets the whole budget: two loops of 30, each more
		// than half of it, both run.
		{"i=0; while [ $i -lt 30 ]; do i=$((i+1)); done; echo $i", "30\n", "/etc # ", 0, false},
		{"i=0; while [ $i -lt 30 ]; do i=$((i+1)); done; echo $i", "30\n", "/etc # ", 0, false},
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

// TestSessionBudgetPerLine: a line that loops forever is stopped by the
// budget, and ends the session, as a killed shell would.
func TestSessionBudgetPerLine(t *testing.T) {
	var out bytes.Buffer
	sh := New(Config{FS: testImage(t), Env: testEnv, Programs: Coreutils(), Stdout: &out, Stderr: &out, MaxSteps: 400})
	se, err := sh.Session(Bash, "bash")
	if err != nil {
		t.Fatal(err)
	}
	// TestSession's loop of 30 must take more than half the budget.
	if _, ended, err := se.Run(context.Background(), "i=0; while [ $i -lt 60 ]; do i=$((i+1)); done"); !ended || !errors.Is(err, ErrBudget) {
		t.Fatalf("a loop of 60 fits in 400 steps (ended %t, %v): TestSession's loops prove nothing", ended, err)
	}
	se, _ = sh.Session(Bash, "bash")
	if _, ended, err := se.Run(context.Background(), "while true; do :; done"); !ended || !errors.Is(err, ErrBudget) {
		t.Errorf("an endless loop: ended %t, %v; want the budget to end it", ended, err)
	}
}
