package web

import (
	"github.com/layerlab/layerlab/lessons"
	"github.com/layerlab/layerlab/web/ui"
)

// lessonRows is the dashboard's progress per lesson, from the stored step
// counts: a learner is counted once they completed one step, and as
// having completed the lesson when they completed as many distinct steps
// as the lesson file has. Lessons of the course come first, in course
// order, every one of them even with no learner yet; lessons with stored
// progress that the course no longer has follow, with no completion
// claimed (their number of steps is unknown).
func lessonRows(course *lessons.Course, counts []LessonSteps) []ui.LessonRow {
	by := map[string][]LessonSteps{}
	var order []string
	for _, c := range counts {
		if _, seen := by[c.Lesson]; !seen {
			order = append(order, c.Lesson)
		}
		by[c.Lesson] = append(by[c.Lesson], c)
	}
	var rows []ui.LessonRow
	known := map[string]bool{}
	if course != nil {
		for _, l := range course.Lessons {
			known[l.ID] = true
			r := ui.LessonRow{Lesson: l.ID, Title: l.Title, Steps: len(l.Steps)}
			for _, c := range by[l.ID] {
				r.Learners += c.Learners
				if len(l.Steps) > 0 && c.Steps >= len(l.Steps) {
					r.Completed += c.Learners
				}
			}
			r.Percent = percent(r.Completed, r.Learners)
			rows = append(rows, r)
		}
	}
	for _, id := range order {
		if known[id] {
			continue
		}
		r := ui.LessonRow{Lesson: id, Title: "(not in the course)", Unknown: true}
		for _, c := range by[id] {
			r.Learners += c.Learners
		}
		rows = append(rows, r)
	}
	return rows
}
