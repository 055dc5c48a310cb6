package postgres

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"time"
)

const serverKeyName = "learner"

// ensureServerKey makes the server key on first open; the first node to
// open the database makes it, the others read the same one.
func (db *DB) ensureServerKey(ctx context.Context) error {
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		return fmt.Errorf("making the server key: %w", err)
	}
	if _, err := db.pool.Exec(ctx, `INSERT INTO server_keys (name, key, created_at) VALUES ($1, $2, $3)
		ON CONFLICT (name) DO NOTHING`, serverKeyName, key, time.Now().UTC()); err != nil {
		return fmt.Errorf("storing the server key: %w", err)
	}
	return nil
}

// ServerKey is the secret learner cookies are signed with.
func (db *DB) ServerKey(ctx context.Context) ([]byte, error) {
	var key []byte
	err := db.pool.QueryRow(ctx, `SELECT key FROM server_keys WHERE name = $1`, serverKeyName).Scan(&key)
	if errNoRows(err) || (err == nil && len(key) < 32) {
		return nil, errors.New("reading the server key: the database has none")
	}
	if err != nil {
		return nil, fmt.Errorf("reading the server key: %w", err)
	}
	return key, nil
}

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
