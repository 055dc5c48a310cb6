package postgres

import (
	"context"
	"crypto/rand"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/layerlab/layerlab/web"
)

//go:embed migrations/*.sql
var migrations embed.FS

// DB is every store web needs, on one PostgreSQL database.
type DB struct {
	pool    *pgxpool.Pool
	node    string // this process's name in NOTIFY payloads
	answers *answerWriter
}

var (
	_ web.Store           = (*DB)(nil)
	_ web.AnswerStore     = (*DB)(nil)
	_ web.InstructorStore = (*DB)(nil)
	_ web.ProgressStore   = (*DB)(nil)
	_ web.Claims          = (*DB)(nil)
)

// migrateLock is the advisory lock key nodes hold while they migrate.
const migrateLock = 0x6c617965726c6162 // "layerlab"

// Open connects to the database a postgres:// URL names, checks that it
// answers, and applies any migration it has not seen yet. Errors name the
// database without its password.
func Open(ctx context.Context, dsn string) (*DB, error) {
	name := Redact(dsn)
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("database %s: not a PostgreSQL URL (postgres://USER@HOST:PORT/DB?sslmode=disable): %s", name, oneLine(err))
	}
	if cfg.MaxConns < 8 {
		cfg.MaxConns = 8
	}
	cfg.ConnConfig.ConnectTimeout = 5 * time.Second
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("database %s: %s", name, oneLine(err))
	}
	pingCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := pool.Ping(pingCtx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("database %s: cannot connect: %s", name, oneLine(err))
	}
	b := make([]byte, 8)
	rand.Read(b)
	db := &DB{pool: pool, node: hex.EncodeToString(b)}
	if err := db.migrate(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("database %s: migrating: %s", name, oneLine(err))
	}
	db.answers = newAnswerWriter(db)
	return db, nil
}

// Close stops the answer writer and closes the pool.
func (db *DB) Close() error {
	db.answers.close()
	db.pool.Close()
	return nil
}

// Ping checks that the database answers; /healthz uses it.
func (db *DB) Ping(ctx context.Context) error {
	return db.pool.Ping(ctx)
}

// Redact is dsn with its password, if any, replaced by "xxxxx": what logs
// and error messages may show.
func Redact(dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil || u.User == nil {
		if err != nil {
			return "(unparsable URL)"
		}
		return dsn
	}
	if _, ok := u.User.Password(); ok {
		u.User = url.UserPassword(u.User.Username(), "xxxxx")
	}
	return u.String()
}

func oneLine(err error) string {
	return strings.Join(strings.Fields(err.Error()), " ")
}

func (db *DB) migrate(ctx context.Context) error {
	conn, err := db.pool.Acquire(ctx)
	if err != nil {
		return err
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, `SELECT pg_advisory_lock($1)`, int64(migrateLock)); err != nil {
		return err
	}
	defer conn.Exec(context.Background(), `SELECT pg_advisory_unlock($1)`, int64(migrateLock))
	if _, err := conn.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version INTEGER PRIMARY KEY, name TEXT NOT NULL)`); err != nil {
		return err
	}
	names, err := fs.Glob(migrations, "migrations/*.sql")
	if err != nil {
		return err
	}
	sort.Strings(names)
	for _, name := range names {
		base := strings.TrimPrefix(name, "migrations/")
		num, _, ok := strings.Cut(base, "_")
		version, err := strconv.Atoi(num)
		if !ok || err != nil {
			return fmt.Errorf("migration %s: name must start with a number and '_'", base)
		}
		if err := apply(ctx, conn.Conn(), version, base, name); err != nil {
			return fmt.Errorf("migration %s: %w", base, err)
		}
	}
	return nil
}

func apply(ctx context.Context, conn *pgx.Conn, version int, base, name string) error {
	tx, err := conn.Begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback(ctx)
	var seen int
	if err := tx.QueryRow(ctx, `SELECT count(*) FROM schema_migrations WHERE version = $1`, version).Scan(&seen); err != nil {
		return err
	}
	if seen > 0 {
		return nil
	}
	body, err := migrations.ReadFile(name)
	if err != nil {
		return err
	}
	// Simple protocol: a migration is several statements in one string.
	if _, err := tx.Exec(ctx, string(body), pgx.QueryExecModeSimpleProtocol); err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, `INSERT INTO schema_migrations (version, name) VALUES ($1, $2)`, version, base); err != nil {
		return err
	}
	return tx.Commit(ctx)
}

// errNoRows reports whether err is pgx's "no rows".
func errNoRows(err error) bool { return errors.Is(err, pgx.ErrNoRows) }
