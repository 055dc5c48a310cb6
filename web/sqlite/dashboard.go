package sqlite

import (
	"context"
	"fmt"

	"layerlab/web"
)

// AnswerCounts counts the stored answers per quiz, question, given answer
// and correctness: everything the dashboard's tables and charts need.
func (db *DB) AnswerCounts(ctx context.Context) ([]web.AnswerCount, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT quiz, question, answer, correct, count(*)
		FROM answers GROUP BY quiz, question, answer, correct ORDER BY quiz, question, answer`)
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

// LessonProgress summarizes the lesson_progress table per lesson: how many
// learners have a row, and how many of those finished. It reports
// found=false when the table, which the lessons migration adds, is absent,
// or has no lesson and learner columns.
func (db *DB) LessonProgress(ctx context.Context) (rows []web.LessonCount, found bool, err error) {
	cols, err := db.columns(ctx, "lesson_progress")
	if err != nil || !cols["lesson"] || !cols["learner"] {
		return nil, false, err
	}
	done := "0"
	switch {
	case cols["completed_at"]:
		done = "count(DISTINCT CASE WHEN completed_at IS NOT NULL AND completed_at != '' THEN learner END)"
	case cols["completed"]:
		done = "count(DISTINCT CASE WHEN completed THEN learner END)"
	}
	r, err := db.read.QueryContext(ctx, `SELECT lesson, count(DISTINCT learner), `+done+` FROM lesson_progress GROUP BY lesson ORDER BY lesson`)
	if err != nil {
		return nil, false, fmt.Errorf("reading lesson progress: %w", err)
	}
	defer r.Close()
	for r.Next() {
		var c web.LessonCount
		if err := r.Scan(&c.Lesson, &c.Learners, &c.Completed); err != nil {
			return nil, false, fmt.Errorf("reading lesson progress: %w", err)
		}
		rows = append(rows, c)
	}
	return rows, true, r.Err()
}

// columns lists a table's columns; none when it does not exist.
func (db *DB) columns(ctx context.Context, table string) (map[string]bool, error) {
	r, err := db.read.QueryContext(ctx, `SELECT name FROM pragma_table_info(?)`, table)
	if err != nil {
		return nil, fmt.Errorf("reading columns of %s: %w", table, err)
	}
	defer r.Close()
	cols := map[string]bool{}
	for r.Next() {
		var name string
		if err := r.Scan(&name); err != nil {
			return nil, fmt.Errorf("reading columns of %s: %w", table, err)
		}
		cols[name] = true
	}
	return cols, r.Err()
}
