package shell

import (
	"errors"
	"strings"
	"testing"
)

// TestSpecialsByIndirection reaches the process IDs and random numbers
// through every path that names a parameter at run time: each must give the
// sandbox's values (PID 1, PPID 0, the seeded random numbers), never the
// host's, and give them again on a second run.
func TestSpecialsByIndirection(t *testing.T) {
	for _, tc := range []struct {
		script, want string
	}{
		// indirect expansion
		{"x=PPID; echo ${!x}", "0\n"},
		{"x='$'; echo ${!x}", "1\n"},
		{"x=PPID; echo \"${!x:-none}\"", "0\n"},
		{"a=5; b=a; echo ${!b}; set -- one; n=1; echo ${!n}", "5\none\n"},
		// name references
		{"declare -n r=PPID; echo $r", "0\n"},
		{"x=PPID; declare -n r=$x; echo $r", "0\n"},
		// arithmetic follows names
		{"echo $((PPID)) $(($$))", "0 1\n"},
		{"x=PPID; echo $((x)) $((x+2))", "0 2\n"},
		{"x=y; y=PPID; echo $((x*3))", "0\n"},
		{"x=PPID; let z=x+1; echo $z", "1\n"},
		{"n=4; for((i=0;i<n;i++)); do printf $i; done; echo", "0123\n"},
		// a name that is only known at run time
		{"x=PPID; export $x; env | grep -c ppid", "1\n"},
	} {
		first, _, err := run(t, Bash, tc.script)
		if err != nil || !strings.HasPrefix(first, tc.want) && first != tc.want {
			t.Errorf("%q: got %q, %v; want %q", tc.script, first, err, tc.want)
		}
	}
	// random numbers, however reached, come from the seed
	for _, script := range []string{
		"x=RANDOM; echo ${!x} ${!x}", "x=SRANDOM; echo ${!x}", "declare -n r=RANDOM; echo $r $r",
		"x=RANDOM; echo $((x)) $((x))",
	} {
		a, _, err1 := run(t, Bash, script)
		b, _, err2 := run(t, Bash, script)
		if err1 != nil || err2 != nil || a != b || a == "\n" {
			t.Errorf("%q: runs gave %q and %q (%v, %v); want the same numbers", script, a, b, err1, err2)
		}
	}
}

// TestSpecialsRefused checks the ways of storing the host's value of a
// special parameter: each is refused, with a message, before it runs.
func TestSpecialsRefused(t *testing.T) {
	for _, script := range []string{
		"export PPID; env", "PPID+=1; echo $PPID", "declare -p PPID", "readonly SRANDOM", "RANDOM+=1",
		"t=PPID; declare -n \"r=$t\"; echo $r",
	} {
		out, status, err := run(t, Bash, script)
		if !errors.Is(err, ErrRefused) || status != 2 || strings.Contains(out, "PPID=") {
			t.Errorf("%q: got %q %d %v; want it refused", script, out, status, err)
		}
	}
}

// TestInternalNamesUnreachable tries to call the commands the simulator
// inserts into scripts: by name, through a variable, eval, source, a NUL
// byte read from a file, or the variable that names them in eval'd code.
func TestInternalNamesUnreachable(t *testing.T) {
	for _, tc := range []struct {
		fl     Flavor
		script string
	}{
		{Dash, "__layerlab_exec echo hi"},
		{Dash, "__layerlab_test -O /"},
		{Bash, "x=__layerlab_random; $x"},
		{Bash, "eval '__layerlab_exec echo hi'"},
		{Dash, "echo '__layerlab_exec echo hi' > /s; . /s"},
		{Dash, "sh -c '__layerlab_exec echo hi'"},
		{Dash, "printf '\\000exec echo hi\\n' > /f; read x < /f; $x"},
		{Bash, "printf '\\000exec echo hi\\n' > /f; mapfile a < /f; ${a[0]}"},
		{Bash, "echo ${__layerlab_nul}exec echo hi"},
		{Bash, "x=__layerlab_nul; echo ${!x}exec"},
		{Bash, "x=__layerlab_nul; declare -n r=$x; ${r}exec echo hi"},
		{Dash, "printf 'echo \\000exec hi' > /s; . /s"},
	} {
		out, status, err := run(t, tc.fl, tc.script)
		if strings.Contains(out, "hi") || err == nil && status != 127 {
			t.Errorf("%q: got %q %d %v; want it refused or not found", tc.script, out, status, err)
		}
	}
	// The simulator's own commands still work in code eval, source and
	// trap hand back to the interpreter as text.
	out, _, err := run(t, Bash, "eval 'echo a | cat'; echo 'echo b | cat' > /s; . /s; trap 'echo c | cat' EXIT")
	if out != "a\nb\nc\n" || err != nil {
		t.Errorf("pipelines in eval, source and trap: got %q, %v", out, err)
	}
}
