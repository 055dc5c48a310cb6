package dockerfile

import (
	"slices"
	"testing"
)

func TestParseIgnore(t *testing.T) {
	src := "\xEF\xBB\xBF# comment\n\n  *.pyc  \n/build/\n!build/keep.txt\n./docs/../notes\n"
	got, err := ParseIgnore([]byte(src))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"*.pyc", "build", "!build/keep.txt", "notes"}
	if !slices.Equal(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestIgnoreMatcher(t *testing.T) {
	patterns, err := ParseIgnore([]byte(`
# Pageturn's context
**/__pycache__
*.md
!README.md
.git
build
!build/keep.txt
docs/*.tmp
`))
	if err != nil {
		t.Fatal(err)
	}
	ignored, err := NewIgnoreMatcher(patterns)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		path string
		want bool
	}{
		// ** matches at any depth, the directory and what is under it
		{"__pycache__", true},
		{"app/__pycache__/views.cpython-312.pyc", true},
		// * stays in one directory
		{"CHANGES.md", true},
		{"docs/guide.md", false},
		// a later ! takes a path back
		{"README.md", false},
		// a parent directory match excludes everything below it
		{".git/HEAD", true},
		{"build/out.bin", true},
		{"build/keep.txt", false},
		// patterns are anchored at the context root
		{"docs/a.tmp", true},
		{"src/docs/a.tmp", false},
		// plain files
		{"app.py", false},
		{"requirements.txt", false},
		{"/app.py", false},
		{"", false},
	}
	for _, tt := range tests {
		if got := ignored(tt.path); got != tt.want {
			t.Errorf("ignored(%q) = %v, want %v", tt.path, got, tt.want)
		}
	}
}

func TestIgnoreMatcherErrors(t *testing.T) {
	for _, patterns := range [][]string{
		{"!"},
		{"[a-"},
		{"!docs/[z-a"},
	} {
		if _, err := NewIgnoreMatcher(patterns); err == nil {
			t.Errorf("NewIgnoreMatcher(%q) succeeded, want an error", patterns)
		}
	}
}
