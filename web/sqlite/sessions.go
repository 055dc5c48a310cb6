package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/layerlab/layerlab/web"
)

// LoadSession returns a learner's session in a mode, or found=false. A
// session opened from a share link and not written to since reads the
// shared log.
func (db *DB) LoadSession(ctx context.Context, learner, mode string) (seed uint64, log []web.LogEntry, found bool, err error) {
	var s int64
	var share sql.NullString
	err = db.read.QueryRowContext(ctx, `SELECT seed, share_id FROM sessions WHERE learner = ? AND mode = ?`, learner, mode).Scan(&s, &share)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil, false, nil
	}
	if err != nil {
		return 0, nil, false, fmt.Errorf("loading session: %w", err)
	}
	if share.Valid {
		_, log, found, err := db.LoadShare(ctx, share.String)
		if err != nil {
			return 0, nil, false, fmt.Errorf("loading session: %w", err)
		}
		if found {
			return uint64(s), log, true, nil
		}
	}
	rows, err := db.read.QueryContext(ctx, `SELECT kind, line, path, data FROM session_log
		WHERE learner = ? AND mode = ? ORDER BY seq`, learner, mode)
	if err != nil {
		return 0, nil, false, fmt.Errorf("loading session log: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var e web.LogEntry
		if err := rows.Scan(&e.Kind, &e.Line, &e.Path, &e.Data); err != nil {
			return 0, nil, false, fmt.Errorf("loading session log: %w", err)
		}
		log = append(log, e)
	}
	return uint64(s), log, true, rows.Err()
}

// SaveSession replaces a learner's session in a mode with seed and log.
func (db *DB) SaveSession(ctx context.Context, learner, mode string, seed uint64, log []web.LogEntry) error {
	tx, err := db.write.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("saving session: %w", err)
	}
	defer tx.Rollback()
	now := time.Now().UTC().Format(time.RFC3339)
	if _, err := tx.ExecContext(ctx, `INSERT INTO sessions (learner, mode, seed, created_at, updated_at) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (learner, mode) DO UPDATE SET seed = excluded.seed, updated_at = excluded.updated_at, share_id = NULL`,
		learner, mode, int64(seed), now, now); err != nil {
		return fmt.Errorf("saving session: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM session_log WHERE learner = ? AND mode = ?`, learner, mode); err != nil {
		return fmt.Errorf("saving session: %w", err)
	}
	for i, e := range log {
		if err := insertEntry(ctx, tx, learner, mode, i, e); err != nil {
			return err
		}
	}
	return tx.Commit()
}

// AppendLog adds one entry at position seq (0-based), dropping any entries
// at or after it (what an undo left behind). Appends from many sessions
// are committed together (logWriter); each returns after its COMMIT.
func (db *DB) AppendLog(ctx context.Context, learner, mode string, seq int, e web.LogEntry) error {
	return db.logs.append(ctx, logReq{learner: learner, mode: mode, seq: seq, e: e})
}

// TruncateLog keeps the first n entries of a session's log.
func (db *DB) TruncateLog(ctx context.Context, learner, mode string, n int) error {
	tx, err := db.write.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("truncating session log: %w", err)
	}
	defer tx.Rollback()
	if err := copyOnWrite(ctx, tx, learner, mode, n); err != nil {
		return fmt.Errorf("truncating session log: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM session_log WHERE learner = ? AND mode = ? AND seq >= ?`, learner, mode, n); err != nil {
		return fmt.Errorf("truncating session log: %w", err)
	}
	return tx.Commit()
}

// ShareSession makes a learner's session in a mode the shared one, without
// copying its log: the session points at the share until it is written to.
func (db *DB) ShareSession(ctx context.Context, learner, mode, id string) (bool, error) {
	tx, err := db.write.BeginTx(ctx, nil)
	if err != nil {
		return false, fmt.Errorf("opening shared session: %w", err)
	}
	defer tx.Rollback()
	var seed int64
	err = tx.QueryRowContext(ctx, `SELECT seed FROM shares WHERE id = ?`, id).Scan(&seed)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("opening shared session %s: %w", id, err)
	}
	now := time.Now().UTC().Format(time.RFC3339)
	if _, err := tx.ExecContext(ctx, `INSERT INTO sessions (learner, mode, seed, created_at, updated_at, share_id) VALUES (?, ?, ?, ?, ?, ?)
		ON CONFLICT (learner, mode) DO UPDATE SET seed = excluded.seed, updated_at = excluded.updated_at, share_id = excluded.share_id`,
		learner, mode, seed, now, now, id); err != nil {
		return false, fmt.Errorf("opening shared session: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM session_log WHERE learner = ? AND mode = ?`, learner, mode); err != nil {
		return false, fmt.Errorf("opening shared session: %w", err)
	}
	return true, tx.Commit()
}

// copyOnWrite gives a session that points at a share its own copy of the
// shared log's first n entries (what a write keeps), and drops the pointer.
func copyOnWrite(ctx context.Context, tx *sql.Tx, learner, mode string, n int) error {
	var share sql.NullString
	err := tx.QueryRowContext(ctx, `SELECT share_id FROM sessions WHERE learner = ? AND mode = ?`, learner, mode).Scan(&share)
	if errors.Is(err, sql.ErrNoRows) || (err == nil && !share.Valid) {
		return nil
	}
	if err != nil {
		return err
	}
	var raw string
	switch err := tx.QueryRowContext(ctx, `SELECT log FROM shares WHERE id = ?`, share.String).Scan(&raw); {
	case errors.Is(err, sql.ErrNoRows):
		raw = "[]"
	case err != nil:
		return err
	}
	var log []web.LogEntry
	if err := json.Unmarshal([]byte(raw), &log); err != nil {
		return fmt.Errorf("reading shared log %s: %w", share.String, err)
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM session_log WHERE learner = ? AND mode = ?`, learner, mode); err != nil {
		return err
	}
	for i, e := range log[:min(n, len(log))] {
		if err := insertEntry(ctx, tx, learner, mode, i, e); err != nil {
			return err
		}
	}
	_, err = tx.ExecContext(ctx, `UPDATE sessions SET share_id = NULL WHERE learner = ? AND mode = ?`, learner, mode)
	return err
}

func insertEntry(ctx context.Context, tx *sql.Tx, learner, mode string, seq int, e web.LogEntry) error {
	if _, err := tx.ExecContext(ctx, `INSERT INTO session_log (learner, mode, seq, kind, line, path, data) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		learner, mode, seq, e.Kind, e.Line, e.Path, e.Data); err != nil {
		return fmt.Errorf("writing session log: %w", err)
	}
	return nil
}

// SaveShare stores a snapshot under id.
func (db *DB) SaveShare(ctx context.Context, id string, seed uint64, log []web.LogEntry) error {
	b, err := json.Marshal(log)
	if err != nil {
		return fmt.Errorf("saving share: %w", err)
	}
	if _, err := db.write.ExecContext(ctx, `INSERT INTO shares (id, seed, log, created_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (id) DO NOTHING`,
		id, int64(seed), string(b), time.Now().UTC().Format(time.RFC3339)); err != nil {
		return fmt.Errorf("saving share: %w", err)
	}
	return nil
}

// LoadShare reads a snapshot.
func (db *DB) LoadShare(ctx context.Context, id string) (seed uint64, log []web.LogEntry, found bool, err error) {
	var s int64
	var raw string
	err = db.read.QueryRowContext(ctx, `SELECT seed, log FROM shares WHERE id = ?`, id).Scan(&s, &raw)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil, false, nil
	}
	if err != nil {
		return 0, nil, false, fmt.Errorf("loading share: %w", err)
	}
	if err := json.Unmarshal([]byte(raw), &log); err != nil {
		return 0, nil, false, fmt.Errorf("loading share: %w", err)
	}
	return uint64(s), log, true, nil
}

// Sessions lists a learner's stored sessions: the playground first, then
// by mode key.
func (db *DB) Sessions(ctx context.Context, learner string) ([]web.SessionInfo, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT mode, updated_at FROM sessions WHERE learner = ?
		ORDER BY mode <> 'play', mode`, learner)
	if err != nil {
		return nil, fmt.Errorf("listing sessions: %w", err)
	}
	defer rows.Close()
	var out []web.SessionInfo
	for rows.Next() {
		var si web.SessionInfo
		var at string
		if err := rows.Scan(&si.Mode, &at); err != nil {
			return nil, fmt.Errorf("listing sessions: %w", err)
		}
		si.Updated, _ = time.Parse(time.RFC3339Nano, at)
		out = append(out, si)
	}
	return out, rows.Err()
}
