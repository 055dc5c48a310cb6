package quizzes_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"testing"
	"testing/fstest"

	"github.com/layerlab/layerlab/quizzes"
	"github.com/layerlab/layerlab/sim/base"
	"github.com/layerlab/layerlab/sim/engine"
	"github.com/layerlab/layerlab/sim/pkg"
)

var library = sync.OnceValues(func() (*engine.Library, error) {
	b, err := base.Load()
	if err != nil {
		return nil, err
	}
	p, err := pkg.Load()
	if err != nil {
		return nil, err
	}
	return engine.NewLibrary(b, p)
})

func checked(t *testing.T) *quizzes.Set {
	t.Helper()
	lib, err := library()
	if err != nil {
		t.Fatal(err)
	}
	set, err := quizzes.Check(context.Background(), quizzes.Files, lib)
	if err != nil {
		t.Fatal(err)
	}
	return set
}

// Every shipped quiz loads, and every predict question's answer is what the
// simulator prints.
func TestShippedQuizzes(t *testing.T) {
	set := checked(t)
	for _, id := range []string{"image-vs-container", "images-and-containers", "dockerfile-recipe", "layers-and-cache",
		"many-containers", "writable-layer", "volumes", "commit", "delete-does-not-shrink", "registry", "updating-images", "scaling"} {
		q, ok := set.Quiz(id)
		if !ok {
			t.Errorf("quiz %q is missing", id)
			continue
		}
		if id != "image-vs-container" && (len(q.Questions) < 3 || len(q.Questions) > 5) {
			t.Errorf("quiz %q has %d questions, want 3 to 5", id, len(q.Questions))
		}
	}
	types := map[string]bool{}
	for _, q := range set.All() {
		for _, qu := range q.Questions {
			types[qu.Type] = true
			for i, c := range qu.Choices {
				if !c.Correct && c.Feedback == "" && qu.Type != quizzes.Predict {
					t.Errorf("%s:%d: choice %s of %q is wrong but has no feedback naming the misconception", q.File, qu.Line, quizzes.ChoiceID(i), qu.ID)
				}
			}
		}
	}
	for _, ty := range []string{"single", "multiple", "truefalse", "ordering", "matching", "predict"} {
		if !types[ty] {
			t.Errorf("no shipped question has type %s", ty)
		}
	}
	// SPEC §2 item 14: every misconception is a wrong choice of the first quiz.
	first, _ := set.Quiz("image-vs-container")
	var wrong strings.Builder
	for _, qu := range first.Questions {
		for _, c := range qu.Choices {
			if !c.Correct {
				wrong.WriteString(c.Text + " " + c.Feedback + "\n")
			}
		}
		if qu.Type != quizzes.Single && qu.Type != quizzes.Predict {
			wrong.WriteString(qu.Prompt + " " + qu.Feedback + "\n")
		}
	}
	for _, m := range []string{"same thing", "picture", "build the image again", "Dockerfile is not the image", "frozen", "change the image", "shrinks"} {
		if !strings.Contains(wrong.String(), m) {
			t.Errorf("the misconception %q is not among the wrong answers of image-vs-container", m)
		}
	}
}

func TestGrade(t *testing.T) {
	set := checked(t)
	tests := []struct {
		quiz, question, answer string
		correct                bool
		feedback               string // a part of it
		err                    string
	}{
		// single
		{"image-vs-container", "what-is-an-image", `"a"`, true, "Right.", ""},
		{"image-vs-container", "what-is-an-image", `"c"`, false, "not a picture", ""},
		{"image-vs-container", "what-is-an-image", `"z"`, false, "", "has no choice"},
		{"image-vs-container", "what-is-an-image", `["a"]`, false, "", "must be the id of a choice"},
		{"image-vs-container", "what-is-an-image", `null`, false, "", "missing"},
		// truefalse
		{"image-vs-container", "same-thing", `false`, true, "", ""},
		{"image-vs-container", "same-thing", `true`, false, "two states", ""},
		{"image-vs-container", "same-thing", `"false"`, false, "", "true or false"},
		// multiple
		{"layers-and-cache", "which-add-layers", `["a","b","e"]`, true, "", ""},
		{"layers-and-cache", "which-add-layers", `["e","b","a"]`, true, "", ""},
		{"layers-and-cache", "which-add-layers", `["a","b"]`, false, "WORKDIR /app is true as well", ""},
		{"layers-and-cache", "which-add-layers", `["a","c"]`, false, "ENV only", ""},
		{"layers-and-cache", "which-add-layers", `["a"]`, false, "Not all of it", ""},
		{"layers-and-cache", "which-add-layers", `["q"]`, false, "", "no choice"},
		// matching
		{"image-vs-container", "sort-properties", `{"a":"image","b":"container","c":"container","d":"image","e":"container"}`, true, "", ""},
		{"image-vs-container", "sort-properties", `{"a":"container","b":"container","c":"container","d":"image","e":"container"}`, false, "Read-only layers belong", ""},
		{"image-vs-container", "sort-properties", `{"a":"image"}`, false, "", "has 5 items"},
		{"image-vs-container", "sort-properties", `{"a":"cake","b":"container","c":"container","d":"image","e":"container"}`, false, "", "no category"},
		// predict with candidate outputs
		{"image-vs-container", "diff-after-writes", `"a"`, true, "", ""},
		{"image-vs-container", "diff-after-writes", `"b"`, false, "copy-ups", ""},
		// predict as free text, compared after normalizing whitespace
		{"writable-layer", "diff-one", `"C /tmp\n  A    /tmp/x\n\n"`, true, "", ""},
		{"writable-layer", "diff-one", `"A /tmp/x"`, false, "directory", ""},
		{"writable-layer", "diff-one", `42`, false, "", "as a string"},
	}
	for _, tt := range tests {
		q, _ := set.Quiz(tt.quiz)
		qu, ok := q.Question(tt.question)
		if !ok {
			t.Fatalf("no question %s/%s", tt.quiz, tt.question)
		}
		r, err := qu.Grade(json.RawMessage(tt.answer))
		if tt.err != "" {
			if err == nil || !errors.Is(err, quizzes.ErrBadAnswer) || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("%s %s: error %v, want a bad answer containing %q", tt.question, tt.answer, err, tt.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s %s: %v", tt.question, tt.answer, err)
			continue
		}
		if r.Correct != tt.correct || !strings.Contains(r.Feedback, tt.feedback) || r.Explanation == "" {
			t.Errorf("%s %s: got %+v, want correct=%v with feedback containing %q", tt.question, tt.answer, r, tt.correct, tt.feedback)
		}
	}
}

// An ordering question's ids never give the order away, and the right order
// of ids is graded right.
func TestOrdering(t *testing.T) {
	set := checked(t)
	q, _ := set.Quiz("image-vs-container")
	qu, _ := q.Question("what-comes-first")
	order := qu.StepOrder()
	right := make([]string, len(order))
	shownInOrder := true
	for d, pos := range order {
		right[pos] = quizzes.ChoiceID(d)
		if d != pos {
			shownInOrder = false
		}
	}
	if shownInOrder {
		t.Fatal("the steps are shown in their right order")
	}
	raw, _ := json.Marshal(right)
	if r, err := qu.Grade(raw); err != nil || !r.Correct {
		t.Fatalf("grading %s: %+v, %v", raw, r, err)
	}
	wrong := append([]string{right[1], right[0]}, right[2:]...)
	raw, _ = json.Marshal(wrong)
	if r, err := qu.Grade(raw); err != nil || r.Correct || !strings.Contains(r.Feedback, "never built first") {
		t.Fatalf("grading %s: %+v, %v", raw, r, err)
	}
	for _, bad := range []string{`["a","a","b","c"]`, `["a"]`, `{"a":1}`} {
		if _, err := qu.Grade(json.RawMessage(bad)); !errors.Is(err, quizzes.ErrBadAnswer) {
			t.Errorf("grading %s: %v, want a bad answer", bad, err)
		}
	}
}

func TestLoadErrors(t *testing.T) {
	tests := []struct {
		src  string
		want string
	}{
		// YAML syntax
		{"id: x\ntitle: [unclosed\n", "bad.yaml:1: did not find"},
		{"id: x\ntitle: t\nquestions: 3\n", "bad.yaml:3: cannot unmarshal"},
		// quiz level
		{"id: Bad Id\ntitle: t\nquestions:\n  - {id: q, type: truefalse, prompt: p, answer: true}\n", "bad.yaml:1: quiz needs an id"},
		{"id: x\ntitle: t\n", "bad.yaml:1: quiz \"x\" has no questions"},
		// question level, with the question's line
		{"id: x\ntitle: t\nquestions:\n  - id: q\n    type: essay\n    prompt: p\n", "bad.yaml:4: question \"q\": unknown type \"essay\""},
		{"id: x\ntitle: t\nquestions:\n  - {id: q, type: truefalse, prompt: p, answer: true}\n  - {id: q, type: truefalse, prompt: p, answer: true}\n", "bad.yaml:5: question id \"q\" is used twice"},
		{"id: x\ntitle: t\nquestions:\n  - {id: q, type: single, prompt: p, choices: [{text: a}, {text: b}]}\n", "bad.yaml:4: question \"q\": a single-choice question needs"},
		{"id: x\ntitle: t\nquestions:\n  - {id: q, type: truefalse, prompt: p}\n", "bad.yaml:4: question \"q\": a true/false question needs answer"},
		{"id: x\ntitle: t\nquestions:\n  - {id: q, type: matching, prompt: p, categories: [a, b], items: [{text: i, category: a}, {text: j, category: c}]}\n", "not one of the categories"},
		{"id: x\ntitle: t\nquestions:\n  - {id: q, type: ordering, prompt: p, steps: [one]}\n", "at least two steps"},
		{"id: x\ntitle: t\nquestions:\n  - {id: q, type: predict, prompt: p}\n", "needs the command"},
	}
	for _, tt := range tests {
		_, err := quizzes.Load(fstest.MapFS{"bad.yaml": {Data: []byte(tt.src)}})
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("loading %q: %v, want %q", tt.src, err, tt.want)
		}
	}
}

// A predict question whose marked answer is not what the simulator prints,
// or whose setup fails, is caught by Check with its file and line.
func TestCheckPredict(t *testing.T) {
	lib, err := library()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		src, want string
	}{
		{"id: x\ntitle: t\nquestions:\n  - id: q\n    type: predict\n    prompt: p\n    bases: [alpine:3.20]\n    setup: [docker run --name one alpine:3.20 touch /new]\n    command: docker diff one\n    choices:\n      - {text: 'A /old', correct: true}\n      - {text: 'A /new'}\n",
			"bad.yaml:4: question \"q\": choice a is marked correct but the simulator prints"},
		{"id: x\ntitle: t\nquestions:\n  - id: q\n    type: predict\n    prompt: p\n    setup: [docker frobnicate]\n    command: docker ps\n",
			"bad.yaml:4: question \"q\": setup line 1 \"docker frobnicate\" failed"},
		{"id: x\ntitle: t\nquestions:\n  - id: q\n    type: predict\n    prompt: p\n    bases: [nosuch:1]\n    command: docker ps\n",
			"no base image \"nosuch:1\""},
	}
	for _, tt := range tests {
		_, err := quizzes.Check(context.Background(), fstest.MapFS{"bad.yaml": {Data: []byte(tt.src)}}, lib)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("checking: %v, want %q", err, tt.want)
		}
	}
}
