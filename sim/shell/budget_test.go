package shell

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/layerlab/layerlab/sim"
)

// TestBudget runs scripts that never end on their own: each must stop with
// ErrBudget, quickly, and say why.
func TestBudget(t *testing.T) {
	for _, tc := range []struct {
		fl     Flavor
		script string
		why    string
	}{
		// loops, with and without commands in them
		{Dash, "while true; do :; done", "exceeded its step budget of"},
		{Bash, "for((;;)); do :; done", "exceeded its step budget of"},
		{Bash, "for((i=1;;)); do ((i++)); done", "exceeded its step budget of"},
		{Dash, "while :; do echo y; done | head -n 1", "exceeded its step budget of"},
		{Dash, "until false; do x=1; done", "exceeded its step budget of"},
		// programs that never stop writing
		{Dash, "yes", "exceeded its step budget of"},
		{Dash, "cat /dev/zero", "exceeded its step budget of"},
		{Dash, "cat /dev/urandom > /dev/null", "exceeded its step budget of"},
		// recursion: functions, fork bombs, shells starting shells
		{Dash, "f(){ f; }; f", "recursion too deep"},
		{Dash, "f(){ f|f& }; f", "recursion too deep"},
		{Bash, ":(){ :|:& };:", "recursion too deep"},
		{Dash, "echo 'sh /tmp/r.sh' > /tmp/r.sh; sh /tmp/r.sh", "nested more than"},
		{Dash, "printf '#!/bin/sh\\n/x.sh\\n' > /x.sh; chmod +x /x.sh; /x.sh", "nested more than"},
		// memory
		{Dash, "x=a; while :; do x=$x$x; done", "variables grew past"},
		{Bash, "x=ab; for((i=1;;)); do x=$x$x; done", "variables grew past"},
	} {
		_, status, err := run(t, tc.fl, tc.script)
		switch {
		case !errors.Is(err, ErrBudget) || !errors.Is(err, sim.ErrLimit):
			t.Errorf("%q: error %v, want ErrBudget", tc.script, err)
		case !strings.Contains(err.Error(), tc.why):
			t.Errorf("%q: error %q does not say %q", tc.script, err, tc.why)
		case status != 137:
			t.Errorf("%q: status %d, want 137", tc.script, status)
		}
	}
}

// TestBudgetIsPerRun checks that a shell's next run starts afresh.
func TestBudgetIsPerRun(t *testing.T) {
	sh := New(Config{FS: testImage(t), Env: testEnv, Programs: Coreutils(), MaxSteps: 500})
	if _, err := sh.Run(t.Context(), "while :; do :; done"); !errors.Is(err, ErrBudget) {
		t.Fatalf("first run: %v, want ErrBudget", err)
	}
	if status, err := sh.Run(t.Context(), "for i in 1 2 3; do :; done"); err != nil || status != 0 {
		t.Fatalf("second run: %d %v, want a clean run", status, err)
	}
}

// TestDeadline checks the caller's context: a run past its deadline stops
// with ErrBudget wrapping the context's error.
func TestDeadline(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	sh := New(Config{FS: testImage(t), Env: testEnv, Programs: Coreutils()})
	_, err := sh.Run(ctx, "echo never")
	if !errors.Is(err, ErrBudget) || !errors.Is(err, context.Canceled) {
		t.Errorf("got %v, want ErrBudget wrapping context.Canceled", err)
	}
}

// TestOutputCap checks that output past MaxOutput is dropped with one note
// and that the run goes on.
func TestOutputCap(t *testing.T) {
	got, status, err := runIn(t, testImage(t), Config{MaxOutput: 10}, "echo 0123456789abc; echo more; echo done >&2; exit 4")
	want := "0123456789\n[layerlab: output cut after 10 bytes]\n"
	if got != want || status != 4 || err != nil {
		t.Errorf("got %q %d %v, want %q 4 nil", got, status, err, want)
	}
}

// TestForever checks that a program that would never end suspends the run
// with ErrRunning rather than using up its budget.
func TestForever(t *testing.T) {
	for _, script := range []string{"sleep infinity", "echo start; tail -f /dev/null; echo never"} {
		got, _, err := run(t, Dash, script)
		if !errors.Is(err, ErrRunning) || strings.Contains(got, "never") {
			t.Errorf("%q: got %q, %v; want ErrRunning", script, got, err)
		}
	}
}

// TestWorkBudget runs hostile scripts that would keep a core busy or fill
// memory: each must end quickly with the budget's message, having done no
// more work than its budget, counted in steps (never in time). The run's
// meter sees the same work.
func TestWorkBudget(t *testing.T) {
	const budget = 5000
	for _, tc := range []struct {
		fl     Flavor
		script string
	}{
		// output without end, wherever it goes
		{Dash, "yes > /f"},
		{Dash, "yes > /dev/null"},
		{Bash, "x=$(yes); echo ${#x}"},
		{Dash, "cat /dev/zero > /f"},
		{Bash, "while :; do x=$(</dev/zero); done"},
		{Dash, "while :; do wc -c < /dev/urandom; done"},
		{Dash, "head -c 100000000 /dev/urandom | wc -c"},
		{Bash, "x=$(head -c 1000000 /dev/zero | tr '\\0' a); while :; do echo \"$x\"; done > /dev/null"},
		// loops and recursion
		{Dash, "while :; do :; done"},
		{Bash, "i=0; while :; do i=$((i+1)); done"},
		{Dash, "f(){ f; }; f"},
		{Bash, ":(){ :|:& };:"},
		{Dash, "f(){ f|f& }; f"},
	} {
		var meter sim.Meter
		sh := New(Config{FS: testImage(t), Env: testEnv, Programs: Coreutils(), Flavor: tc.fl, MaxSteps: budget, Meter: &meter})
		status, err := sh.Run(t.Context(), tc.script)
		switch {
		case !errors.Is(err, ErrBudget) || status != 137:
			t.Errorf("%q: %d %v, want ErrBudget", tc.script, status, err)
		case !strings.Contains(err.Error(), "layerlab stopped the script"):
			t.Errorf("%q: %q does not say why it stopped", tc.script, err)
		case sh.Steps() > budget+bytesPerStep*64:
			t.Errorf("%q: %d steps, past its budget of %d", tc.script, sh.Steps(), budget)
		case meter.Steps != int64(sh.Steps()):
			t.Errorf("%q: the meter counted %d steps, the run %d", tc.script, meter.Steps, sh.Steps())
		}
	}
	// Scripts that only look hostile end at once, or with their own limit.
	for _, script := range []string{"echo {1..100000000} | wc -c", "printf '%999999999d' 1 > /dev/null", "env printf '%999999999d' 1 > /f", "seq 1 1e9 > /f"} {
		sh := New(Config{FS: testImage(t), Env: testEnv, Programs: Coreutils(), Flavor: Bash, MaxSteps: budget})
		if _, err := sh.Run(t.Context(), script); err != nil && !errors.Is(err, ErrBudget) || sh.Steps() > budget {
			t.Errorf("%q: %v after %d steps", script, err, sh.Steps())
		}
	}
}
