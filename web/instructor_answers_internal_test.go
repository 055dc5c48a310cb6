package web

import (
	"strconv"
	"strings"
	"testing"

	"github.com/layerlab/layerlab/quizzes"
)

// Every question's right answer, in the canonical form answers are stored
// in, reads in the CSV as the quiz file says it: the right choices'
// texts, the steps in their order, each item under its category.
func TestInstructorAnswerTextOfEveryQuestion(t *testing.T) {
	set, err := quizzes.Load(quizzes.Files)
	if err != nil {
		t.Fatal(err)
	}
	one := func(s string) string { return strings.Join(strings.Fields(s), " ") }
	seen := map[string]bool{}
	for _, q := range set.All() {
		for i := range q.Questions {
			qu := &q.Questions[i]
			if qu.Type == quizzes.Predict {
				continue // its right answer is the simulator's output, known after Prepare
			}
			seen[qu.Type] = true
			var want []string
			switch qu.Type {
			case quizzes.Ordering:
				for n, s := range qu.Steps {
					want = append(want, strconv.Itoa(n+1)+". "+one(s))
				}
			case quizzes.Matching:
				for _, it := range qu.Items {
					want = append(want, one(it.Text)+" → "+it.Category)
				}
			default:
				for _, line := range strings.Split(qu.AnswerText(), "\n") {
					want = append(want, one(line))
				}
			}
			got := answerText(set, q.ID, qu.ID, string(qu.Solution()))
			if got != strings.Join(want, " | ") {
				t.Errorf("%s/%s (%s): %q, want %q", q.ID, qu.ID, qu.Type, got, strings.Join(want, " | "))
			}
		}
	}
	for _, ty := range []string{quizzes.Single, quizzes.Multiple, quizzes.TrueFalse, quizzes.Ordering, quizzes.Matching} {
		if !seen[ty] {
			t.Errorf("no %s question in the quiz files was tried", ty)
		}
	}
	// What does not fit its question is given as stored.
	for _, tc := range []struct{ quiz, question, raw string }{
		{"image-vs-container", "what-is-an-image", `"zz"`},
		{"image-vs-container", "what-is-an-image", `["a"]`},
		{"image-vs-container", "no-such-question", `"a"`},
		{"no-such-quiz", "what-is-an-image", `"a"`},
	} {
		if got := answerText(set, tc.quiz, tc.question, tc.raw); got != tc.raw {
			t.Errorf("%s/%s %s: %q, want it as stored", tc.quiz, tc.question, tc.raw, got)
		}
	}
}
