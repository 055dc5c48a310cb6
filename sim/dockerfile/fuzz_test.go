package dockerfile

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzParse checks that no input makes Parse panic, and that every failure is
// an *Error whose line lies inside the file.
func FuzzParse(f *testing.F) {
	files, err := filepath.Glob(filepath.Join("testdata", "parse", "*", "Dockerfile"))
	if err != nil {
		f.Fatal(err)
	}
	for _, name := range files {
		src, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(src)
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		// Small limits keep every run short whatever the fuzzer tries.
		opt := Options{MaxBytes: 64 << 10, MaxInstructions: 200}
		d, err := ParseWith(src, opt)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("error of type %T: %v", err, err)
			}
			if lines := strings.Count(string(src), "\n") + 1; e.Line < 0 || e.Line > lines {
				t.Fatalf("error line %d outside a %d-line file: %v", e.Line, lines, err)
			}
			return
		}
		if len(d.Stages) == 0 {
			t.Fatal("parsed without stages")
		}
		for _, st := range d.Stages {
			for _, c := range st.Commands {
				// Expanding must not panic either; errors are fine.
				_, _, _ = c.Expand(map[string]string{"A": "b"})
			}
		}
	})
}
