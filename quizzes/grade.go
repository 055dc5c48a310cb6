package quizzes

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
)

// ErrBadAnswer is returned for an answer of the wrong shape for its
// question, or naming a choice that does not exist: the learner's input is
// wrong, not the server.
var ErrBadAnswer = errors.New("bad answer")

// ErrNotPrepared is returned when a predict question is graded before
// Prepare ran the simulator for it.
var ErrNotPrepared = errors.New("predict question not prepared")

// Result is the grading of one answer.
type Result struct {
	Correct     bool   `json:"correct"`
	Feedback    string `json:"feedback"`
	Explanation string `json:"explanation"`
	// Solution is the right answer in words; the server adds it to a
	// wrong answer's result, for "show the answer".
	Solution string `json:"solution,omitempty"`
}

// rightFeedback is what a right answer says before the explanation.
const rightFeedback = "Right."

func badAnswer(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrBadAnswer, fmt.Sprintf(format, args...))
}

// Grade grades a JSON answer. The shape depends on the type:
//
//	single, truefalse as choice: "b"            truefalse: true
//	multiple: ["a", "c"]                          ordering: ["c", "a", "b"] (step ids, first to last)
//	matching: {"a": "image", "b": "container"}    short: "free text"
//	predict: "b" (a candidate's id) when the question has choices, else the predicted output as text
func (qu *Question) Grade(raw json.RawMessage) (Result, error) {
	r, err := qu.grade(raw)
	if err != nil {
		return Result{}, err
	}
	r.Explanation = qu.Explanation
	if r.Correct && r.Feedback == "" {
		r.Feedback = rightFeedback
	}
	return r, nil
}

func (qu *Question) grade(raw json.RawMessage) (Result, error) {
	switch qu.Type {
	case Single:
		id, err := decode[string](raw, "the id of a choice, as a string")
		if err != nil {
			return Result{}, err
		}
		i, ok := choiceIndex(id, len(qu.Choices))
		if !ok {
			return Result{}, badAnswer("question %q has no choice %q", qu.ID, id)
		}
		c := qu.Choices[i]
		return Result{Correct: c.Correct, Feedback: feedbackOr(c.Feedback, c.Correct)}, nil
	case Multiple:
		ids, err := decode[[]string](raw, "a list of choice ids")
		if err != nil {
			return Result{}, err
		}
		picked := map[int]bool{}
		for _, id := range ids {
			i, ok := choiceIndex(id, len(qu.Choices))
			if !ok {
				return Result{}, badAnswer("question %q has no choice %q", qu.ID, id)
			}
			picked[i] = true
		}
		// The first wrong pick names its misconception; a missed right
		// choice is reported when nothing wrong was picked.
		for i, c := range qu.Choices {
			if picked[i] && !c.Correct {
				return Result{Feedback: feedbackOr(c.Feedback, false)}, nil
			}
		}
		for i, c := range qu.Choices {
			if !picked[i] && c.Correct {
				return Result{Feedback: "Not all of it: " + strings.TrimSuffix(c.Text, ".") + " is true as well."}, nil
			}
		}
		return Result{Correct: true}, nil
	case TrueFalse:
		var b bool
		if err := json.Unmarshal(raw, &b); err != nil {
			return Result{}, badAnswer("answer must be true or false")
		}
		ok := b == *qu.Answer
		return Result{Correct: ok, Feedback: wrongFeedback(qu.Feedback, ok)}, nil
	case Ordering:
		ids, err := decode[[]string](raw, "the list of step ids, first to last")
		if err != nil {
			return Result{}, err
		}
		order := qu.StepOrder()
		if len(ids) != len(order) {
			return Result{}, badAnswer("question %q has %d steps; the answer lists %d", qu.ID, len(order), len(ids))
		}
		seen := map[string]bool{}
		right := true
		for pos, id := range ids {
			d, ok := choiceIndex(id, len(order))
			if !ok || seen[id] {
				return Result{}, badAnswer("step %q is unknown or listed twice", id)
			}
			seen[id] = true
			if order[d] != pos {
				right = false
			}
		}
		return Result{Correct: right, Feedback: wrongFeedback(qu.Feedback, right)}, nil
	case Matching:
		m, err := decode[map[string]string](raw, "an object from item id to category")
		if err != nil {
			return Result{}, err
		}
		if len(m) != len(qu.Items) {
			return Result{}, badAnswer("question %q has %d items; the answer sorts %d", qu.ID, len(qu.Items), len(m))
		}
		for id, cat := range m {
			if _, ok := choiceIndex(id, len(qu.Items)); !ok {
				return Result{}, badAnswer("question %q has no item %q", qu.ID, id)
			}
			if !slices.Contains(qu.Categories, cat) {
				return Result{}, badAnswer("question %q has no category %q", qu.ID, cat)
			}
		}
		for i, it := range qu.Items {
			if m[ChoiceID(i)] != it.Category {
				fb := it.Feedback
				if fb == "" {
					fb = fmt.Sprintf("%q belongs under %s.", it.Text, it.Category)
				}
				return Result{Feedback: fb}, nil
			}
		}
		return Result{Correct: true}, nil
	case Short:
		text, err := decode[string](raw, "text")
		if err != nil {
			return Result{}, err
		}
		for _, a := range qu.Accept {
			if strings.EqualFold(Normalize(a), Normalize(text)) {
				return Result{Correct: true}, nil
			}
		}
		return Result{Feedback: wrongFeedback(qu.Feedback, false)}, nil
	case Predict:
		if !qu.prepared() {
			return Result{}, fmt.Errorf("question %q: %w", qu.ID, ErrNotPrepared)
		}
		text, err := decode[string](raw, "a choice id or the predicted output, as a string")
		if err != nil {
			return Result{}, err
		}
		if len(qu.Choices) > 0 {
			i, ok := choiceIndex(text, len(qu.Choices))
			if !ok {
				return Result{}, badAnswer("question %q has no choice %q", qu.ID, text)
			}
			c := qu.Choices[i]
			right := qu.sameOutput(c.Text, qu.expected)
			return Result{Correct: right, Feedback: feedbackOr(c.Feedback, right)}, nil
		}
		right := qu.sameOutput(text, qu.expected)
		return Result{Correct: right, Feedback: wrongFeedback(qu.Feedback, right)}, nil
	}
	return Result{}, fmt.Errorf("question %q has unknown type %q", qu.ID, qu.Type)
}

func decode[T any](raw json.RawMessage, shape string) (T, error) {
	var v T
	dec := json.NewDecoder(bytes.NewReader(raw))
	if len(bytes.TrimSpace(raw)) == 0 || bytes.Equal(bytes.TrimSpace(raw), []byte("null")) {
		return v, badAnswer("answer is missing; it must be %s", shape)
	}
	if err := dec.Decode(&v); err != nil {
		return v, badAnswer("answer must be %s", shape)
	}
	return v, nil
}

func feedbackOr(fb string, correct bool) string {
	if correct {
		return ""
	}
	if fb == "" {
		return "That is not it."
	}
	return fb
}

func wrongFeedback(fb string, correct bool) string { return feedbackOr(fb, correct) }

// sameOutput compares a predicted output with the simulator's: line by
// line, or as a multiset of lines when the question says order does not
// matter.
func (qu *Question) sameOutput(a, b string) bool {
	na, nb := Normalize(a), Normalize(b)
	if !qu.AnyOrder {
		return na == nb
	}
	la, lb := strings.Split(na, "\n"), strings.Split(nb, "\n")
	slices.Sort(la)
	slices.Sort(lb)
	return slices.Equal(la, lb)
}

// Normalize makes outputs comparable: runs of spaces and tabs become one
// space, lines are trimmed, and blank lines at either end are dropped.
func Normalize(s string) string {
	lines := strings.Split(strings.ReplaceAll(s, "\r\n", "\n"), "\n")
	for i, l := range lines {
		lines[i] = strings.Join(strings.Fields(l), " ")
	}
	for len(lines) > 0 && lines[0] == "" {
		lines = lines[1:]
	}
	for len(lines) > 0 && lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	return strings.Join(lines, "\n")
}

// StepOrder is the order in which an ordering question shows its steps:
// element d is the right position of the step shown d-th (whose id is
// ChoiceID(d)). It is a fixed shuffle, so ids never give the order away and
// every learner sees the same list.
func (qu *Question) StepOrder() []int {
	n := len(qu.Steps)
	order := make([]int, n)
	for i := range order {
		order[i] = i
	}
	key := func(i int) string {
		h := sha256.Sum256([]byte(qu.ID + "\x00" + qu.Steps[i]))
		return string(h[:])
	}
	sort.Slice(order, func(a, b int) bool { return key(order[a]) < key(order[b]) })
	sorted := true
	for i, v := range order {
		if v != i {
			sorted = false
		}
	}
	if sorted && n > 1 {
		// The shuffle happened to be the answer: show it reversed.
		slices.Reverse(order)
	}
	return order
}

// Public is a question as a learner sees it: nothing that gives the
// answer away.
type Public struct {
	ID         string        `json:"id"`
	Type       string        `json:"type"`
	Prompt     string        `json:"prompt"`
	Choices    []PublicEntry `json:"choices,omitempty"`
	Steps      []PublicEntry `json:"steps,omitempty"`
	Items      []PublicEntry `json:"items,omitempty"`
	Categories []string      `json:"categories,omitempty"`
	Setup      []string      `json:"setup,omitempty"`
	Command    string        `json:"command,omitempty"`
}

// PublicEntry is a choice, step or item with the id answers use.
type PublicEntry struct {
	ID   string `json:"id"`
	Text string `json:"text"`
}

// Public returns what the learner may see of the question.
func (qu *Question) Public() Public {
	p := Public{ID: qu.ID, Type: qu.Type, Prompt: qu.Prompt, Categories: qu.Categories, Setup: qu.Setup, Command: qu.Command}
	for i, c := range qu.Choices {
		p.Choices = append(p.Choices, PublicEntry{ID: ChoiceID(i), Text: c.Text})
	}
	if qu.Type == TrueFalse {
		p.Choices = []PublicEntry{{ID: "true", Text: "True"}, {ID: "false", Text: "False"}}
	}
	for d, pos := range qu.StepOrder() {
		p.Steps = append(p.Steps, PublicEntry{ID: ChoiceID(d), Text: qu.Steps[pos]})
	}
	for i, it := range qu.Items {
		p.Items = append(p.Items, PublicEntry{ID: ChoiceID(i), Text: it.Text})
	}
	return p
}
