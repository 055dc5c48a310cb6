package lessons

import (
	"crypto/sha256"
	"encoding/hex"
	"slices"
	"sort"
	"strings"
)

// ChoiceID is the id a predict step's choice goes by in the page: a hash
// of the step and the text, so neither position nor name gives it away.
func (s *Step) ChoiceID(i int) string {
	h := sha256.Sum256([]byte(s.Title + "\x00" + s.Choices[i].Text))
	return hex.EncodeToString(h[:5])
}

// ShownChoices are the indexes of the choices in the order the page shows
// them: sorted by id, a fixed shuffle.
func (s *Step) ShownChoices() []int {
	order := make([]int, len(s.Choices))
	for i := range order {
		order[i] = i
	}
	sort.Slice(order, func(a, b int) bool { return s.ChoiceID(order[a]) < s.ChoiceID(order[b]) })
	return order
}

// rightAnswer is the answer the author gave: the correct choice's id, or
// the output to type.
func (s *Step) rightAnswer() string {
	for i, c := range s.Choices {
		if c.Correct {
			return s.ChoiceID(i)
		}
	}
	return s.Answer
}

// Grade grades a prediction against what the command printed: answer is
// a choice's id, or the typed output. The feedback names the
// misconception of a wrong choice.
func (s *Step) Grade(output, answer string) (bool, string) {
	if len(s.Choices) > 0 {
		for i, c := range s.Choices {
			if s.ChoiceID(i) == answer {
				if s.sameOutput(c.Text, output) {
					return true, ""
				}
				return false, c.Feedback
			}
		}
		return false, "Pick one of the choices."
	}
	return s.sameOutput(answer, output), ""
}

// matching counts the choices that read as the output.
func (s *Step) matching(output string) int {
	n := 0
	for _, c := range s.Choices {
		if s.sameOutput(c.Text, output) {
			n++
		}
	}
	return n
}

// sameOutput compares outputs line by line, ignoring runs of spaces and
// blank lines at either end; as sets of lines when order does not matter.
func (s *Step) sameOutput(a, b string) bool {
	la, lb := outputLines(a), outputLines(b)
	if s.AnyOrder {
		slices.Sort(la)
		slices.Sort(lb)
	}
	return slices.Equal(la, lb)
}

func outputLines(s string) []string {
	var out []string
	for _, l := range strings.Split(strings.ReplaceAll(s, "\r\n", "\n"), "\n") {
		out = append(out, strings.Join(strings.Fields(l), " "))
	}
	for len(out) > 0 && out[0] == "" {
		out = out[1:]
	}
	for len(out) > 0 && out[len(out)-1] == "" {
		out = out[:len(out)-1]
	}
	return out
}
