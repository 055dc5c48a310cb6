package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/layerlab/layerlab/web"
)

// DB is every store web needs.
var (
	_ web.Store           = (*DB)(nil)
	_ web.AnswerStore     = (*DB)(nil)
	_ web.InstructorStore = (*DB)(nil)
	_ web.ProgressStore   = (*DB)(nil)
)

// AddInstructor creates an account, or replaces the password of an existing
// one with the same email.
func (db *DB) AddInstructor(ctx context.Context, email, passwordHash string) error {
	email = strings.TrimSpace(email)
	if _, err := db.write.ExecContext(ctx, `INSERT INTO instructors (email, password_hash, created_at) VALUES (?, ?, ?)
		ON CONFLICT (email) DO UPDATE SET password_hash = excluded.password_hash`,
		email, passwordHash, time.Now().UTC().Format(time.RFC3339)); err != nil {
		return fmt.Errorf("adding instructor %s: %w", email, err)
	}
	return nil
}

// Instructor returns an account's id and password hash by email.
func (db *DB) Instructor(ctx context.Context, email string) (id int64, passwordHash string, found bool, err error) {
	err = db.read.QueryRowContext(ctx, `SELECT id, password_hash FROM instructors WHERE email = ?`, strings.TrimSpace(email)).Scan(&id, &passwordHash)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, "", false, nil
	}
	if err != nil {
		return 0, "", false, fmt.Errorf("reading instructor: %w", err)
	}
	return id, passwordHash, true, nil
}

// CreateLogin stores a login session under the hash of its token, and
// drops expired ones on the way.
func (db *DB) CreateLogin(ctx context.Context, tokenHash string, instructor int64, expires time.Time) error {
	now := time.Now().UTC().Format(time.RFC3339)
	if _, err := db.write.ExecContext(ctx, `DELETE FROM instructor_sessions WHERE expires_at < ?`, now); err != nil {
		return fmt.Errorf("creating login: %w", err)
	}
	if _, err := db.write.ExecContext(ctx, `INSERT INTO instructor_sessions (token_hash, instructor_id, expires_at) VALUES (?, ?, ?)`,
		tokenHash, instructor, expires.UTC().Format(time.RFC3339)); err != nil {
		return fmt.Errorf("creating login: %w", err)
	}
	return nil
}

// Login returns the email of the instructor a session token hash belongs
// to, if the session has not expired.
func (db *DB) Login(ctx context.Context, tokenHash string, now time.Time) (email string, found bool, err error) {
	err = db.read.QueryRowContext(ctx, `SELECT i.email FROM instructor_sessions s JOIN instructors i ON i.id = s.instructor_id
		WHERE s.token_hash = ? AND s.expires_at > ?`, tokenHash, now.UTC().Format(time.RFC3339)).Scan(&email)
	if errors.Is(err, sql.ErrNoRows) {
		return "", false, nil
	}
	if err != nil {
		return "", false, fmt.Errorf("reading login: %w", err)
	}
	return email, true, nil
}

// DeleteLogin ends a login session.
func (db *DB) DeleteLogin(ctx context.Context, tokenHash string) error {
	if _, err := db.write.ExecContext(ctx, `DELETE FROM instructor_sessions WHERE token_hash = ?`, tokenHash); err != nil {
		return fmt.Errorf("logging out: %w", err)
	}
	return nil
}
