package pkg

import (
	"strings"
	"testing"
)

func TestPython(t *testing.T) {
	for _, c := range []struct {
		image        string
		args         []string
		stdout, note string // note: in stderr
	}{
		// versions: the official image's PYTHON_VERSION, else the distribution's
		{"python:3.12", []string{"python", "-V"}, "Python 3.12.6\n", ""},
		{"python:3.12-slim", []string{"python3", "--version"}, "Python 3.12", ""},
		// literal prints
		{"python:3.12", []string{"python", "-c", "print('x')"}, "x\n", ""},
		{"python:3.12", []string{"python3", "-c", `print("a", 'b', 3); print('c')`}, "a b 3\nc\n", ""},
		// what does not run says so
		{"python:3.12", []string{"python", "-c", "import os; print(os.getcwd())"}, "", "did not run"},
		{"python:3.12", []string{"python", "app.py"}, "", "app.py did not run"},
		{"python:3.12", []string{"python", "-m", "venv", "/venv"}, "", "venv is not simulated"},
		// -m pip is pip
		{"python:3.12", []string{"python", "-m", "pip", "--version"}, "pip 24.2", ""},
	} {
		b := newBox(t, c.image)
		r := b.run("/", "", c.args...)
		if r.code != 0 || !strings.HasPrefix(r.stdout, c.stdout) || c.stdout == "" && r.stdout != "" || !strings.Contains(r.stderr, c.note) {
			t.Errorf("%s %q = %d %q %q, want %q and a note %q", c.image, c.args, r.code, r.stdout, r.stderr, c.stdout, c.note)
		}
	}
}
