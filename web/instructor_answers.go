package web

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/layerlab/layerlab/lessons"
	"github.com/layerlab/layerlab/quizzes"
	"github.com/layerlab/layerlab/web/ui"
)

// answerText is a stored answer in words, as an instructor reads it: the
// texts of the chosen choices, the steps in the order given, each item
// with the category it was put under, the text typed. Stored answers are
// canonical (the quiz file's choice ids, not the ids one learner was
// dealt). An answer that does not fit its question, or a question the
// quiz files no longer have, is given as it was stored.
func answerText(set *quizzes.Set, quiz, question, raw string) string {
	qu := findQuestion(set, quiz, question)
	if qu == nil {
		return raw
	}
	if t, ok := questionAnswerText(qu, json.RawMessage(raw)); ok {
		return t
	}
	return raw
}

func findQuestion(set *quizzes.Set, quiz, question string) *quizzes.Question {
	if set == nil {
		return nil
	}
	q, ok := set.Quiz(quiz)
	if !ok {
		return nil
	}
	for i := range q.Questions {
		if q.Questions[i].ID == question {
			return &q.Questions[i]
		}
	}
	return nil
}

// choiceText is the text of the choice with a canonical id, on one line.
func choiceText(texts []string, id string) (string, bool) {
	for i, t := range texts {
		if quizzes.ChoiceID(i) == id {
			return strings.Join(strings.Fields(t), " "), true
		}
	}
	return "", false
}

func questionAnswerText(qu *quizzes.Question, raw json.RawMessage) (string, bool) {
	choices := make([]string, len(qu.Choices))
	for i, c := range qu.Choices {
		choices[i] = c.Text
	}
	switch qu.Type {
	case quizzes.Single, quizzes.Predict, quizzes.Short:
		var s string
		if json.Unmarshal(raw, &s) != nil {
			return "", false
		}
		if qu.Type == quizzes.Short || (qu.Type == quizzes.Predict && len(qu.Choices) == 0) {
			return s, true
		}
		return choiceText(choices, s)
	case quizzes.TrueFalse:
		var b bool
		if json.Unmarshal(raw, &b) != nil {
			return "", false
		}
		if b {
			return "True", true
		}
		return "False", true
	case quizzes.Multiple:
		var ids []string
		if json.Unmarshal(raw, &ids) != nil {
			return "", false
		}
		var out []string
		for _, id := range ids {
			t, ok := choiceText(choices, id)
			if !ok {
				return "", false
			}
			out = append(out, t)
		}
		if len(out) == 0 {
			return "(none chosen)", true
		}
		return strings.Join(out, " | "), true
	case quizzes.Ordering:
		var ids []string
		if json.Unmarshal(raw, &ids) != nil {
			return "", false
		}
		// A step's id names its place in the shuffled list the learner
		// was shown (StepOrder), which says which step it is.
		order := qu.StepOrder()
		shown := make([]string, len(order))
		for d, i := range order {
			shown[d] = qu.Steps[i]
		}
		var out []string
		for pos, id := range ids {
			t, ok := choiceText(shown, id)
			if !ok {
				return "", false
			}
			out = append(out, fmt.Sprintf("%d. %s", pos+1, t))
		}
		return strings.Join(out, " | "), true
	case quizzes.Matching:
		var m map[string]string
		if json.Unmarshal(raw, &m) != nil {
			return "", false
		}
		var out []string
		for i, it := range qu.Items {
			if cat, ok := m[quizzes.ChoiceID(i)]; ok {
				out = append(out, strings.Join(strings.Fields(it.Text), " ")+" → "+cat)
			}
		}
		if len(out) != len(m) {
			return "", false
		}
		return strings.Join(out, " | "), true
	}
	return "", false
}

// answerSourceText is the CSV's source column: "lesson:ID" for an answer
// given in a lesson (the lesson the page named; for answers stored before
// answers named it, the one lesson that ends with the quiz, or plain
// "lesson" when the course has no such lesson or more than one), "playground" for
// the quiz pages, "embed:ORIGIN" for a quiz embedded in another site.
func answerSourceText(a Answer, lessonOf map[string]string) string {
	switch a.Source {
	case "lesson":
		if a.Lesson != "" {
			return "lesson:" + a.Lesson
		}
		if id := lessonOf[a.Quiz]; id != "" {
			return "lesson:" + id
		}
		return "lesson"
	case "embed":
		if a.Origin != "" {
			return "embed:" + a.Origin
		}
		return "embed"
	}
	return a.Source
}

// sourceName says where answers were given, for people: the lesson by
// its title, the quiz pages, or embeds.
func sourceName(source, lesson string, course *lessons.Course) string {
	switch source {
	case "lesson":
		if lesson == "" {
			return "a lesson (not named: answered before answers named their lesson)"
		}
		if course != nil {
			if l, ok := course.Lesson(lesson); ok {
				return "lesson “" + l.Title + "”"
			}
		}
		return "lesson " + lesson
	case "playground":
		return "the quiz page"
	case "embed":
		return "embeds on other sites"
	}
	return source
}

// addSources tells each quiz on the dashboard where its answers were
// given.
func addSources(qs []ui.QuizStatsView, sources []SourceCount, course *lessons.Course) {
	for i := range qs {
		for _, sc := range sources {
			if sc.Quiz == qs[i].ID {
				qs[i].Sources = append(qs[i].Sources, ui.SourceRow{Name: sourceName(sc.Source, sc.Lesson, course), Lesson: sc.Lesson, N: sc.N})
			}
		}
	}
}

// quizLessons maps a quiz id to the one lesson that ends with it; a quiz
// two lessons share maps to "".
func quizLessons(course *lessons.Course) map[string]string {
	out := map[string]string{}
	if course == nil {
		return out
	}
	for _, l := range course.Lessons {
		if l.Quiz == "" {
			continue
		}
		if _, dup := out[l.Quiz]; dup {
			out[l.Quiz] = ""
			continue
		}
		out[l.Quiz] = l.ID
	}
	return out
}
