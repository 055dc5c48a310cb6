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
	t, _ := time.Parse(time.RFC3339Nano, created)
	return web.Class{ID: id, Code: code, Name: name, Created: t}, nil
}

func scanClasses(rows *sql.Rows) ([]web.Class, error) {
	defer rows.Close()
	var out []web.Class
	for rows.Next() {
		var c web.Class
		var at string
		if err := rows.Scan(&c.ID, &c.Code, &c.Name, &at); err != nil {
			return nil, err
		}
		c.Created, _ = time.Parse(time.RFC3339Nano, at)
		out = append(out, c)
	}
	return out, rows.Err()
}

// Classes lists an instructor's classes, oldest first.
func (db *DB) Classes(ctx context.Context, instructor string) ([]web.Class, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT c.id, c.code, c.name, c.created_at FROM classes c
		JOIN instructors i ON i.id = c.instructor_id WHERE i.email = ? ORDER BY c.id`, strings.TrimSpace(instructor))
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
	rows, err := db.read.QueryContext(ctx, `SELECT id, code, name, created_at FROM classes WHERE code = ?`, code)
	if err != nil {
		return web.Class{}, false, fmt.Errorf("finding class: %w", err)
	}
	out, err := scanClasses(rows)
	if err != nil {
		return web.Class{}, false, fmt.Errorf("finding class: %w", err)
	}
	if len(out) == 0 {
		return web.Class{}, false, nil
	}
	return out[0], true, nil
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
