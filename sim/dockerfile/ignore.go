package dockerfile

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/moby/patternmatcher"
	"github.com/moby/patternmatcher/ignorefile"
)

// ParseIgnore reads a .dockerignore file with BuildKit's own reader: comments
// and blank lines dropped, patterns cleaned, a leading "/" removed, "!"
// exceptions kept.
func ParseIgnore(src []byte) ([]string, error) {
	patterns, err := ignorefile.ReadAll(bytes.NewReader(src))
	if err != nil {
		return nil, fmt.Errorf("reading .dockerignore: %w", err)
	}
	return patterns, nil
}

// NewIgnoreMatcher returns a function that reports whether a context path
// ("app/__pycache__/x.pyc", slash-separated, relative to the context root) is
// excluded by patterns. A path is excluded when it or one of its parent
// directories matches, unless a later "!" pattern takes it back, which is
// how BuildKit filters the build context. The function is not safe for
// concurrent use.
func NewIgnoreMatcher(patterns []string) (func(path string) bool, error) {
	pm, err := patternmatcher.New(patterns)
	if err != nil {
		return nil, fmt.Errorf("reading .dockerignore patterns: %w", err)
	}
	// The matcher compiles a pattern on first use; compile each one now so a
	// bad pattern is an error here rather than a silent non-match later.
	for _, p := range patterns {
		p = strings.TrimPrefix(strings.TrimSpace(p), "!")
		if p == "" {
			continue
		}
		one, err := patternmatcher.New([]string{p})
		if err != nil {
			return nil, fmt.Errorf("reading .dockerignore pattern %q: %w", p, err)
		}
		if _, err := one.MatchesOrParentMatches("probe"); err != nil {
			return nil, fmt.Errorf("reading .dockerignore pattern %q: %w", p, err)
		}
	}
	return func(path string) bool {
		path = strings.TrimPrefix(path, "/")
		if path == "" || path == "." {
			return false
		}
		ok, err := pm.MatchesOrParentMatches(path)
		return err == nil && ok
	}, nil
}
