package postgres

import (
	"context"
	"fmt"
	"time"
)

// SaveProgress records that a learner completed one step of a lesson. The
// first completion is kept.
func (db *DB) SaveProgress(ctx context.Context, learner, lesson string, step int, at time.Time) error {
	if _, err := db.pool.Exec(ctx, `INSERT INTO lesson_progress (learner, lesson, step, completed_at)
		VALUES ($1, $2, $3, $4) ON CONFLICT (learner, lesson, step) DO NOTHING`,
		learner, lesson, step, at.UTC()); err != nil {
		return fmt.Errorf("saving progress of %s in %s: %w", learner, lesson, err)
	}
	return nil
}

// Progress lists the steps a learner completed, by lesson id.
func (db *DB) Progress(ctx context.Context, learner string) (map[string][]int, error) {
	rows, err := db.pool.Query(ctx, `SELECT lesson, step FROM lesson_progress WHERE learner = $1 ORDER BY lesson COLLATE "C", step`, learner)
	if err != nil {
		return nil, fmt.Errorf("reading progress of %s: %w", learner, err)
	}
	defer rows.Close()
	out := map[string][]int{}
	for rows.Next() {
		var lesson string
		var step int
		if err := rows.Scan(&lesson, &step); err != nil {
			return nil, fmt.Errorf("reading progress of %s: %w", learner, err)
		}
		out[lesson] = append(out[lesson], step)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("reading progress of %s: %w", learner, err)
	}
	return out, nil
}
