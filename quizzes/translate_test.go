package quizzes_test

import (
	"strings"
	"testing"
	"testing/fstest"

	"github.com/layerlab/layerlab/quizzes"
)

// The shipped translations match their originals, and the quizzes of the
// first three lessons are translated into every language.
func TestShippedTranslations(t *testing.T) {
	base, err := quizzes.Load(quizzes.Files)
	if err != nil {
		t.Fatal(err)
	}
	for _, lang := range quizzes.Locales(quizzes.Files) {
		set, err := quizzes.LoadTranslation(quizzes.Files, lang, base)
		if err != nil {
			t.Fatal(err)
		}
		for _, id := range []string{"image-vs-container", "processes", "run-and-exec"} {
			q, _ := set.Quiz(id)
			orig, _ := base.Quiz(id)
			if q == nil || q.File != lang+"/"+orig.File || q.Title == orig.Title {
				t.Errorf("%s: quiz %s is not translated", lang, id)
			}
		}
		if len(set.All()) != len(base.All()) {
			t.Errorf("%s: %d quizzes, want all %d", lang, len(set.All()), len(base.All()))
		}
	}
}

const original = `id: q
title: A quiz
questions:
  - id: one
    type: single
    prompt: Which?
    choices:
      - text: This
        correct: true
      - text: That
  - id: two
    type: truefalse
    prompt: True?
    answer: true
  - id: three
    type: matching
    prompt: Sort
    categories: [image, container]
    items:
      - text: layers
        category: image
      - text: writable
        category: container
  - id: four
    type: predict
    prompt: What does it print?
    command: docker images -q
    choices:
      - text: "nothing"
        correct: true
      - text: "abc"
`

const translated = `id: q
title: Un cuestionario
questions:
  - id: one
    type: single
    prompt: ¿Cuál?
    choices:
      - text: Este
        correct: true
      - text: Ese
  - id: two
    type: truefalse
    prompt: ¿Verdad?
    answer: true
  - id: three
    type: matching
    prompt: Ordena
    categories: [imagen, contenedor]
    items:
      - text: capas
        category: imagen
      - text: escribible
        category: contenedor
  - id: four
    type: predict
    prompt: ¿Qué imprime?
    command: docker images -q
    choices:
      - text: "nothing"
        correct: true
      - text: "abc"
`

func TestTranslationDrift(t *testing.T) {
	for _, tt := range []struct {
		name, from, to, want string
	}{
		{"good", "", "", ""},
		{"id", "id: one", "id: uno", `question 1 (uno): id differs from the original's "one"`},
		{"type", "type: single", "type: multiple", `question 1 (one): type "multiple" differs`},
		{"answer", "answer: true", "answer: false", "question 2 (two): the true/false answer differs"},
		{"correct", "      - text: Este\n        correct: true\n      - text: Ese\n", "      - text: Este\n      - text: Ese\n        correct: true\n", "question 1 (one): choice 1 is marked correct differently"},
		{"category", "      - text: capas\n        category: imagen", "      - text: capas\n        category: contenedor", "question 3 (three): item 1 is sorted under another category"},
		{"output", `- text: "abc"`, `- text: "abc def"`, "question 4 (four): choice 2: a predicted output is what the program prints and is never translated"},
		{"command", "command: docker images -q", "command: docker ps -q", "question 4 (four): the command, setup"},
		{"quiz id", "id: q\n", "id: p\n", `quiz id "p" differs from the original's "q"`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			fsys := fstest.MapFS{
				"q.yaml":    {Data: []byte(original)},
				"es/q.yaml": {Data: []byte(strings.Replace(translated, tt.from, tt.to, 1))},
			}
			base, err := quizzes.Load(fsys)
			if err != nil {
				t.Fatal(err)
			}
			set, err := quizzes.LoadTranslation(fsys, "es", base)
			q, _ := set.Quiz("q")
			if tt.want == "" {
				if err != nil || q.Title != "Un cuestionario" {
					t.Fatalf("good translation: %v, title %q", err, q.Title)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), "es/q.yaml:") || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want %q", err, tt.want)
			}
			if q.Title != "A quiz" {
				t.Errorf("a drifted translation is served: %q", q.Title)
			}
		})
	}
}

// The grading of a translated matching question takes the translated
// category names.
func TestTranslatedGrading(t *testing.T) {
	fsys := fstest.MapFS{"q.yaml": {Data: []byte(original)}, "es/q.yaml": {Data: []byte(translated)}}
	base, _ := quizzes.Load(fsys)
	set, err := quizzes.LoadTranslation(fsys, "es", base)
	if err != nil {
		t.Fatal(err)
	}
	q, _ := set.Quiz("q")
	qu, _ := q.Question("three")
	res, err := qu.Grade([]byte(`{"a":"imagen","b":"contenedor"}`))
	if err != nil || !res.Correct {
		t.Errorf("translated categories graded %+v, %v", res, err)
	}
}
