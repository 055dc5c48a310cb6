package sqlite

import (
	"context"
	"fmt"
	"time"

	"github.com/layerlab/layerlab/web"
)

// LatestAnswers is a learner's last answer to each question of a quiz, so
// a quiz page shows what the learner answered before a reload.
func (db *DB) LatestAnswers(ctx context.Context, learner, quiz string) ([]web.Answer, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT client_id, learner, quiz, question, answer, correct, source, lesson, origin, created_at
		FROM answers WHERE id IN (SELECT max(id) FROM answers WHERE learner = ? AND quiz = ? GROUP BY question)
		ORDER BY id`, learner, quiz)
	if err != nil {
		return nil, fmt.Errorf("reading %s's answers to %s: %w", learner, quiz, err)
	}
	defer rows.Close()
	var out []web.Answer
	for rows.Next() {
		var a web.Answer
		var at string
		if err := rows.Scan(&a.ClientID, &a.Learner, &a.Quiz, &a.Question, &a.Answer, &a.Correct, &a.Source, &a.Lesson, &a.Origin, &at); err != nil {
			return nil, fmt.Errorf("reading %s's answers to %s: %w", learner, quiz, err)
		}
		a.Time, _ = time.Parse(time.RFC3339Nano, at)
		out = append(out, a)
	}
	return out, rows.Err()
}

// LearnerAnswers is a learner's last limit answers, oldest first.
func (db *DB) LearnerAnswers(ctx context.Context, learner string, limit int) ([]web.Answer, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT client_id, learner, quiz, question, answer, correct, source, lesson, origin, created_at
		FROM (SELECT * FROM answers WHERE learner = ? ORDER BY id DESC LIMIT ?) ORDER BY id`, learner, limit)
	if err != nil {
		return nil, fmt.Errorf("reading a learner's answers: %w", err)
	}
	defer rows.Close()
	var out []web.Answer
	for rows.Next() {
		var a web.Answer
		var at string
		if err := rows.Scan(&a.ClientID, &a.Learner, &a.Quiz, &a.Question, &a.Answer, &a.Correct, &a.Source, &a.Lesson, &a.Origin, &at); err != nil {
			return nil, fmt.Errorf("reading a learner's answers: %w", err)
		}
		a.Time, _ = time.Parse(time.RFC3339Nano, at)
		out = append(out, a)
	}
	return out, rows.Err()
}
