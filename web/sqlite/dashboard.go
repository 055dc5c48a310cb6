package sqlite

import (
	"context"
	"fmt"

	"github.com/layerlab/layerlab/web"
)

// inClass is true of every row for class 0, else of the rows of the
// class's members; it takes the class id as its one parameter.
const inClass = `(?1 = 0 OR learner IN (SELECT learner FROM class_members WHERE class_id = ?1))`

// AnswerCounts counts the stored answers per quiz, question, given answer
// and correctness: everything the dashboard's tables and charts need.
func (db *DB) AnswerCounts(ctx context.Context, class int64) ([]web.AnswerCount, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT quiz, question, answer, correct, count(*)
		FROM answers WHERE `+inClass+` GROUP BY quiz, question, answer, correct ORDER BY quiz, question, answer`, class)
	if err != nil {
		return nil, fmt.Errorf("counting answers: %w", err)
	}
	defer rows.Close()
	var out []web.AnswerCount
	for rows.Next() {
		var c web.AnswerCount
		if err := rows.Scan(&c.Quiz, &c.Question, &c.Answer, &c.Correct, &c.N); err != nil {
			return nil, fmt.Errorf("counting answers: %w", err)
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// OriginCounts counts embed answers per embedding origin.
func (db *DB) OriginCounts(ctx context.Context) ([]web.OriginCount, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT origin, count(*), sum(correct), count(DISTINCT learner)
		FROM answers WHERE source = 'embed' GROUP BY origin ORDER BY count(*) DESC, origin`)
	if err != nil {
		return nil, fmt.Errorf("counting answers by origin: %w", err)
	}
	defer rows.Close()
	var out []web.OriginCount
	for rows.Next() {
		var c web.OriginCount
		if err := rows.Scan(&c.Origin, &c.N, &c.Correct, &c.Learners); err != nil {
			return nil, fmt.Errorf("counting answers by origin: %w", err)
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// LessonProgress counts, per lesson, how many learners completed each
// number of distinct steps: one row per lesson and number of steps.
func (db *DB) LessonProgress(ctx context.Context, class int64) ([]web.LessonSteps, error) {
	r, err := db.read.QueryContext(ctx, `SELECT lesson, steps, count(*) FROM
		(SELECT lesson, learner, count(DISTINCT step) AS steps FROM lesson_progress WHERE `+inClass+` GROUP BY lesson, learner)
		GROUP BY lesson, steps ORDER BY lesson, steps`, class)
	if err != nil {
		return nil, fmt.Errorf("reading lesson progress: %w", err)
	}
	defer r.Close()
	var rows []web.LessonSteps
	for r.Next() {
		var c web.LessonSteps
		if err := r.Scan(&c.Lesson, &c.Steps, &c.Learners); err != nil {
			return nil, fmt.Errorf("reading lesson progress: %w", err)
		}
		rows = append(rows, c)
	}
	return rows, r.Err()
}

// AnswerSources counts answers per quiz and the place they were given.
func (db *DB) AnswerSources(ctx context.Context, class int64) ([]web.SourceCount, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT quiz, source, lesson, count(*)
		FROM answers WHERE `+inClass+` GROUP BY quiz, source, lesson ORDER BY quiz, source, lesson`, class)
	if err != nil {
		return nil, fmt.Errorf("counting answers by source: %w", err)
	}
	defer rows.Close()
	var out []web.SourceCount
	for rows.Next() {
		var c web.SourceCount
		if err := rows.Scan(&c.Quiz, &c.Source, &c.Lesson, &c.N); err != nil {
			return nil, fmt.Errorf("counting answers by source: %w", err)
		}
		out = append(out, c)
	}
	return out, rows.Err()
}
