package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/layerlab/layerlab/web"
)

// LoadSession returns a learner's session in a mode, or found=false. The
// seed and the log are read in one snapshot, so a node never sees a log
// from another node's write half done.
func (db *DB) LoadSession(ctx context.Context, learner, mode string) (seed uint64, log []web.LogEntry, found bool, err error) {
	tx, err := db.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return 0, nil, false, fmt.Errorf("loading session: %w", unavailable(err))
	}
	defer tx.Rollback(ctx)
	var s int64
	var share *string
	err = tx.QueryRow(ctx, `SELECT seed, share_id FROM sessions WHERE learner = $1 AND mode = $2`, learner, mode).Scan(&s, &share)
	if errNoRows(err) {
		return 0, nil, false, nil
	}
	if err != nil {
		return 0, nil, false, fmt.Errorf("loading session: %w", unavailable(err))
	}
	if share != nil {
		// Opened from a share link and not written since: the shared log.
		var raw string
		err := tx.QueryRow(ctx, `SELECT log FROM shares WHERE id = $1`, *share).Scan(&raw)
		if err == nil {
			if err := json.Unmarshal([]byte(raw), &log); err != nil {
				return 0, nil, false, fmt.Errorf("loading shared session: %w", unavailable(err))
			}
			return uint64(s), log, true, nil
		}
		if !errNoRows(err) {
			return 0, nil, false, fmt.Errorf("loading shared session: %w", unavailable(err))
		}
	}
	rows, err := tx.Query(ctx, `SELECT kind, line, path, data FROM session_log
		WHERE learner = $1 AND mode = $2 ORDER BY seq`, learner, mode)
	if err != nil {
		return 0, nil, false, fmt.Errorf("loading session log: %w", unavailable(err))
	}
	defer rows.Close()
	for rows.Next() {
		var e web.LogEntry
		if err := rows.Scan(&e.Kind, &e.Line, &e.Path, &e.Data); err != nil {
			return 0, nil, false, fmt.Errorf("loading session log: %w", unavailable(err))
		}
		log = append(log, e)
	}
	if err := rows.Err(); err != nil {
		return 0, nil, false, fmt.Errorf("loading session log: %w", unavailable(err))
	}
	return uint64(s), log, true, nil
}

// SaveSession replaces a learner's session in a mode with seed and log.
func (db *DB) SaveSession(ctx context.Context, learner, mode string, seed uint64, log []web.LogEntry) error {
	err := pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
		now := time.Now().UTC()
		if _, err := tx.Exec(ctx, `INSERT INTO sessions (learner, mode, seed, created_at, updated_at) VALUES ($1, $2, $3, $4, $4)
			ON CONFLICT (learner, mode) DO UPDATE SET seed = excluded.seed, updated_at = excluded.updated_at, share_id = NULL`,
			learner, mode, int64(seed), now); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM session_log WHERE learner = $1 AND mode = $2`, learner, mode); err != nil {
			return err
		}
		if len(log) == 0 {
			return nil
		}
		rows := make([][]any, len(log))
		for i, e := range log {
			rows[i] = []any{learner, mode, i, e.Kind, e.Line, e.Path, e.Data}
		}
		_, err := tx.CopyFrom(ctx, pgx.Identifier{"session_log"},
			[]string{"learner", "mode", "seq", "kind", "line", "path", "data"}, pgx.CopyFromRows(rows))
		return err
	})
	if err != nil {
		return fmt.Errorf("saving session: %w", unavailable(err))
	}
	return nil
}

// AppendLog adds one entry at position seq (0-based), dropping any entries
// at or after it (what an undo left behind).
func (db *DB) AppendLog(ctx context.Context, learner, mode string, seq int, e web.LogEntry) error {
	err := pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
		if err := copyOnWrite(ctx, tx, learner, mode, seq); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM session_log WHERE learner = $1 AND mode = $2 AND seq >= $3`, learner, mode, seq); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO session_log (learner, mode, seq, kind, line, path, data) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
			learner, mode, seq, e.Kind, e.Line, e.Path, e.Data); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `UPDATE sessions SET updated_at = $1 WHERE learner = $2 AND mode = $3`, time.Now().UTC(), learner, mode)
		return err
	})
	if err != nil {
		return fmt.Errorf("appending to session: %w", unavailable(err))
	}
	return nil
}

// TruncateLog keeps the first n entries of a session's log.
func (db *DB) TruncateLog(ctx context.Context, learner, mode string, n int) error {
	err := pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
		if err := copyOnWrite(ctx, tx, learner, mode, n); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `DELETE FROM session_log WHERE learner = $1 AND mode = $2 AND seq >= $3`, learner, mode, n)
		return err
	})
	if err != nil {
		return fmt.Errorf("truncating session log: %w", unavailable(err))
	}
	return nil
}

// ShareSession makes a learner's session in a mode the shared one, without
// copying its log: the session points at the share until it is written to.
func (db *DB) ShareSession(ctx context.Context, learner, mode, id string) (bool, error) {
	found := false
	err := pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
		var seed int64
		err := tx.QueryRow(ctx, `SELECT seed FROM shares WHERE id = $1`, id).Scan(&seed)
		if errNoRows(err) {
			return nil
		}
		if err != nil {
			return err
		}
		found = true
		now := time.Now().UTC()
		if _, err := tx.Exec(ctx, `INSERT INTO sessions (learner, mode, seed, created_at, updated_at, share_id) VALUES ($1, $2, $3, $4, $4, $5)
			ON CONFLICT (learner, mode) DO UPDATE SET seed = excluded.seed, updated_at = excluded.updated_at, share_id = excluded.share_id`,
			learner, mode, seed, now, id); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `DELETE FROM session_log WHERE learner = $1 AND mode = $2`, learner, mode)
		return err
	})
	if err != nil {
		return false, fmt.Errorf("opening shared session: %w", unavailable(err))
	}
	return found, nil
}

// copyOnWrite gives a session that points at a share its own copy of the
// shared log's first n entries (what a write keeps), and drops the pointer.
func copyOnWrite(ctx context.Context, tx pgx.Tx, learner, mode string, n int) error {
	var share *string
	err := tx.QueryRow(ctx, `SELECT share_id FROM sessions WHERE learner = $1 AND mode = $2 FOR UPDATE`, learner, mode).Scan(&share)
	if errNoRows(err) || (err == nil && share == nil) {
		return nil
	}
	if err != nil {
		return err
	}
	var raw string
	switch err := tx.QueryRow(ctx, `SELECT log FROM shares WHERE id = $1`, *share).Scan(&raw); {
	case errNoRows(err):
		raw = "[]"
	case err != nil:
		return err
	}
	var log []web.LogEntry
	if err := json.Unmarshal([]byte(raw), &log); err != nil {
		return fmt.Errorf("reading shared log %s: %w", *share, err)
	}
	if _, err := tx.Exec(ctx, `DELETE FROM session_log WHERE learner = $1 AND mode = $2`, learner, mode); err != nil {
		return err
	}
	log = log[:min(n, len(log))]
	if len(log) > 0 {
		rows := make([][]any, len(log))
		for i, e := range log {
			rows[i] = []any{learner, mode, i, e.Kind, e.Line, e.Path, e.Data}
		}
		if _, err := tx.CopyFrom(ctx, pgx.Identifier{"session_log"},
			[]string{"learner", "mode", "seq", "kind", "line", "path", "data"}, pgx.CopyFromRows(rows)); err != nil {
			return err
		}
	}
	_, err = tx.Exec(ctx, `UPDATE sessions SET share_id = NULL WHERE learner = $1 AND mode = $2`, learner, mode)
	return err
}

// SaveShare stores a snapshot under id; an id already stored keeps its
// first snapshot.
func (db *DB) SaveShare(ctx context.Context, id string, seed uint64, log []web.LogEntry) error {
	b, err := json.Marshal(log)
	if err != nil {
		return fmt.Errorf("saving share: %w", unavailable(err))
	}
	if _, err := db.pool.Exec(ctx, `INSERT INTO shares (id, seed, log, created_at) VALUES ($1, $2, $3, $4)
		ON CONFLICT (id) DO NOTHING`, id, int64(seed), string(b), time.Now().UTC()); err != nil {
		return fmt.Errorf("saving share: %w", unavailable(err))
	}
	return nil
}

// LoadShare reads a snapshot.
func (db *DB) LoadShare(ctx context.Context, id string) (seed uint64, log []web.LogEntry, found bool, err error) {
	var s int64
	var raw string
	err = db.pool.QueryRow(ctx, `SELECT seed, log FROM shares WHERE id = $1`, id).Scan(&s, &raw)
	if errNoRows(err) {
		return 0, nil, false, nil
	}
	if err != nil {
		return 0, nil, false, fmt.Errorf("loading share: %w", unavailable(err))
	}
	if err := json.Unmarshal([]byte(raw), &log); err != nil {
		return 0, nil, false, fmt.Errorf("loading share: %w", unavailable(err))
	}
	return uint64(s), log, true, nil
}

// Sessions lists a learner's stored sessions: the playground first, then
// by mode key.
func (db *DB) Sessions(ctx context.Context, learner string) ([]web.SessionInfo, error) {
	rows, err := db.pool.Query(ctx, `SELECT mode, updated_at FROM sessions WHERE learner = $1
		ORDER BY mode <> 'play', mode COLLATE "C"`, learner)
	if err != nil {
		return nil, fmt.Errorf("listing sessions: %w", unavailable(err))
	}
	defer rows.Close()
	var out []web.SessionInfo
	for rows.Next() {
		var si web.SessionInfo
		if err := rows.Scan(&si.Mode, &si.Updated); err != nil {
			return nil, fmt.Errorf("listing sessions: %w", unavailable(err))
		}
		si.Updated = si.Updated.UTC()
		out = append(out, si)
	}
	return out, rows.Err()
}
