package lessons_test

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/layerlab/layerlab/lessons"
)

// TestBrokenLessons: each broken lesson yields exactly the file:line
// message an author needs.
func TestBrokenLessons(t *testing.T) {
	lib := library(t)
	tests := []struct {
		file string
		want string // file:line: message prefix
	}{
		// Parse and compile errors.
		{"bad-goal.md", `bad-goal.md:14: goal does not compile: unknown name imagez`},
		{"broken-front-matter.md", `broken-front-matter.md:5: front matter: did not find expected ',' or ']'`},
		{"unknown-key.md", `unknown-key.md:13: step block: unknown key "hint"`},
		{"predict-no-answer.md", `predict-no-answer.md:11: predict step "What prints" needs choices, or the answer the learner types`},

		// Checker errors: replaying the solutions.
		{"unreachable.md", `unreachable.md:22: goal of step 2 (Run three) is not met after its solution`},
		{"met-at-start.md", `met-at-start.md:12: goal of step 1 (Pull python) is already met before its solution`},
		{"unknown-quiz.md", `unknown-quiz.md:6: unknown quiz id "no-such-quiz"`},
		{"challenge-prints-solution.md", `challenge-prints-solution.md:11: challenge step 1 (Build it yourself) prints its own solution "docker build -t pageturn ."`},
		{"predict-wrong.md", `predict-wrong.md:15: predict step 1 (How many images): the right answer is not what the simulator prints`},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			src, err := os.ReadFile(filepath.Join("testdata", "broken", tt.file))
			if err != nil {
				t.Fatal(err)
			}
			l, probs := lessons.Parse(tt.file, src)
			if len(probs) == 0 {
				ck := lessons.Checker{Library: lib, KnownQuiz: func(id string) bool { return id == "images-and-containers" }}
				probs = ck.Check(context.Background(), l)
			}
			if len(probs) != 1 {
				t.Fatalf("got %d problems %v, want one", len(probs), probs)
			}
			if got := probs[0].Error(); !strings.HasPrefix(got, tt.want) {
				t.Errorf("got  %s\nwant %s…", got, tt.want)
			}
		})
	}
}

// TestLoadSkipsBroken: a directory with broken lessons still loads the
// good ones, and names every broken file.
func TestLoadSkipsBroken(t *testing.T) {
	course, probs := lessons.Load(os.DirFS("testdata/broken"))
	var ids []string
	for _, l := range course.Lessons {
		ids = append(ids, l.ID)
	}
	// These parse: only the checker finds what is wrong with them.
	if got, want := strings.Join(ids, " "), "challenge-prints-solution met-at-start predict-wrong unknown-quiz unreachable"; got != want {
		t.Errorf("loaded %q, want %q", got, want)
	}
	files := map[string]bool{}
	for _, p := range probs {
		files[p.File] = true
	}
	for _, f := range []string{"bad-goal.md", "broken-front-matter.md", "unknown-key.md"} {
		if !files[f] {
			t.Errorf("no problem reported for %s (got %v)", f, probs)
		}
	}
}

// TestTeachesCoverEveryConcept: the course's teaches lists together cover
// concepts 1 to 14 of SPEC §2.
func TestTeachesCoverEveryConcept(t *testing.T) {
	course, probs := lessons.Load(lessons.Files)
	if len(probs) > 0 {
		t.Fatal(probs)
	}
	if len(course.Lessons) < 8 {
		t.Errorf("the course has %d lessons, want at least 8", len(course.Lessons))
	}
	covered := map[int]bool{}
	for _, l := range course.Lessons {
		for _, c := range l.Teaches {
			covered[c] = true
		}
		if l.Quiz == "" {
			t.Errorf("%s: no knowledge check (quiz:) at the end", l.File)
		}
	}
	for c := 1; c <= lessons.Concepts; c++ {
		if !covered[c] {
			t.Errorf("no lesson teaches concept %d", c)
		}
	}
}

// Every glossary link in a lesson names a term the glossary has.
func TestGlossaryLinks(t *testing.T) {
	terms, err := lessons.Glossary()
	if err != nil {
		t.Fatal(err)
	}
	known := map[string]bool{}
	for _, term := range terms {
		known[term.ID] = true
	}
	course, _ := lessons.Load(lessons.Files)
	links := regexp.MustCompile(`/lessons/glossary#([a-z0-9-]+)`)
	n := 0
	for _, l := range course.Lessons {
		var text strings.Builder
		text.WriteString(l.Intro)
		for _, s := range l.Steps {
			text.WriteString(s.Narrative)
		}
		for _, m := range links.FindAllStringSubmatch(text.String(), -1) {
			n++
			if !known[m[1]] {
				t.Errorf("%s links to glossary term %q, which is not in glossary.yaml", l.File, m[1])
			}
		}
	}
	if n < 10 {
		t.Errorf("only %d glossary links in the course", n)
	}
}
