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

// Files are the quizzes shipped with layerlab, and their translations in a
// directory per language (translate.go).
//
//go:embed *.yaml es/*.yaml de/*.yaml
var Files embed.FS

// The question types a quiz file may use.
const (
	Single    = "single"    // one right choice
	Multiple  = "multiple"  // every right choice, and none of the wrong ones
	TrueFalse = "truefalse" // a statement that is true or false
	Ordering  = "ordering"  // put steps in order
	Matching  = "matching"  // sort items under categories
	Predict   = "predict"   // predict what the simulator prints
	Short     = "short"     // a short free-text answer (what GIFT calls short answer)
)

var types = []string{Single, Multiple, TrueFalse, Ordering, Matching, Predict, Short}

// Quiz is one knowledge check.
type Quiz struct {
	ID      string `yaml:"id"`
	Title   string `yaml:"title"`
	Summary string `yaml:"summary,omitempty"`
	// Pass is the share of questions, in percent, a learner must get right
	// to pass; 0 means DefaultPass.
	Pass      int        `yaml:"pass,omitempty"`
	Questions []Question `yaml:"questions"`
	File      string     `yaml:"-"`
}

// Question is one question of a quiz. Which fields it uses depends on Type;
// docs/quizzes.md lists them per type.
type Question struct {
	ID string `yaml:"id"`
	// Title is the question's name as an author wrote it (GIFT's
	// ::Title::), when it is more than its id.
	Title  string `yaml:"title,omitempty"`
	Type   string `yaml:"type"`
	Prompt string `yaml:"prompt"`

	// Single, multiple, and predict with candidate outputs.
	Choices []Choice `yaml:"choices,omitempty"`
	// TrueFalse: the right answer. A pointer, so a missing answer is an error.
	Answer *bool `yaml:"answer,omitempty"`
	// Ordering: the steps in their right order.
	Steps []string `yaml:"steps,omitempty"`
	// Matching: the categories, and the items sorted under them.
	Categories []string `yaml:"categories,omitempty"`
	Items      []Item   `yaml:"items,omitempty"`
	// Short: the accepted answers.
	Accept []string `yaml:"accept,omitempty"`
	// Predict: build-context files, console lines run first in a fresh
	// session, and the command whose output the learner predicts.
	Bases   []string          `yaml:"bases,omitempty"` // base images already on the host
	Context map[string]string `yaml:"context,omitempty"`
	Setup   []string          `yaml:"setup,omitempty"`
	Command string            `yaml:"command,omitempty"`
	// AnyOrder says the predicted lines may come in any order (two rows
	// of docker ps whose order the learner cannot know).
	AnyOrder bool `yaml:"any_order,omitempty"`

	// Feedback is shown on a wrong answer of a type without per-choice
	// feedback (truefalse, ordering, short, free-text predict).
	Feedback    string `yaml:"feedback,omitempty"`
	Explanation string `yaml:"explanation,omitempty"`

	Line int `yaml:"-"`
	// expected is what the simulator prints for Command (set by Prepare).
	expected string
}

// Choice is one possible answer. Feedback on a wrong choice names the
// misconception it stands for.
type Choice struct {
	Text     string `yaml:"text"`
	Correct  bool   `yaml:"correct,omitempty"`
	Feedback string `yaml:"feedback,omitempty"`
}

// Item is one thing to sort under a category of a matching question.
type Item struct {
	Text     string `yaml:"text"`
	Category string `yaml:"category"`
	Feedback string `yaml:"feedback,omitempty"`
}

// DefaultPass is the pass mark of a quiz that names none, in percent.
const DefaultPass = 70

// PassMark is the quiz's pass mark in percent.
func (q *Quiz) PassMark() int {
	if q.Pass == 0 {
		return DefaultPass
	}
	return q.Pass
}

// ChoiceID is how answers name a choice, step or item: its position, from "a".
func ChoiceID(i int) string {
	if i < 26 {
		return string(rune('a' + i))
	}
	return fmt.Sprintf("z%d", i)
}

func choiceIndex(id string, n int) (int, bool) {
	for i := range n {
		if ChoiceID(i) == id {
			return i, true
		}
	}
	return 0, false
}

// Set is every loaded quiz by id.
type Set struct {
	byID  map[string]*Quiz
	order []string
}

// NewSet makes a set of already parsed quizzes; ids must differ.
func NewSet(qs ...*Quiz) (*Set, error) {
	set := &Set{byID: map[string]*Quiz{}}
	for _, q := range qs {
		if prev, dup := set.byID[q.ID]; dup {
			return nil, fmt.Errorf("%s:1: quiz id %q is already used by %s", q.File, q.ID, prev.File)
		}
		set.byID[q.ID] = q
		set.order = append(set.order, q.ID)
	}
	return set, nil
}

// Load reads every *.yaml quiz in fsys. Every problem is reported with its
// file and line; a quiz with problems is not loaded, the others are.
// Predict questions need Prepare before they can be graded.
func Load(fsys fs.FS) (*Set, error) {
	names, err := fs.Glob(fsys, "*.yaml")
	if err != nil {
		return nil, fmt.Errorf("listing quizzes: %w", err)
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
		set.order = append(set.order, q.ID)
	}
	return set, errors.Join(errs...)
}

// Parse reads one quiz file and checks it.
func Parse(name string, src []byte) (*Quiz, error) {
	var doc yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(src))
	if err := dec.Decode(&doc); err != nil {
		return nil, fmt.Errorf("%s:%s", name, yamlError(err))
	}
	var q Quiz
	if err := doc.Decode(&q); err != nil {
		return nil, fmt.Errorf("%s:%s", name, yamlError(err))
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

// yamlError turns "yaml: line 3: did not find …" into "3: did not find …",
// so every message reads file:line.
func yamlError(err error) string {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	msg = strings.TrimPrefix(msg, "unmarshal errors:\n  ")
	if rest, ok := strings.CutPrefix(msg, "line "); ok {
		if n, tail, ok := strings.Cut(rest, ": "); ok {
			return n + ": " + tail
		}
	}
	return "1: " + msg
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

// ValidID says whether id can name a quiz or question: lower-case letters,
// digits and dashes, as it appears in URLs.
func ValidID(id string) bool {
	if id == "" || len(id) > 64 {
		return false
	}
	for _, r := range id {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-') {
			return false
		}
	}
	return true
}

func (q *Quiz) check() error {
	var errs []error
	at := func(line int, format string, args ...any) {
		errs = append(errs, fmt.Errorf("%s:%d: %s", q.File, line, fmt.Sprintf(format, args...)))
	}
	if !ValidID(q.ID) || q.ID != path.Base(q.ID) {
		at(1, "quiz needs an id made of lower-case letters, digits and dashes, got %q", q.ID)
	}
	if strings.TrimSpace(q.Title) == "" {
		at(1, "quiz %q has no title", q.ID)
	}
	if len(q.Questions) == 0 {
		at(1, "quiz %q has no questions", q.ID)
	}
	if q.Pass < 0 || q.Pass > 100 {
		at(1, "quiz %q: pass is a percentage from 1 to 100, got %d", q.ID, q.Pass)
	}
	seen := map[string]bool{}
	for i := range q.Questions {
		qu := &q.Questions[i]
		if !ValidID(qu.ID) {
			at(qu.Line, "question needs an id made of lower-case letters, digits and dashes, got %q", qu.ID)
		} else if seen[qu.ID] {
			at(qu.Line, "question id %q is used twice", qu.ID)
		}
		seen[qu.ID] = true
		if strings.TrimSpace(qu.Prompt) == "" {
			at(qu.Line, "question %q has no prompt", qu.ID)
		}
		for _, msg := range qu.problems() {
			at(qu.Line, "question %q: %s", qu.ID, msg)
		}
	}
	return errors.Join(errs...)
}

// problems lists what is wrong with a question of its type.
func (qu *Question) problems() []string {
	var out []string
	bad := func(format string, args ...any) { out = append(out, fmt.Sprintf(format, args...)) }
	correct := 0
	for _, c := range qu.Choices {
		if c.Correct {
			correct++
		}
		if strings.TrimSpace(c.Text) == "" {
			bad("a choice has no text")
		}
	}
	switch qu.Type {
	case Single:
		if len(qu.Choices) < 2 || correct != 1 {
			bad("a single-choice question needs at least two choices and exactly one correct")
		}
	case Multiple:
		if len(qu.Choices) < 2 || correct < 1 {
			bad("a multiple-choice question needs at least two choices and at least one correct")
		}
	case TrueFalse:
		if qu.Answer == nil {
			bad("a true/false question needs answer: true or answer: false")
		}
	case Ordering:
		if len(qu.Steps) < 2 {
			bad("an ordering question needs at least two steps")
		}
		dup := map[string]bool{}
		for _, s := range qu.Steps {
			if dup[s] {
				bad("step %q appears twice", s)
			}
			dup[s] = true
		}
	case Matching:
		if len(qu.Categories) < 2 || len(qu.Items) < 2 {
			bad("a matching question needs at least two categories and two items")
		}
		cats := map[string]bool{}
		for _, c := range qu.Categories {
			cats[c] = true
		}
		for _, it := range qu.Items {
			if !cats[it.Category] {
				bad("item %q is sorted under %q, which is not one of the categories %q", it.Text, it.Category, qu.Categories)
			}
		}
	case Short:
		if len(qu.Accept) == 0 {
			bad("a short-answer question needs at least one accepted answer")
		}
	case Predict:
		if strings.TrimSpace(qu.Command) == "" {
			bad("a predict question needs the command whose output is predicted")
		}
		if len(qu.Choices) > 0 && correct > 1 {
			bad("a predict question has at most one choice marked correct; the simulator decides")
		}
	default:
		bad("unknown type %q (known: %s)", qu.Type, strings.Join(types, ", "))
	}
	if qu.AnyOrder && qu.Type != Predict {
		bad("any_order is for predict questions")
	}
	if qu.Type != Single && qu.Type != Multiple && qu.Type != Predict && len(qu.Choices) > 0 {
		bad("a %s question has no choices", qu.Type)
	}
	return out
}

// Quiz returns the quiz with id.
func (s *Set) Quiz(id string) (*Quiz, bool) {
	q, ok := s.byID[id]
	return q, ok
}

// All lists the quizzes in file order.
func (s *Set) All() []*Quiz {
	out := make([]*Quiz, 0, len(s.order))
	for _, id := range s.order {
		out = append(out, s.byID[id])
	}
	return out
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
