package postgres

import (
	"context"
	"fmt"
	"time"
)

// KnownLearner says whether a session or lesson progress is stored under
// a learner id.
func (db *DB) KnownLearner(ctx context.Context, learner string) (bool, error) {
	var known bool
	err := db.pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM sessions WHERE learner = $1)
		OR EXISTS (SELECT 1 FROM lesson_progress WHERE learner = $1)`, learner).Scan(&known)
	if err != nil {
		return false, fmt.Errorf("looking up learner: %w", err)
	}
	return known, nil
}

// ProbeWrite proves the database still takes a write: /healthz uses it.
func (db *DB) ProbeWrite(ctx context.Context) error {
	if _, err := db.pool.Exec(ctx, `INSERT INTO health_probe (id, at) VALUES (1, $1)
		ON CONFLICT (id) DO UPDATE SET at = excluded.at`, time.Now().UTC()); err != nil {
		return fmt.Errorf("writing to the database: %w", err)
	}
	return nil
}
