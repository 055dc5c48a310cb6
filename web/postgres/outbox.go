package postgres

import (
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/layerlab/layerlab/web"
)

var _ web.OutboxStore = (*DB)(nil)

// outboxLock is the advisory lock adding to the outbox holds, so the
// count against the limit and the insert are one step for every node.
const outboxLock = 0x6c6c78617069 // "llxapi"

// AddToOutbox stores msgs in one transaction.
func (db *DB) AddToOutbox(ctx context.Context, msgs []web.OutboxMessage, limit int) (int, error) {
	n := 0
	err := pgx.BeginFunc(ctx, db.pool, func(tx pgx.Tx) error {
		n = 0
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, int64(outboxLock)); err != nil {
			return err
		}
		var total int
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM xapi_outbox`).Scan(&total); err != nil {
			return err
		}
		for _, m := range msgs {
			if total >= limit {
				var there bool
				if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM xapi_outbox WHERE id = $1)`, m.ID).Scan(&there); err != nil {
					return err
				}
				if !there {
					return nil
				}
				n++
				continue
			}
			tag, err := tx.Exec(ctx, `INSERT INTO xapi_outbox (id, body, added_at, due) VALUES ($1, $2, $3, $3)
				ON CONFLICT (id) DO NOTHING`, m.ID, m.Body, m.Added)
			if err != nil {
				return err
			}
			total += int(tag.RowsAffected())
			n++
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("adding to the outbox: %w", unavailable(err))
	}
	return n, nil
}

// ClaimOutbox leases up to n due messages. FOR UPDATE SKIP LOCKED passes
// over rows another node is claiming this instant; a row it claimed a
// moment ago is due only when its lease ends, so it no longer matches.
func (db *DB) ClaimOutbox(ctx context.Context, now time.Time, n int, lease time.Duration) ([]web.OutboxMessage, error) {
	rows, err := db.pool.Query(ctx, `WITH c AS (
			SELECT seq FROM xapi_outbox WHERE NOT refused AND due <= $2
			ORDER BY due, seq LIMIT $3 FOR UPDATE SKIP LOCKED)
		UPDATE xapi_outbox o SET due = $1 FROM c WHERE o.seq = c.seq
		RETURNING o.seq, o.id, o.body, o.added_at, o.attempts`, now.Add(lease), now, n)
	if err != nil {
		return nil, fmt.Errorf("claiming from the outbox: %w", unavailable(err))
	}
	type claimed struct {
		seq int64
		m   web.OutboxMessage
	}
	got, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (claimed, error) {
		var c claimed
		err := r.Scan(&c.seq, &c.m.ID, &c.m.Body, &c.m.Added, &c.m.Attempts)
		c.m.Added = c.m.Added.UTC()
		return c, err
	})
	if err != nil {
		return nil, fmt.Errorf("claiming from the outbox: %w", unavailable(err))
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
	if len(ids) == 0 {
		return nil
	}
	if _, err := db.pool.Exec(ctx, `DELETE FROM xapi_outbox WHERE id = ANY($1)`, ids); err != nil {
		return fmt.Errorf("deleting from the outbox: %w", unavailable(err))
	}
	return nil
}

// RetryOutbox counts a failed attempt and sets the next try.
func (db *DB) RetryOutbox(ctx context.Context, ids []string, at time.Time, why string) error {
	if len(ids) == 0 {
		return nil
	}
	if _, err := db.pool.Exec(ctx, `UPDATE xapi_outbox SET attempts = attempts + 1, due = $2, last_error = $3 WHERE id = ANY($1)`,
		ids, at, why); err != nil {
		return fmt.Errorf("putting back into the outbox: %w", unavailable(err))
	}
	return nil
}

// RefuseOutbox sets refused messages aside.
func (db *DB) RefuseOutbox(ctx context.Context, ids []string, why string) error {
	if len(ids) == 0 {
		return nil
	}
	if _, err := db.pool.Exec(ctx, `UPDATE xapi_outbox SET attempts = attempts + 1, refused = true, last_error = $2 WHERE id = ANY($1)`,
		ids, why); err != nil {
		return fmt.Errorf("setting aside in the outbox: %w", unavailable(err))
	}
	return nil
}

// OutboxSize counts waiting and refused messages.
func (db *DB) OutboxSize(ctx context.Context) (waiting, refused int, err error) {
	if err := db.pool.QueryRow(ctx, `SELECT count(*) FILTER (WHERE NOT refused), count(*) FILTER (WHERE refused) FROM xapi_outbox`).Scan(&waiting, &refused); err != nil {
		return 0, 0, fmt.Errorf("counting the outbox: %w", unavailable(err))
	}
	return waiting, refused, nil
}
