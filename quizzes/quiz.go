package quizzes

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Files are the quizzes shipped with layerlab.
//
//go:embed *.yaml
var Files embed.FS

// Quiz is one knowledge check.
type Quiz struct {
	ID        string     `yaml:"id"`
	Title     string     `yaml:"title"`
	Summary   string     `yaml:"summary"`
	Questions []Question `yaml:"questions"`
	File      string     `yaml:"-"`
}

// Question is one question of a quiz.
type Question struct {
	ID          string   `yaml:"id"`
	Type        string   `yaml:"type"` // single
	Prompt      string   `yaml:"prompt"`
	Choices     []Choice `yaml:"choices"`
	Explanation string   `yaml:"explanation"`
	Line        int      `yaml:"-"`
}

// Choice is one possible answer. Feedback on a wrong choice names the
// misconception it stands for.
type Choice struct {
	Text     string `yaml:"text"`
	Correct  bool   `yaml:"correct"`
	Feedback string `yaml:"feedback"`
}

// ChoiceID is how answers name a choice: its position, from "a".
func ChoiceID(i int) string { return string(rune('a' + i)) }

// Set is every loaded quiz by id.
type Set struct {
	byID map[string]*Quiz
}

// Load reads every *.yaml quiz in fsys. Every problem is reported with its
// file and line; a quiz with problems is not loaded.
func Load(fsys fs.FS) (*Set, error) {
	names, err := fs.Glob(fsys, "*.yaml")
	if err != nil {
		return nil, err
	}
	sort.Strings(names)
	set := &Set{byID: map[string]*Quiz{}}
	var errs []error
	for _, name := range names {
		src, err := fs.ReadFile(fsys, name)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", name, err))
			continue
		}
		q, err := Parse(name, src)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if prev, dup := set.byID[q.ID]; dup {
			errs = append(errs, fmt.Errorf("%s:1: quiz id %q is already used by %s", name, q.ID, prev.File))
			continue
		}
		set.byID[q.ID] = q
	}
	return set, errors.Join(errs...)
}

// Parse reads one quiz file.
func Parse(name string, src []byte) (*Quiz, error) {
	var doc yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(src))
	if err := dec.Decode(&doc); err != nil {
		return nil, fmt.Errorf("%s: %s", name, strings.TrimPrefix(err.Error(), "yaml: "))
	}
	var q Quiz
	if err := doc.Decode(&q); err != nil {
		return nil, fmt.Errorf("%s: %s", name, strings.TrimPrefix(err.Error(), "yaml: "))
	}
	q.File = name
	lines := questionLines(&doc)
	for i := range q.Questions {
		if i < len(lines) {
			q.Questions[i].Line = lines[i]
		}
	}
	if err := q.check(); err != nil {
		return nil, err
	}
	return &q, nil
}

func questionLines(doc *yaml.Node) []int {
	if len(doc.Content) == 0 {
		return nil
	}
	m := doc.Content[0]
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == "questions" {
			var out []int
			for _, n := range m.Content[i+1].Content {
				out = append(out, n.Line)
			}
			return out
		}
	}
	return nil
}

func (q *Quiz) check() error {
	var errs []error
	at := func(line int, format string, args ...any) {
		errs = append(errs, fmt.Errorf("%s:%d: %s", q.File, line, fmt.Sprintf(format, args...)))
	}
	if q.ID == "" || q.ID != path.Base(q.ID) || strings.ContainsAny(q.ID, " /\\") {
		at(1, "quiz needs an id made of letters, digits and dashes")
	}
	if len(q.Questions) == 0 {
		at(1, "quiz %q has no questions", q.ID)
	}
	seen := map[string]bool{}
	for _, qu := range q.Questions {
		if qu.ID == "" {
			at(qu.Line, "question has no id")
		} else if seen[qu.ID] {
			at(qu.Line, "question id %q is used twice", qu.ID)
		}
		seen[qu.ID] = true
		if qu.Type != "single" {
			at(qu.Line, "question %q: unknown type %q (known: single)", qu.ID, qu.Type)
		}
		correct := 0
		for _, c := range qu.Choices {
			if c.Correct {
				correct++
			}
		}
		if len(qu.Choices) < 2 || correct != 1 {
			at(qu.Line, "question %q: a single-choice question needs at least two choices and exactly one correct", qu.ID)
		}
	}
	return errors.Join(errs...)
}

// Quiz returns the quiz with id.
func (s *Set) Quiz(id string) (*Quiz, bool) {
	q, ok := s.byID[id]
	return q, ok
}

// Question returns one question of a quiz.
func (q *Quiz) Question(id string) (*Question, bool) {
	for i := range q.Questions {
		if q.Questions[i].ID == id {
			return &q.Questions[i], true
		}
	}
	return nil, false
}

// Grade says whether choice (a ChoiceID) is right, with the feedback the
// learner sees. An unknown choice is an error.
func (qu *Question) Grade(choice string) (correct bool, feedback string, err error) {
	for i, c := range qu.Choices {
		if ChoiceID(i) == choice {
			if c.Correct {
				return true, "Right.", nil
			}
			return false, c.Feedback, nil
		}
	}
	return false, "", fmt.Errorf("question %q has no choice %q", qu.ID, choice)
}
