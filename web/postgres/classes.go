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
	var id int64
	err := db.pool.QueryRow(ctx, `INSERT INTO classes (code, name, instructor_id, created_at)
		SELECT $1, $2, id, $3 FROM instructors WHERE lower(email) = lower($4) RETURNING id`,
		code, name, at.UTC(), strings.TrimSpace(instructor)).Scan(&id)
	if errNoRows(err) {
		return web.Class{}, fmt.Errorf("creating class %s: no instructor %s", name, instructor)
	}
	if err != nil {
		return web.Class{}, fmt.Errorf("creating class %s: %w", name, unavailable(err))
	}
	c, _, err := db.classWhere(ctx, `c.id = $1`, id)
	if err != nil {
		return web.Class{}, fmt.Errorf("creating class %s: %w", name, unavailable(err))
	}
	return c, nil
}

// classColumns are what scanClasses reads, from classes c joined to
// their owner o.
const classColumns = `c.id, c.code, c.name, c.created_at, o.email FROM classes c JOIN instructors o ON o.id = c.instructor_id`

func (db *DB) classWhere(ctx context.Context, where string, args ...any) (web.Class, bool, error) {
	rows, err := db.pool.Query(ctx, `SELECT `+classColumns+` WHERE `+where, args...)
	if err != nil {
		return web.Class{}, false, err
	}
	out, err := scanClasses(rows)
	if err != nil || len(out) == 0 {
		return web.Class{}, false, err
	}
	return out[0], true, nil
}

func scanClasses(rows pgx.Rows) ([]web.Class, error) {
	defer rows.Close()
	var out []web.Class
	for rows.Next() {
		var c web.Class
		if err := rows.Scan(&c.ID, &c.Code, &c.Name, &c.Created, &c.Owner); err != nil {
			return nil, err
		}
		c.Created = c.Created.UTC()
		out = append(out, c)
	}
	return out, rows.Err()
}

// Classes lists the classes an instructor owns or was invited to, oldest
// first.
func (db *DB) Classes(ctx context.Context, instructor string) ([]web.Class, error) {
	rows, err := db.pool.Query(ctx, `SELECT `+classColumns+`
		WHERE c.id IN (SELECT c2.id FROM classes c2 JOIN instructors i ON i.id = c2.instructor_id WHERE lower(i.email) = lower($1)
			UNION SELECT ci.class_id FROM class_instructors ci JOIN instructors i ON i.id = ci.instructor_id WHERE lower(i.email) = lower($1))
		ORDER BY c.id`, strings.TrimSpace(instructor))
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
	c, found, err := db.classWhere(ctx, `c.code = $1`, code)
	if err != nil {
		return web.Class{}, false, fmt.Errorf("finding class: %w", unavailable(err))
	}
	return c, found, nil
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

// InviteInstructor lets the instructor with the email see the class.
func (db *DB) InviteInstructor(ctx context.Context, class int64, email string, at time.Time) (bool, error) {
	var id int64
	err := db.pool.QueryRow(ctx, `SELECT id FROM instructors WHERE lower(email) = lower($1)`, strings.TrimSpace(email)).Scan(&id)
	if errNoRows(err) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("inviting to class %d: %w", class, unavailable(err))
	}
	if err := db.addInstructor(ctx, class, id, at); err != nil {
		return false, fmt.Errorf("inviting to class %d: %w", class, unavailable(err))
	}
	return true, nil
}

// addInstructor adds an instructor to a class, unless they own it or are
// in it already.
func (db *DB) addInstructor(ctx context.Context, class, instructor int64, at time.Time) error {
	_, err := db.pool.Exec(ctx, `INSERT INTO class_instructors (class_id, instructor_id, added_at)
		SELECT id, $1, $2 FROM classes WHERE id = $3 AND instructor_id <> $1
		ON CONFLICT (class_id, instructor_id) DO NOTHING`, instructor, at.UTC(), class)
	return err
}

// ClassInstructors lists the instructors invited to a class.
func (db *DB) ClassInstructors(ctx context.Context, class int64) ([]string, error) {
	rows, err := db.pool.Query(ctx, `SELECT i.email FROM class_instructors ci JOIN instructors i ON i.id = ci.instructor_id
		WHERE ci.class_id = $1 ORDER BY ci.added_at, i.email COLLATE "C"`, class)
	if err != nil {
		return nil, fmt.Errorf("listing instructors of class %d: %w", class, unavailable(err))
	}
	out, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("listing instructors of class %d: %w", class, unavailable(err))
	}
	return out, nil
}

// SetClassInvite makes tokenHash the class's invite link until expires.
func (db *DB) SetClassInvite(ctx context.Context, class int64, tokenHash string, expires time.Time) error {
	if _, err := db.pool.Exec(ctx, `INSERT INTO class_invites (class_id, token_hash, expires_at) VALUES ($1, $2, $3)
		ON CONFLICT (class_id) DO UPDATE SET token_hash = excluded.token_hash, expires_at = excluded.expires_at`,
		class, tokenHash, expires.UTC()); err != nil {
		return fmt.Errorf("making an invite link for class %d: %w", class, unavailable(err))
	}
	return nil
}

// AcceptClassInvite adds the instructor to the class of an unexpired
// invite link.
func (db *DB) AcceptClassInvite(ctx context.Context, tokenHash, email string, now time.Time) (web.Class, bool, error) {
	var class, id int64
	err := db.pool.QueryRow(ctx, `SELECT v.class_id, i.id FROM class_invites v, instructors i
		WHERE v.token_hash = $1 AND v.expires_at > $2 AND lower(i.email) = lower($3)`,
		tokenHash, now.UTC(), strings.TrimSpace(email)).Scan(&class, &id)
	if errNoRows(err) {
		return web.Class{}, false, nil
	}
	if err != nil {
		return web.Class{}, false, fmt.Errorf("accepting an invite: %w", unavailable(err))
	}
	if err := db.addInstructor(ctx, class, id, now); err != nil {
		return web.Class{}, false, fmt.Errorf("accepting an invite: %w", unavailable(err))
	}
	c, found, err := db.classWhere(ctx, `c.id = $1`, class)
	if err != nil {
		return web.Class{}, false, fmt.Errorf("accepting an invite: %w", unavailable(err))
	}
	return c, found, nil
}
