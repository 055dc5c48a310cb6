package sqlite

import (
	"context"
	"fmt"
	"time"

	"layerlab/web"
)

// SaveAnswer stores an answer once per client id. It reports whether this
// call stored it (false means the same client id was stored before).
func (db *DB) SaveAnswer(ctx context.Context, a web.Answer) (bool, error) {
	res, err := db.write.ExecContext(ctx, `INSERT INTO answers
		(client_id, learner, quiz, question, answer, correct, source, origin, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (client_id) DO NOTHING`,
		a.ClientID, a.Learner, a.Quiz, a.Question, a.Answer, a.Correct, a.Source, a.Origin,
		a.Time.UTC().Format(time.RFC3339Nano))
	if err != nil {
		return false, fmt.Errorf("saving answer %s: %w", a.ClientID, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, fmt.Errorf("saving answer %s: %w", a.ClientID, err)
	}
	return n == 1, nil
}

// Answers lists the stored answers to one quiz, oldest first.
func (db *DB) Answers(ctx context.Context, quiz string) ([]web.Answer, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT client_id, learner, quiz, question, answer, correct, source, origin, created_at
		FROM answers WHERE quiz = ? ORDER BY id`, quiz)
	if err != nil {
		return nil, fmt.Errorf("listing answers to %s: %w", quiz, err)
	}
	defer rows.Close()
	var out []web.Answer
	for rows.Next() {
		var a web.Answer
		var at string
		if err := rows.Scan(&a.ClientID, &a.Learner, &a.Quiz, &a.Question, &a.Answer, &a.Correct, &a.Source, &a.Origin, &at); err != nil {
			return nil, fmt.Errorf("listing answers to %s: %w", quiz, err)
		}
		a.Time, _ = time.Parse(time.RFC3339Nano, at)
		out = append(out, a)
	}
	return out, rows.Err()
}
