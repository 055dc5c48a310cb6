package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/layerlab/layerlab/lessons"
	"github.com/layerlab/layerlab/quizzes"
	"github.com/layerlab/layerlab/web"
)

// preparedQuizzes is the shipped quiz set with its predict questions run,
// so a test knows every right answer.
func preparedQuizzes(t *testing.T) *quizzes.Set {
	t.Helper()
	qs, err := quizzes.Load(quizzes.Files)
	if err != nil {
		t.Fatal(err)
	}
	lib, err := library()
	if err != nil {
		t.Fatal(err)
	}
	if err := qs.Prepare(context.Background(), lib); err != nil {
		t.Fatal(err)
	}
	return qs
}

// jsString quotes s for JavaScript.
func jsString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// press focuses an element and presses keys on it, as a keyboard user.
func press(t *testing.T, ctx context.Context, css string, keys string) {
	t.Helper()
	if err := chromedp.Do(ctx, chromedp.Focus(chromedp.CSS(css)), chromedp.KeyEvent(keys)); err != nil {
		t.Fatalf("pressing %q on %s: %v", keys, css, err)
	}
}

// mark puts data-pick on the input of the choice whose text is text, so the
// keyboard can reach it by a selector; it returns false when there is none.
func mark(t *testing.T, ctx context.Context, form, text string) bool {
	t.Helper()
	return evalBool(t, ctx, `(() => {
		document.querySelectorAll('[data-pick]').forEach(e => e.removeAttribute('data-pick'));
		const norm = s => s.replace(/\x60/g, '').replace(/\s+/g, ' ').trim();
		for (const l of document.querySelectorAll('`+form+` label.choice')) {
			if (norm(l.textContent) === norm(`+jsString(text)+`)) { l.querySelector('input').setAttribute('data-pick', '1'); return true; }
		}
		return false; })()`)
}

// answerByKeyboard answers one question through the page with the keyboard
// only: right when right is true, else with a wrong answer.
func answerByKeyboard(t *testing.T, ctx context.Context, quiz string, qu *quizzes.Question, right bool) {
	t.Helper()
	form := fmt.Sprintf(`form[data-quiz="%s"][data-question="%s"]`, quiz, qu.ID)
	clearForm := `document.querySelectorAll('` + form + ` input[type=radio], ` + form + ` input[type=checkbox]').forEach(i => i.checked = false)`
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[any](clearForm+`; 0`)); err != nil {
		t.Fatal(err)
	}
	pick := func(text string) {
		t.Helper()
		if !mark(t, ctx, form, text) {
			t.Fatalf("%s/%s: no choice reads %q", quiz, qu.ID, text)
		}
		press(t, ctx, form+` [data-pick]`, " ")
	}
	switch {
	case qu.Type == quizzes.Single || qu.Type == quizzes.Multiple || (qu.Type == quizzes.Predict && len(qu.Choices) > 0):
		for _, c := range qu.Choices {
			isRight := c.Correct
			if qu.Type == quizzes.Predict {
				isRight = quizzes.Normalize(c.Text) == quizzes.Normalize(qu.Expected())
			}
			if right && isRight {
				pick(c.Text)
			}
			if !right && !isRight {
				pick(c.Text)
				break
			}
		}
	case qu.Type == quizzes.TrueFalse:
		v := *qu.Answer
		if !right {
			v = !v
		}
		press(t, ctx, fmt.Sprintf(`%s input[value="%t"]`, form, v), " ")
	case qu.Type == quizzes.Short || qu.Type == quizzes.Predict:
		text := "no idea"
		if right && qu.Type == quizzes.Short {
			text = qu.Accept[0]
		} else if right {
			text = strings.TrimRight(qu.Expected(), "\n")
		}
		field := form + ` [name="text"]`
		if _, err := chromedp.Run(ctx, chromedp.Evaluate[any](`document.querySelector('`+field+`').value = ""; 0`)); err != nil {
			t.Fatal(err)
		}
		if err := chromedp.Do(ctx, chromedp.Focus(chromedp.CSS(field)), chromedp.KeyEvent(text)); err != nil {
			t.Fatal(err)
		}
	case qu.Type == quizzes.Ordering:
		// Move each step up with its ↑ button until it is in place: the
		// dealt order is never already right, so "wrong" leaves it be.
		if right {
			for want, step := range qu.Steps {
				for {
					pos := evalInt(t, ctx, `[...document.querySelectorAll('`+form+` .quiz-order > li')].findIndex(li => li.querySelector('.quiz-step-text').textContent.replace(/\s+/g,' ').trim() === `+jsString(strings.Join(strings.Fields(strings.ReplaceAll(step, "`", "")), " "))+`)`)
					if pos < 0 {
						t.Fatalf("%s/%s: step %q not shown", quiz, qu.ID, step)
					}
					if pos == want {
						break
					}
					press(t, ctx, fmt.Sprintf(`%s .quiz-order > li:nth-child(%d) .quiz-up`, form, pos+1), kb.Enter)
				}
			}
		}
	case qu.Type == quizzes.Matching:
		for i, it := range qu.Items {
			cat := it.Category
			if !right {
				cat = qu.Categories[0]
				if i == 0 && it.Category == cat {
					cat = qu.Categories[1]
				}
			}
			// The items are dealt in the learner's order: find the row by text.
			if !evalBool(t, ctx, `(() => { document.querySelectorAll('[data-pick]').forEach(e => e.removeAttribute('data-pick'));
				for (const r of document.querySelectorAll('`+form+` .quiz-row')) {
					if (r.querySelector('.quiz-item').textContent.replace(/\s+/g,' ').trim() === `+jsString(strings.Join(strings.Fields(strings.ReplaceAll(it.Text, "`", "")), " "))+`) { r.querySelector('select').setAttribute('data-pick','1'); return true; }
				} return false; })()`) {
				t.Fatalf("%s/%s: no item %q", quiz, qu.ID, it.Text)
			}
			// Typing a category's name picks it in a focused select.
			press(t, ctx, form+` select[data-pick]`, cat)
			got, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector('`+form+` select[data-pick]').value`))
			if err != nil || got != cat {
				t.Fatalf("%s/%s: typing %q into the select chose %q (%v)", quiz, qu.ID, cat, got, err)
			}
		}
	}
	want := "wrong"
	if right {
		want = "correct"
	}
	press(t, ctx, form+` .quiz-check`, kb.Enter)
	waitFor(t, ctx, fmt.Sprintf("%s/%s answered %s", quiz, qu.ID, want), `document.querySelector('`+form+`').dataset.result === "`+want+`"`)
}

// TestBrowserEveryQuestionEveryQuiz answers every question of every quiz,
// once wrong and once right, through each quiz's embed page and with the
// keyboard only; after a wrong try "show the answer" shows it; the summary
// gives the score against the pass mark; every answer is in SQLite with its
// correctness. Every lesson page then draws its quiz with answer controls
// for each question, remembering the answers given.
func TestBrowserEveryQuestionEveryQuiz(t *testing.T) {
	qs := preparedQuizzes(t)
	ts := newQuizServer(t, web.Config{AnswerRate: -1}, nil)
	ctx := browser(t, 1100, 900)
	for _, quiz := range qs.All() {
		if err := chromedp.Do(ctx, chromedp.Navigate(ts.URL+"/embed/quiz/"+quiz.ID)); err != nil {
			t.Fatal(err)
		}
		waitFor(t, ctx, quiz.ID+" questions loaded", fmt.Sprintf(`document.querySelectorAll('form.quiz-question').length === %d`, len(quiz.Questions)))
		for i := range quiz.Questions {
			qu := &quiz.Questions[i]
			form := fmt.Sprintf(`form[data-quiz="%s"][data-question="%s"]`, quiz.ID, qu.ID)
			if n := evalInt(t, ctx, `document.querySelectorAll('`+form+` input, `+form+` select, `+form+` textarea, `+form+` .quiz-order button').length`); n == 0 {
				t.Fatalf("%s/%s (%s) shows no answer controls", quiz.ID, qu.ID, qu.Type)
			}
			answerByKeyboard(t, ctx, quiz.ID, qu, false)
			press(t, ctx, form+` .quiz-show`, kb.Enter)
			sol, err := chromedp.Run(ctx, chromedp.Evaluate[string](`(() => { const s = document.querySelector('`+form+` .quiz-solution'); return s.hidden ? "" : s.textContent; })()`))
			if err != nil || strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(sol), "The answer:")) == "" {
				t.Fatalf("%s/%s: show the answer shows %q (%v)", quiz.ID, qu.ID, sol, err)
			}
			answerByKeyboard(t, ctx, quiz.ID, qu, true)
		}
		total, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector('[data-testid="quiz-end"]').hidden ? "" : document.querySelector('[data-testid="quiz-total"]').textContent`))
		if err != nil || !strings.Contains(total, fmt.Sprintf("You got %d of %d right (100%%). Passed", len(quiz.Questions), len(quiz.Questions))) {
			t.Fatalf("%s: summary reads %q (%v)", quiz.ID, total, err)
		}
		answers, err := ts.db.Answers(context.Background(), quiz.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(answers) != 2*len(quiz.Questions) {
			t.Fatalf("%s: %d answers stored, want %d", quiz.ID, len(answers), 2*len(quiz.Questions))
		}
		for i := range quiz.Questions {
			wrong, right := answers[2*i], answers[2*i+1]
			if wrong.Question != quiz.Questions[i].ID || wrong.Correct || right.Question != quiz.Questions[i].ID || !right.Correct {
				t.Errorf("%s: stored %+v then %+v, want a wrong then a right answer to %s", quiz.ID, wrong, right, quiz.Questions[i].ID)
			}
			if _, err := quiz.Questions[i].Grade(json.RawMessage(right.Answer)); err != nil {
				t.Errorf("%s/%s: the stored answer %s is not canonical: %v", quiz.ID, quiz.Questions[i].ID, right.Answer, err)
			}
		}
	}
}

// TestBrowserLessonQuizzesRemembered opens every lesson page: each draws
// its quiz with answer controls for every question, stores an answer given
// there as a lesson answer, and remembers it after a reload.
func TestBrowserLessonQuizzesRemembered(t *testing.T) {
	qs := preparedQuizzes(t)
	ts := newQuizServer(t, web.Config{AnswerRate: -1}, nil)
	ctx := browser(t, 1300, 900)
	course := lessonsCourse(t)
	for _, l := range course.Lessons {
		if err := chromedp.Do(ctx, chromedp.Navigate(ts.URL+"/lessons/"+l.ID)); err != nil {
			t.Fatal(err)
		}
		waitFor(t, ctx, l.ID+" page", `!!document.querySelector('[data-testid="lesson"]')`)
		if l.Quiz == "" {
			continue
		}
		quiz, ok := qs.Quiz(l.Quiz)
		if !ok {
			t.Fatalf("%s: quiz %q missing", l.ID, l.Quiz)
		}
		for i := range quiz.Questions {
			qu := &quiz.Questions[i]
			form := fmt.Sprintf(`form[data-quiz="%s"][data-question="%s"]`, quiz.ID, qu.ID)
			if n := evalInt(t, ctx, `document.querySelectorAll('`+form+` input, `+form+` select, `+form+` textarea, `+form+` .quiz-order button').length`); n == 0 {
				t.Fatalf("%s: %s/%s (%s) shows no answer controls", l.ID, quiz.ID, qu.ID, qu.Type)
			}
		}
		// The first question, answered right on the lesson page, is
		// remembered after a reload and stored as a lesson answer.
		answerByKeyboard(t, ctx, quiz.ID, &quiz.Questions[0], true)
		if err := chromedp.Do(ctx, chromedp.Reload()); err != nil {
			t.Fatal(err)
		}
		form := fmt.Sprintf(`form[data-quiz="%s"][data-question="%s"]`, quiz.ID, quiz.Questions[0].ID)
		waitFor(t, ctx, l.ID+" remembers its answer", `document.querySelector('`+form+`')?.dataset.result === "correct"`)
		answers, err := ts.db.Answers(context.Background(), quiz.ID)
		if err != nil || len(answers) == 0 || answers[len(answers)-1].Source != "lesson" || !answers[len(answers)-1].Correct {
			t.Fatalf("%s: stored %+v (%v), want a right lesson answer last", l.ID, answers, err)
		}
	}
}

// TestBrowserChoicesDealtPerLearner: two learners (two browsers) see the
// choices of the same quiz in different orders, and each sees the same
// order again after a reload.
func TestBrowserChoicesDealtPerLearner(t *testing.T) {
	ts := newQuizServer(t, web.Config{}, nil)
	order := `[...document.querySelectorAll('form.quiz-question label.choice')].map(l => l.textContent.trim().slice(0, 12)).join("|")`
	read := func(ctx context.Context) string {
		t.Helper()
		if err := chromedp.Do(ctx, chromedp.Navigate(ts.URL+"/embed/quiz/image-vs-container")); err != nil {
			t.Fatal(err)
		}
		waitFor(t, ctx, "questions", `document.querySelectorAll('form.quiz-question').length > 0`)
		s, err := chromedp.Run(ctx, chromedp.Evaluate[string](order))
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	one, two := browser(t, 900, 800), browser(t, 900, 800)
	a, b := read(one), read(two)
	if a == b {
		t.Fatalf("two learners see the same order of choices: %s", a)
	}
	if again := read(one); again != a {
		t.Fatalf("a reload reshuffled the first learner's choices:\n%s\n%s", a, again)
	}
	if again := read(two); again != b {
		t.Fatalf("a reload reshuffled the second learner's choices")
	}
}

func lessonsCourse(t *testing.T) *lessons.Course {
	t.Helper()
	c, probs := lessons.Load(lessons.Files)
	if len(probs) > 0 {
		t.Fatalf("lessons: %v", probs)
	}
	return c
}
