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

// CreateClass makes a class owned by the instructor with the email.
func (db *DB) CreateClass(ctx context.Context, instructor, name, code string, at time.Time) (web.Class, error) {
	created := at.UTC().Format(time.RFC3339Nano)
	var id int64
	err := db.write.QueryRowContext(ctx, `INSERT INTO classes (code, name, instructor_id, created_at)
		SELECT ?, ?, id, ? FROM instructors WHERE email = ? RETURNING id`,
		code, name, created, strings.TrimSpace(instructor)).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return web.Class{}, fmt.Errorf("creating class %s: no instructor %s", name, instructor)
	}
	if err != nil {
		return web.Class{}, fmt.Errorf("creating class %s: %w", name, err)
	}
	c, _, err := db.classWhere(ctx, `c.id = ?`, id)
	if err != nil {
		return web.Class{}, fmt.Errorf("creating class %s: %w", name, err)
	}
	return c, nil
}

// classColumns are what scanClasses reads, from classes c joined to
// their owner o.
const classColumns = `c.id, c.code, c.name, c.created_at, o.email FROM classes c JOIN instructors o ON o.id = c.instructor_id`

func (db *DB) classWhere(ctx context.Context, where string, args ...any) (web.Class, bool, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT `+classColumns+` WHERE `+where, args...)
	if err != nil {
		return web.Class{}, false, err
	}
	out, err := scanClasses(rows)
	if err != nil || len(out) == 0 {
		return web.Class{}, false, err
	}
	return out[0], true, nil
}

func scanClasses(rows *sql.Rows) ([]web.Class, error) {
	defer rows.Close()
	var out []web.Class
	for rows.Next() {
		var c web.Class
		var at string
		if err := rows.Scan(&c.ID, &c.Code, &c.Name, &at, &c.Owner); err != nil {
			return nil, err
		}
		c.Created, _ = time.Parse(time.RFC3339Nano, at)
		out = append(out, c)
	}
	return out, rows.Err()
}

// Classes lists the classes an instructor owns or was invited to, oldest
// first.
func (db *DB) Classes(ctx context.Context, instructor string) ([]web.Class, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT `+classColumns+`
		WHERE c.id IN (SELECT c2.id FROM classes c2 JOIN instructors i ON i.id = c2.instructor_id WHERE i.email = ?1
			UNION SELECT ci.class_id FROM class_instructors ci JOIN instructors i ON i.id = ci.instructor_id WHERE i.email = ?1)
		ORDER BY c.id`, strings.TrimSpace(instructor))
	if err != nil {
		return nil, fmt.Errorf("listing classes: %w", err)
	}
	out, err := scanClasses(rows)
	if err != nil {
		return nil, fmt.Errorf("listing classes: %w", err)
	}
	return out, nil
}

// ClassByCode finds a class by its join code.
func (db *DB) ClassByCode(ctx context.Context, code string) (web.Class, bool, error) {
	c, found, err := db.classWhere(ctx, `c.code = ?`, code)
	if err != nil {
		return web.Class{}, false, fmt.Errorf("finding class: %w", err)
	}
	return c, found, nil
}

// JoinClass makes a learner a member, or renames them when they are one;
// an empty name keeps the one they had.
func (db *DB) JoinClass(ctx context.Context, class int64, learner, name string, at time.Time) error {
	if _, err := db.write.ExecContext(ctx, `INSERT INTO class_members (class_id, learner, display_name, joined_at)
		VALUES (?, ?, ?, ?) ON CONFLICT (class_id, learner) DO UPDATE SET display_name =
		CASE WHEN excluded.display_name = '' THEN class_members.display_name ELSE excluded.display_name END`,
		class, learner, name, at.UTC().Format(time.RFC3339Nano)); err != nil {
		return fmt.Errorf("joining class %d: %w", class, err)
	}
	return nil
}

// ClassMembers lists a class's members in the order they joined.
func (db *DB) ClassMembers(ctx context.Context, class int64) ([]web.ClassMember, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT learner, display_name, joined_at FROM class_members
		WHERE class_id = ? ORDER BY joined_at, learner`, class)
	if err != nil {
		return nil, fmt.Errorf("listing members of class %d: %w", class, err)
	}
	defer rows.Close()
	var out []web.ClassMember
	for rows.Next() {
		var m web.ClassMember
		var at string
		if err := rows.Scan(&m.Learner, &m.Name, &at); err != nil {
			return nil, fmt.Errorf("listing members of class %d: %w", class, err)
		}
		m.Joined, _ = time.Parse(time.RFC3339Nano, at)
		out = append(out, m)
	}
	return out, rows.Err()
}

// InviteInstructor lets the instructor with the email see the class.
func (db *DB) InviteInstructor(ctx context.Context, class int64, email string, at time.Time) (bool, error) {
	var id int64
	err := db.read.QueryRowContext(ctx, `SELECT id FROM instructors WHERE email = ?`, strings.TrimSpace(email)).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("inviting to class %d: %w", class, err)
	}
	if err := addInstructor(ctx, db.write, class, id, at); err != nil {
		return false, fmt.Errorf("inviting to class %d: %w", class, err)
	}
	return true, nil
}

type execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

// addInstructor adds an instructor to a class, unless they own it or are
// in it already.
func addInstructor(ctx context.Context, x execer, class, instructor int64, at time.Time) error {
	_, err := x.ExecContext(ctx, `INSERT INTO class_instructors (class_id, instructor_id, added_at)
		SELECT id, ?, ? FROM classes WHERE id = ? AND instructor_id <> ?
		ON CONFLICT (class_id, instructor_id) DO NOTHING`,
		instructor, at.UTC().Format(time.RFC3339Nano), class, instructor)
	return err
}

// ClassInstructors lists the instructors invited to a class.
func (db *DB) ClassInstructors(ctx context.Context, class int64) ([]string, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT i.email FROM class_instructors ci JOIN instructors i ON i.id = ci.instructor_id
		WHERE ci.class_id = ? ORDER BY ci.added_at, i.email`, class)
	if err != nil {
		return nil, fmt.Errorf("listing instructors of class %d: %w", class, err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var e string
		if err := rows.Scan(&e); err != nil {
			return nil, fmt.Errorf("listing instructors of class %d: %w", class, err)
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// SetClassInvite makes tokenHash the class's invite link until expires.
func (db *DB) SetClassInvite(ctx context.Context, class int64, tokenHash string, expires time.Time) error {
	if _, err := db.write.ExecContext(ctx, `INSERT INTO class_invites (class_id, token_hash, expires_at) VALUES (?, ?, ?)
		ON CONFLICT (class_id) DO UPDATE SET token_hash = excluded.token_hash, expires_at = excluded.expires_at`,
		class, tokenHash, expires.UTC().Format(time.RFC3339Nano)); err != nil {
		return fmt.Errorf("making an invite link for class %d: %w", class, err)
	}
	return nil
}

// AcceptClassInvite adds the instructor to the class of an unexpired
// invite link.
func (db *DB) AcceptClassInvite(ctx context.Context, tokenHash, email string, now time.Time) (web.Class, bool, error) {
	var class int64
	var expires string
	err := db.read.QueryRowContext(ctx, `SELECT class_id, expires_at FROM class_invites WHERE token_hash = ?`, tokenHash).Scan(&class, &expires)
	if errors.Is(err, sql.ErrNoRows) {
		return web.Class{}, false, nil
	}
	if err != nil {
		return web.Class{}, false, fmt.Errorf("reading an invite link: %w", err)
	}
	if t, err := time.Parse(time.RFC3339Nano, expires); err != nil || !now.Before(t) {
		return web.Class{}, false, nil
	}
	var id int64
	err = db.read.QueryRowContext(ctx, `SELECT id FROM instructors WHERE email = ?`, strings.TrimSpace(email)).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return web.Class{}, false, nil
	}
	if err != nil {
		return web.Class{}, false, fmt.Errorf("accepting an invite: %w", err)
	}
	if err := addInstructor(ctx, db.write, class, id, now); err != nil {
		return web.Class{}, false, fmt.Errorf("accepting an invite: %w", err)
	}
	c, found, err := db.classWhere(ctx, `c.id = ?`, class)
	if err != nil {
		return web.Class{}, false, fmt.Errorf("accepting an invite: %w", err)
	}
	return c, found, nil
}
