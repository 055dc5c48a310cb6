package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/layerlab/layerlab/web"
)

// SaveAnswer stores an answer once per client id. It reports whether this
// call stored it (false means the same client id was stored before). It
// returns only after the row is committed; concurrent calls share commits
// (see answerWriter).
func (db *DB) SaveAnswer(ctx context.Context, a web.Answer) (bool, error) {
	return db.answers.save(ctx, a)
}

// QueuedAnswers is how many answers wait for the next commit.
func (db *DB) QueuedAnswers() int { return db.answers.queued() }

// Answers lists the stored answers to one quiz, oldest first.
func (db *DB) Answers(ctx context.Context, quiz string) ([]web.Answer, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT client_id, learner, quiz, question, answer, correct, source, lesson, origin, created_at
		FROM answers WHERE quiz = ? ORDER BY id`, quiz)
	if err != nil {
		return nil, fmt.Errorf("listing answers to %s: %w", quiz, err)
	}
	defer rows.Close()
	var out []web.Answer
	for rows.Next() {
		var a web.Answer
		var at string
		if err := rows.Scan(&a.ClientID, &a.Learner, &a.Quiz, &a.Question, &a.Answer, &a.Correct, &a.Source, &a.Lesson, &a.Origin, &at); err != nil {
			return nil, fmt.Errorf("listing answers to %s: %w", quiz, err)
		}
		a.Time, _ = time.Parse(time.RFC3339Nano, at)
		out = append(out, a)
	}
	return out, rows.Err()
}

// AnswerByClientID returns the answer stored under a client id, if any: a
// resubmission is answered from what was stored the first time.
func (db *DB) AnswerByClientID(ctx context.Context, clientID string) (web.Answer, bool, error) {
	var a web.Answer
	var at string
	err := db.read.QueryRowContext(ctx, `SELECT client_id, learner, quiz, question, answer, correct, source, lesson, origin, created_at
		FROM answers WHERE client_id = ?`, clientID).Scan(&a.ClientID, &a.Learner, &a.Quiz, &a.Question, &a.Answer, &a.Correct, &a.Source, &a.Lesson, &a.Origin, &at)
	if errors.Is(err, sql.ErrNoRows) {
		return web.Answer{}, false, nil
	}
	if err != nil {
		return web.Answer{}, false, fmt.Errorf("reading answer %s: %w", clientID, err)
	}
	a.Time, _ = time.Parse(time.RFC3339Nano, at)
	return a, true, nil
}

// CountAnswers counts every stored answer; the crash test uses it.
func (db *DB) CountAnswers(ctx context.Context) (int, error) {
	var n int
	if err := db.read.QueryRowContext(ctx, `SELECT count(*) FROM answers`).Scan(&n); err != nil {
		return 0, fmt.Errorf("counting answers: %w", err)
	}
	return n, nil
}

// AllAnswers calls fn for every stored answer, oldest first, without
// holding them all in memory: the CSV export streams them.
func (db *DB) AllAnswers(ctx context.Context, fn func(web.Answer) error) error {
	rows, err := db.read.QueryContext(ctx, `SELECT client_id, learner, quiz, question, answer, correct, source, lesson, origin, created_at
		FROM answers ORDER BY id`)
	if err != nil {
		return fmt.Errorf("listing answers: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var a web.Answer
		var at string
		if err := rows.Scan(&a.ClientID, &a.Learner, &a.Quiz, &a.Question, &a.Answer, &a.Correct, &a.Source, &a.Lesson, &a.Origin, &at); err != nil {
			return fmt.Errorf("listing answers: %w", err)
		}
		a.Time, _ = time.Parse(time.RFC3339Nano, at)
		if err := fn(a); err != nil {
			return err
		}
	}
	return rows.Err()
}
