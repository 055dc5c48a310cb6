package postgres

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/layerlab/layerlab/web"
)

// CreateClass makes a class owned by the instructor with the email.
func (db *DB) CreateClass(ctx context.Context, instructor, name, code string, at time.Time) (web.Class, error) {
	c := web.Class{Code: code, Name: name}
	err := db.pool.QueryRow(ctx, `INSERT INTO classes (code, name, instructor_id, created_at)
		SELECT $1, $2, id, $3 FROM instructors WHERE lower(email) = lower($4) RETURNING id, created_at`,
		code, name, at.UTC(), strings.TrimSpace(instructor)).Scan(&c.ID, &c.Created)
	if errNoRows(err) {
		return web.Class{}, fmt.Errorf("creating class %s: no instructor %s", name, instructor)
	}
	if err != nil {
		return web.Class{}, fmt.Errorf("creating class %s: %w", name, unavailable(err))
	}
	c.Created = c.Created.UTC()
	return c, nil
}

func scanClasses(rows pgx.Rows) ([]web.Class, error) {
	defer rows.Close()
	var out []web.Class
	for rows.Next() {
		var c web.Class
		if err := rows.Scan(&c.ID, &c.Code, &c.Name, &c.Created); err != nil {
			return nil, err
		}
		c.Created = c.Created.UTC()
		out = append(out, c)
	}
	return out, rows.Err()
}

// Classes lists an instructor's classes, oldest first.
func (db *DB) Classes(ctx context.Context, instructor string) ([]web.Class, error) {
	rows, err := db.pool.Query(ctx, `SELECT c.id, c.code, c.name, c.created_at FROM classes c
		JOIN instructors i ON i.id = c.instructor_id WHERE lower(i.email) = lower($1) ORDER BY c.id`, strings.TrimSpace(instructor))
	if err != nil {
		return nil, fmt.Errorf("listing classes: %w", unavailable(err))
	}
	out, err := scanClasses(rows)
	if err != nil {
		return nil, fmt.Errorf("listing classes: %w", unavailable(err))
	}
	return out, nil
}

// ClassByCode finds a class by its join code.
func (db *DB) ClassByCode(ctx context.Context, code string) (web.Class, bool, error) {
	rows, err := db.pool.Query(ctx, `SELECT id, code, name, created_at FROM classes WHERE code = $1`, code)
	if err != nil {
		return web.Class{}, false, fmt.Errorf("finding class: %w", unavailable(err))
	}
	out, err := scanClasses(rows)
	if err != nil {
		return web.Class{}, false, fmt.Errorf("finding class: %w", unavailable(err))
	}
	if len(out) == 0 {
		return web.Class{}, false, nil
	}
	return out[0], true, nil
}

// JoinClass makes a learner a member, or renames them when they are one;
// an empty name keeps the one they had.
func (db *DB) JoinClass(ctx context.Context, class int64, learner, name string, at time.Time) error {
	if _, err := db.pool.Exec(ctx, `INSERT INTO class_members (class_id, learner, display_name, joined_at)
		VALUES ($1, $2, $3, $4) ON CONFLICT (class_id, learner) DO UPDATE SET display_name =
		CASE WHEN excluded.display_name = '' THEN class_members.display_name ELSE excluded.display_name END`,
		class, learner, name, at.UTC()); err != nil {
		return fmt.Errorf("joining class %d: %w", class, unavailable(err))
	}
	return nil
}

// ClassMembers lists a class's members in the order they joined.
func (db *DB) ClassMembers(ctx context.Context, class int64) ([]web.ClassMember, error) {
	rows, err := db.pool.Query(ctx, `SELECT learner, display_name, joined_at FROM class_members
		WHERE class_id = $1 ORDER BY joined_at, learner COLLATE "C"`, class)
	if err != nil {
		return nil, fmt.Errorf("listing members of class %d: %w", class, unavailable(err))
	}
	defer rows.Close()
	var out []web.ClassMember
	for rows.Next() {
		var m web.ClassMember
		if err := rows.Scan(&m.Learner, &m.Name, &m.Joined); err != nil {
			return nil, fmt.Errorf("listing members of class %d: %w", class, err)
		}
		m.Joined = m.Joined.UTC()
		out = append(out, m)
	}
	return out, rows.Err()
}
