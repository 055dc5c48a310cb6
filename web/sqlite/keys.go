package sqlite

import (
	"context"
	"crypto/rand"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// serverKeyName is the row of the learner-cookie key.
const serverKeyName = "learner"

// ensureServerKey makes the server key on first start; later starts keep
// the one they find, so cookies stay valid over restarts.
func (db *DB) ensureServerKey(ctx context.Context) error {
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		return fmt.Errorf("making the server key: %w", err)
	}
	if _, err := db.write.ExecContext(ctx, `INSERT INTO server_keys (name, key, created_at) VALUES (?, ?, ?)
		ON CONFLICT (name) DO NOTHING`, serverKeyName, key, time.Now().UTC().Format(time.RFC3339)); err != nil {
		return fmt.Errorf("storing the server key: %w", err)
	}
	return nil
}

// ServerKey is the secret learner cookies are signed with.
func (db *DB) ServerKey(ctx context.Context) ([]byte, error) {
	var key []byte
	err := db.read.QueryRowContext(ctx, `SELECT key FROM server_keys WHERE name = ?`, serverKeyName).Scan(&key)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && len(key) < 32) {
		return nil, errors.New("reading the server key: the database has none")
	}
	if err != nil {
		return nil, fmt.Errorf("reading the server key: %w", err)
	}
	return key, nil
}

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
