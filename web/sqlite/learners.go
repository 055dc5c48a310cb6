package sqlite

import (
	"context"
	"fmt"
)

// KnownLearner says whether a session or lesson progress is stored under
// a learner id (answers are not indexed by learner and not looked at).
func (db *DB) KnownLearner(ctx context.Context, learner string) (bool, error) {
	var n int
	err := db.read.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM sessions WHERE learner = ?)
		OR EXISTS (SELECT 1 FROM lesson_progress WHERE learner = ?)`, learner, learner).Scan(&n)
	if err != nil {
		return false, fmt.Errorf("looking up learner: %w", err)
	}
	return n != 0, nil
}
