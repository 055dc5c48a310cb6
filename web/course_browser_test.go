package web_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/layerlab/layerlab/lessons"
	"github.com/layerlab/layerlab/web"
)

// editFile changes a build-context file the way a learner does: its tab in
// the editor (New file first when it does not exist yet), the new text,
// Save.
func editFile(t *testing.T, ctx context.Context, name, content string) {
	t.Helper()
	tab := `[...document.querySelectorAll('#editor-tabs button')].find(b => b.textContent === ` + jsString(name) + `)`
	if !evalBool(t, ctx, `(() => { const d = document.querySelector('details.context-files'); if (d) d.open = true; return true; })()`) {
		t.Fatal("no build-context editor")
	}
	if !evalBool(t, ctx, `!!`+tab) {
		// The New file button asks for the name with window.prompt, which
		// a headless browser cannot type into: answer it here.
		if _, err := chromedp.Run(ctx, chromedp.Evaluate[any](`window.prompt = () => `+jsString(name)+`; 0`)); err != nil {
			t.Fatal(err)
		}
		click(t, ctx, `[data-testid="file-new"]`)
		waitFor(t, ctx, "the new file's tab", `!!`+tab)
	}
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[any](tab+`.click(); 0`)); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx,
		chromedp.SetValue(chromedp.CSS(`[data-testid="editor-text"]`), content),
		chromedp.Click(chromedp.CSS(`[data-testid="file-save"]`)),
	); err != nil {
		t.Fatalf("saving %s: %v", name, err)
	}
}

// pollFor polls a JavaScript condition for at most d.
func pollFor(ctx context.Context, js string, d time.Duration) bool {
	end := time.Now().Add(d)
	for time.Now().Before(end) {
		if ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](js)); err == nil && ok {
			return true
		}
		time.Sleep(50 * time.Millisecond)
	}
	return false
}

// TestBrowserNewcomerCompletesCourse plays the whole course as a newcomer
// would in Chromium: every lesson page in order, the example commands
// typed into the console, every prediction made (the right one) through
// its form, every challenge solved by typing and by editing files in the
// editor, the capstone included, following "Next lesson" from each to the
// next; then the course's last knowledge check answered and passed.
func TestBrowserNewcomerCompletesCourse(t *testing.T) {
	if testing.Short() {
		t.Skip("plays the whole course")
	}
	qs := preparedQuizzes(t)
	ts := newQuizServer(t, web.Config{AnswerRate: -1}, nil)
	ctx := browserFor(t, 1366, 900, 5*time.Minute)
	course := lessonsCourse(t)
	if len(course.Lessons) < 14 {
		t.Fatalf("the course has %d lessons, want at least 14", len(course.Lessons))
	}
	if err := chromedp.Do(ctx, chromedp.Navigate(ts.URL+"/lessons/"+course.Lessons[0].ID)); err != nil {
		t.Fatal(err)
	}
	for li, l := range course.Lessons {
		connected := `location.pathname === "/lessons/` + l.ID + `" && document.querySelector('[data-testid="console-status"]').textContent === "connected"`
		if !pollFor(ctx, connected, 30*time.Second) {
			state, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`location.pathname + " | " + document.querySelector('[data-testid="console-status"]')?.textContent + " | " + document.querySelector('[data-testid="console-output"]')?.textContent.slice(-300)`))
			t.Fatalf("%s: the console did not connect in 30 s: %s", l.ID, state)
		}
		for i, st := range l.Steps {
			step := fmt.Sprintf(`[data-testid="step"][data-index="%d"]`, i)
			waitFor(t, ctx, fmt.Sprintf("%s step %d shown", l.ID, i+1), visible(step))
			switch st.Kind {
			case lessons.Predict:
				if len(st.Choices) > 0 {
					for _, c := range st.Choices {
						if c.Correct && !mark(t, ctx, step, c.Text) {
							t.Fatalf("%s step %d: no choice reads %q", l.ID, i+1, c.Text)
						}
					}
					click(t, ctx, step+` [data-pick]`)
				} else {
					if _, err := chromedp.Run(ctx, chromedp.SetValue(chromedp.CSS(step+` textarea[name="predict"]`), st.Answer)); err != nil {
						t.Fatal(err)
					}
				}
				click(t, ctx, step+` [data-testid="predict-check"]`)
				waitFor(t, ctx, fmt.Sprintf("%s step %d: the prediction graded right", l.ID, i+1), `document.querySelector('`+step+` [data-testid="predict-form"]').dataset.result === "correct"`)
			default:
				if st.Kind == lessons.Challenge {
					if n := evalInt(t, ctx, `document.querySelectorAll('`+step+` .lesson-narrative [data-testid="type-button"]').length`); n != 0 {
						t.Fatalf("%s step %d: a challenge shows %d commands", l.ID, i+1, n)
					}
					if !evalBool(t, ctx, `!!document.querySelector('#pane-picture [data-testid="goal"][data-step="`+fmt.Sprint(i)+`"]:not([hidden])')`) {
						t.Fatalf("%s step %d: a challenge without its goal picture beside the live one", l.ID, i+1)
					}
				}
				for _, a := range st.Solution {
					switch {
					case a.Command != "":
						typeCommand(t, ctx, a.Command)
					case a.Delete:
						t.Fatalf("%s step %d: deleting files is not played here", l.ID, i+1)
					default:
						editFile(t, ctx, a.File, a.Content)
					}
				}
			}
			waitFor(t, ctx, fmt.Sprintf("%s step %d done", l.ID, i+1), `document.querySelectorAll('[data-testid="step-item"]')[`+fmt.Sprint(i)+`].dataset.state === "done"`)
		}
		waitFor(t, ctx, l.ID+" complete", visible(`[data-testid="lesson-done"]`))
		if li+1 < len(course.Lessons) {
			next := course.Lessons[li+1]
			href, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector('[data-testid="next-lesson"]').getAttribute("href")`))
			if err != nil || href != "/lessons/"+next.ID {
				t.Fatalf("%s: next lesson is %q (%v), want /lessons/%s", l.ID, href, err, next.ID)
			}
			// Enter on the focused link: a click can land while the
			// page still scrolls the done message into view.
			press(t, ctx, `[data-testid="next-lesson"]`, kb.Enter)
		}
	}

	// The course's last page ends with the first knowledge check.
	last := course.Lessons[len(course.Lessons)-1]
	quiz, ok := qs.Quiz(last.Quiz)
	if !ok || quiz.ID != "image-vs-container" {
		t.Fatalf("the last lesson's quiz is %q, want image-vs-container", last.Quiz)
	}
	for i := range quiz.Questions {
		answerByKeyboard(t, ctx, quiz.ID, &quiz.Questions[i], true)
	}
	waitFor(t, ctx, "the quiz passed", `document.querySelector('[data-testid="quiz"]').dataset.passed === "true"`)
	total, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector('[data-testid="quiz-total"]').textContent`))
	if err != nil || !strings.Contains(total, "Passed") {
		t.Fatalf("the summary reads %q (%v)", total, err)
	}

	// The course page marks every lesson complete.
	if err := chromedp.Do(ctx, chromedp.Navigate(ts.URL+"/lessons")); err != nil {
		t.Fatal(err)
	}
	waitFor(t, ctx, "the course page", `document.querySelectorAll('[data-testid="course-lesson"]').length === `+fmt.Sprint(len(course.Lessons)))
	if n := evalInt(t, ctx, `document.querySelectorAll('[data-testid="course-lesson"][data-complete="true"]').length`); n != len(course.Lessons) {
		t.Fatalf("%d of %d lessons marked complete", n, len(course.Lessons))
	}
}
