package postgres

import (
	"context"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
)

// claimChannel is the NOTIFY channel nodes tell each other on.
const claimChannel = "layerlab_claims"

// Claim tells every other node listening on this database that the session
// named key was opened here. The payload is this node's id and the key.
func (db *DB) Claim(ctx context.Context, key string) error {
	if _, err := db.pool.Exec(ctx, `SELECT pg_notify($1, $2)`, claimChannel, db.node+" "+key); err != nil {
		return fmt.Errorf("notifying other nodes: %w", err)
	}
	return nil
}

// Listen calls fn with every key another node claims, until ctx ends or
// the connection is lost. It holds one connection of its own: LISTEN
// belongs to a connection, not to the pool.
func (db *DB) Listen(ctx context.Context, fn func(key string)) error {
	conn, err := pgx.ConnectConfig(ctx, db.pool.Config().ConnConfig.Copy())
	if err != nil {
		return fmt.Errorf("listening for claims: %w", err)
	}
	defer conn.Close(context.Background())
	if _, err := conn.Exec(ctx, "LISTEN "+claimChannel); err != nil {
		return fmt.Errorf("listening for claims: %w", err)
	}
	for {
		n, err := conn.WaitForNotification(ctx)
		if err != nil {
			return fmt.Errorf("listening for claims: %w", err)
		}
		node, key, ok := strings.Cut(n.Payload, " ")
		if ok && node != db.node {
			fn(key)
		}
	}
}
