package shell

import (
	"context"
	"errors"
	"io"
	"testing"
	"time"
)

// FuzzRun runs any script: it must return, within its budget, without
// panicking and without an internal error.
func FuzzRun(f *testing.F) {
	for _, tc := range runTests {
		f.Add(uint8(tc.fl), tc.script)
	}
	for _, s := range []string{
		"while :; do :; done", "f(){ f|f& }; f", "cat <(ls)", "eval \"$(printf 'echo %s' x)\"",
		"set -x; x=$(printf '\\0'); echo \"$x\"", "read x < /dev/urandom; echo ${#x}",
		"trap 'echo $((1/0))' EXIT", "exec 3>/x", "cd -P /; pwd -P", "echo ${x:?unset}",
		// process substitution, and the simulator's own names and values
		"echo <(ls) >(cat)", "diff <(echo a) <(echo b)", "__layerlab_exec echo hi", "__layerlab_test -O /",
		"x=__layerlab_random; $x", "echo ${__layerlab_nul}exec", "x=PPID; echo ${!x} $((x))",
		"declare -n r=PPID; echo $r", "eval 'echo a | cat'; trap 'echo b | cat' EXIT",
	} {
		f.Add(uint8(Dash), s)
		f.Add(uint8(Bash), s)
	}
	f.Fuzz(func(t *testing.T, flavor uint8, script string) {
		o := testImage(t)
		sh := New(Config{FS: o, Env: testEnv, Programs: Coreutils(), Flavor: Flavor(flavor % 3),
			Stdout: io.Discard, Stderr: io.Discard, MaxSteps: 5000})
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_, err := sh.Run(ctx, script)
		if err != nil && !errors.Is(err, ErrBudget) && !errors.Is(err, ErrRefused) && !errors.Is(err, ErrRunning) {
			t.Fatalf("%q: %v", script, err)
		}
	})
}
