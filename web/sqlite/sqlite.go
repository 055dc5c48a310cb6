package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

//go:embed migrations/*.sql
var migrations embed.FS

// DB is an open layerlab database.
type DB struct {
	write *sql.DB // exactly one connection: the single writer
	read  *sql.DB

	answers *answerWriter // group commit of quiz answers
	logs    *logWriter    // group commit of console commands
}

// Durability says when a commit reaches the disk.
type Durability string

const (
	// DurabilityNormal (synchronous=NORMAL in WAL mode) keeps every
	// acknowledged write over a crash of the process (kill -9), but the
	// last commits before a power loss or a kernel crash may be lost.
	DurabilityNormal Durability = "normal"
	// DurabilityFull (synchronous=FULL) syncs the WAL at every commit:
	// acknowledged writes survive power loss too, at the cost of an fsync
	// per commit.
	DurabilityFull Durability = "full"
)

// ParseDurability reads "normal" or "full".
func ParseDurability(s string) (Durability, error) {
	switch d := Durability(strings.ToLower(s)); d {
	case DurabilityNormal, DurabilityFull:
		return d, nil
	}
	return "", fmt.Errorf("durability %q: want normal or full", s)
}

// Options are how a database is opened.
type Options struct {
	Durability Durability // "" means DurabilityNormal
	// MaxBytes caps the database file (PRAGMA max_page_count); past it a
	// write fails as on a full disk. 0: no cap but the disk's.
	MaxBytes int64
}

// Open opens (creating if needed) the database file at path and applies any
// migration it has not seen yet.
func Open(ctx context.Context, path string) (*DB, error) {
	return OpenWith(ctx, path, Options{})
}

// OpenWith is Open with options. It checks the file first (PRAGMA
// quick_check) and refuses a damaged one.
func OpenWith(ctx context.Context, path string, opt Options) (*DB, error) {
	if path == "" {
		return nil, errors.New("opening database: no path given")
	}
	sync := "NORMAL"
	if opt.Durability == DurabilityFull {
		sync = "FULL"
	}
	dsn := "file:" + (&url.URL{Path: path}).EscapedPath() + "?" + strings.Join([]string{
		"_pragma=busy_timeout(5000)",
		"_pragma=journal_mode(WAL)",
		"_pragma=synchronous(" + sync + ")",
		"_pragma=max_page_count(" + strconv.FormatInt(maxPages(opt.MaxBytes), 10) + ")",
		"_pragma=foreign_keys(1)",
		"_txlock=immediate",
	}, "&")
	write, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("opening database %s: %w", path, err)
	}
	write.SetMaxOpenConns(1)
	read, err := sql.Open("sqlite", dsn)
	if err != nil {
		write.Close()
		return nil, fmt.Errorf("opening database %s: %w", path, err)
	}
	read.SetMaxOpenConns(4)
	db := &DB{write: write, read: read}
	if err := db.quickCheck(ctx); err != nil {
		errors.Join(write.Close(), read.Close())
		return nil, fmt.Errorf("database %s is damaged (%v): restore it from a backup, or move it away to start with an empty one", path, err)
	}
	if err := db.migrate(ctx); err != nil {
		errors.Join(write.Close(), read.Close())
		return nil, fmt.Errorf("migrating database %s: %w", path, err)
	}
	if db.answers, err = newAnswerWriter(ctx, db); err != nil {
		errors.Join(write.Close(), read.Close())
		return nil, err
	}
	if db.logs, err = newLogWriter(ctx, db); err != nil {
		db.answers.close()
		errors.Join(write.Close(), read.Close())
		return nil, err
	}
	return db, nil
}

// Synchronous is the write connection's PRAGMA synchronous (1 NORMAL,
// 2 FULL), or -1 when it cannot be read.
func (db *DB) Synchronous(ctx context.Context) int {
	n := -1
	if err := db.write.QueryRowContext(ctx, `PRAGMA synchronous`).Scan(&n); err != nil {
		return -1
	}
	return n
}

// maxPages is MaxBytes in pages of SQLite's default 4096 bytes.
func maxPages(maxBytes int64) int64 {
	if maxBytes <= 0 {
		return 1073741823 // SQLite's own default
	}
	return max(maxBytes/4096, 1)
}

// Close closes both pools.
func (db *DB) Close() error {
	db.answers.close()
	db.logs.close()
	return errors.Join(db.write.Close(), db.read.Close())
}

// Ping checks that the database answers; /healthz uses it.
func (db *DB) Ping(ctx context.Context) error {
	return db.read.PingContext(ctx)
}

// ProbeWrite proves the database still takes a write that needs room:
// /healthz uses it. In one transaction it commits a timestamp (so commits
// reach the log) after growing that row by 8 KB and rolling the growth
// back (so the file must have room, just now, for new pages).
func (db *DB) ProbeWrite(ctx context.Context) error {
	tx, err := db.write.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("writing to the database: %w", err)
	}
	defer tx.Rollback()
	for _, q := range []string{
		`INSERT INTO health_probe (id, at) VALUES (1, '') ON CONFLICT (id) DO NOTHING`,
		`SAVEPOINT room`,
		`UPDATE health_probe SET at = hex(zeroblob(4096)) WHERE id = 1`,
		`ROLLBACK TO room`,
		`RELEASE room`,
	} {
		if _, err := tx.ExecContext(ctx, q); err != nil {
			return fmt.Errorf("writing to the database: %w", err)
		}
	}
	if _, err := tx.ExecContext(ctx, `UPDATE health_probe SET at = ? WHERE id = 1`, time.Now().UTC().Format(time.RFC3339Nano)); err != nil {
		return fmt.Errorf("writing to the database: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("writing to the database: %w", err)
	}
	return nil
}

// quickCheck runs PRAGMA quick_check: a damaged file answers with what is
// wrong instead of "ok".
func (db *DB) quickCheck(ctx context.Context) error {
	rows, err := db.write.QueryContext(ctx, `PRAGMA quick_check`)
	if err != nil {
		return err
	}
	defer rows.Close()
	var problems []string
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			return err
		}
		if line != "ok" && len(problems) < 3 {
			problems = append(problems, line)
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	if len(problems) > 0 {
		return errors.New("quick_check: " + strings.Join(problems, "; "))
	}
	return nil
}

func (db *DB) migrate(ctx context.Context) error {
	if _, err := db.write.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
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
		if err := db.apply(ctx, version, base, name); err != nil {
			return fmt.Errorf("migration %s: %w", base, err)
		}
	}
	return nil
}

func (db *DB) apply(ctx context.Context, version int, base, name string) error {
	tx, err := db.write.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	var seen int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM schema_migrations WHERE version = ?`, version).Scan(&seen); err != nil {
		return err
	}
	if seen > 0 {
		return nil
	}
	body, err := migrations.ReadFile(name)
	if err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, string(body)); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, name) VALUES (?, ?)`, version, base); err != nil {
		return err
	}
	return tx.Commit()
}
