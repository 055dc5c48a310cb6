package sqlite

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/layerlab/layerlab/web"
)

var _ web.OutboxStore = (*DB)(nil)

// AddToOutbox stores msgs in one transaction of the single writer: the
// count against the limit and the inserts cannot be split by another
// writer.
func (db *DB) AddToOutbox(ctx context.Context, msgs []web.OutboxMessage, limit int) (int, error) {
	tx, err := db.write.BeginTx(ctx, nil)
	if err != nil {
		return 0, fmt.Errorf("adding to the outbox: %w", err)
	}
	defer tx.Rollback()
	var total int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM xapi_outbox`).Scan(&total); err != nil {
		return 0, fmt.Errorf("adding to the outbox: %w", err)
	}
	n := 0
	for _, m := range msgs {
		if total >= limit {
			var there int
			if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM xapi_outbox WHERE id = ?`, m.ID).Scan(&there); err != nil {
				return 0, fmt.Errorf("adding %s to the outbox: %w", m.ID, err)
			}
			if there == 0 {
				break
			}
			n++
			continue
		}
		at := m.Added.UnixMilli()
		res, err := tx.ExecContext(ctx, `INSERT INTO xapi_outbox (id, body, added_at, due) VALUES (?, ?, ?, ?)
			ON CONFLICT (id) DO NOTHING`, m.ID, m.Body, at, at)
		if err != nil {
			return 0, fmt.Errorf("adding %s to the outbox: %w", m.ID, err)
		}
		added, _ := res.RowsAffected()
		total += int(added)
		n++
	}
	if err := tx.Commit(); err != nil {
		return 0, fmt.Errorf("adding to the outbox: %w", err)
	}
	return n, nil
}

// ClaimOutbox leases up to n due messages. SQLite has one writer, so two
// claims run one after the other and the second sees the first's lease.
func (db *DB) ClaimOutbox(ctx context.Context, now time.Time, n int, lease time.Duration) ([]web.OutboxMessage, error) {
	// An idle sender asks every few seconds: a read answers it without
	// taking the single writer from the answers.
	var due int
	if err := db.read.QueryRowContext(ctx, `SELECT count(*) FROM (SELECT 1 FROM xapi_outbox WHERE refused = 0 AND due <= ? LIMIT 1)`, now.UnixMilli()).Scan(&due); err != nil {
		return nil, fmt.Errorf("claiming from the outbox: %w", err)
	}
	if due == 0 {
		return nil, nil
	}
	rows, err := db.write.QueryContext(ctx, `UPDATE xapi_outbox SET due = ?
		WHERE seq IN (SELECT seq FROM xapi_outbox WHERE refused = 0 AND due <= ? ORDER BY due, seq LIMIT ?)
		RETURNING seq, id, body, added_at, attempts`, now.Add(lease).UnixMilli(), now.UnixMilli(), n)
	if err != nil {
		return nil, fmt.Errorf("claiming from the outbox: %w", err)
	}
	defer rows.Close()
	type claimed struct {
		seq int64
		m   web.OutboxMessage
	}
	var got []claimed
	for rows.Next() {
		var c claimed
		var added int64
		if err := rows.Scan(&c.seq, &c.m.ID, &c.m.Body, &added, &c.m.Attempts); err != nil {
			return nil, fmt.Errorf("claiming from the outbox: %w", err)
		}
		c.m.Added = time.UnixMilli(added).UTC()
		got = append(got, c)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("claiming from the outbox: %w", err)
	}
	sort.Slice(got, func(i, j int) bool { return got[i].seq < got[j].seq })
	out := make([]web.OutboxMessage, len(got))
	for i, c := range got {
		out[i] = c.m
	}
	return out, nil
}

// DeleteFromOutbox removes delivered messages.
func (db *DB) DeleteFromOutbox(ctx context.Context, ids []string) error {
	return db.eachID(ctx, "deleting from the outbox", `DELETE FROM xapi_outbox WHERE id IN (%s)`, ids)
}

// RetryOutbox counts a failed attempt and sets the next try.
func (db *DB) RetryOutbox(ctx context.Context, ids []string, at time.Time, why string) error {
	return db.eachID(ctx, "putting back into the outbox",
		`UPDATE xapi_outbox SET attempts = attempts + 1, due = ?, last_error = ? WHERE id IN (%s)`,
		ids, at.UnixMilli(), why)
}

// RefuseOutbox sets refused messages aside.
func (db *DB) RefuseOutbox(ctx context.Context, ids []string, why string) error {
	return db.eachID(ctx, "setting aside in the outbox",
		`UPDATE xapi_outbox SET attempts = attempts + 1, refused = 1, last_error = ? WHERE id IN (%s)`,
		ids, why)
}

// eachID runs query, whose %s is a list of placeholders for ids, after
// the leading args.
func (db *DB) eachID(ctx context.Context, doing, query string, ids []string, args ...any) error {
	if len(ids) == 0 {
		return nil
	}
	for _, id := range ids {
		args = append(args, id)
	}
	q := fmt.Sprintf(query, strings.TrimSuffix(strings.Repeat("?,", len(ids)), ","))
	if _, err := db.write.ExecContext(ctx, q, args...); err != nil {
		return fmt.Errorf("%s: %w", doing, err)
	}
	return nil
}

// OutboxSize counts waiting and refused messages.
func (db *DB) OutboxSize(ctx context.Context) (waiting, refused int, err error) {
	if err := db.read.QueryRowContext(ctx, `SELECT coalesce(sum(refused = 0), 0), coalesce(sum(refused), 0) FROM xapi_outbox`).Scan(&waiting, &refused); err != nil {
		return 0, 0, fmt.Errorf("counting the outbox: %w", err)
	}
	return waiting, refused, nil
}
