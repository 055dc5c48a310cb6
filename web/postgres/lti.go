package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/layerlab/layerlab/web"
)

var _ web.LTIStore = (*DB)(nil)

// AddPlatform registers a platform.
func (db *DB) AddPlatform(ctx context.Context, p web.LTIPlatform) (web.LTIPlatform, error) {
	deps, _ := json.Marshal(append([]string{}, p.Deployments...))
	p.Added = p.Added.UTC()
	err := db.pool.QueryRow(ctx, `INSERT INTO lti_platforms (issuer, client_id, auth_url, token_url, jwks_url, deployments, added_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
		p.Issuer, p.ClientID, p.AuthURL, p.TokenURL, p.JWKSURL, string(deps), p.Added).Scan(&p.ID)
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == "23505" {
		return web.LTIPlatform{}, web.ErrPlatformExists
	}
	if err != nil {
		return web.LTIPlatform{}, fmt.Errorf("adding platform %s: %w", p.Issuer, unavailable(err))
	}
	return p, nil
}

// UpdatePlatform changes a registered platform's URLs and deployments.
func (db *DB) UpdatePlatform(ctx context.Context, p web.LTIPlatform) (bool, error) {
	deps, _ := json.Marshal(append([]string{}, p.Deployments...))
	tag, err := db.pool.Exec(ctx, `UPDATE lti_platforms SET auth_url = $1, token_url = $2, jwks_url = $3, deployments = $4
		WHERE issuer = $5 AND client_id = $6`, p.AuthURL, p.TokenURL, p.JWKSURL, string(deps), p.Issuer, p.ClientID)
	if err != nil {
		return false, fmt.Errorf("updating platform %s: %w", p.Issuer, unavailable(err))
	}
	return tag.RowsAffected() == 1, nil
}

// Platforms lists the registered platforms, oldest first.
func (db *DB) Platforms(ctx context.Context) ([]web.LTIPlatform, error) {
	rows, err := db.pool.Query(ctx, `SELECT id, issuer, client_id, auth_url, token_url, jwks_url, deployments, added_at
		FROM lti_platforms ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("listing platforms: %w", unavailable(err))
	}
	defer rows.Close()
	var out []web.LTIPlatform
	for rows.Next() {
		var p web.LTIPlatform
		var deps string
		if err := rows.Scan(&p.ID, &p.Issuer, &p.ClientID, &p.AuthURL, &p.TokenURL, &p.JWKSURL, &deps, &p.Added); err != nil {
			return nil, fmt.Errorf("listing platforms: %w", unavailable(err))
		}
		if err := json.Unmarshal([]byte(deps), &p.Deployments); err != nil {
			return nil, fmt.Errorf("platform %s: deployments: %w", p.Issuer, err)
		}
		p.Added = p.Added.UTC()
		out = append(out, p)
	}
	return out, unavailable(rows.Err())
}

// ToolKey returns the tool's private key, storing fresh if there is none.
func (db *DB) ToolKey(ctx context.Context, fresh []byte) ([]byte, error) {
	if _, err := db.pool.Exec(ctx, `INSERT INTO lti_tool_key (id, pem) VALUES (1, $1) ON CONFLICT (id) DO NOTHING`, fresh); err != nil {
		return nil, fmt.Errorf("storing the LTI tool key: %w", unavailable(err))
	}
	var pem []byte
	if err := db.pool.QueryRow(ctx, `SELECT pem FROM lti_tool_key WHERE id = 1`).Scan(&pem); err != nil {
		return nil, fmt.Errorf("reading the LTI tool key: %w", unavailable(err))
	}
	return pem, nil
}

// SaveLoginState keeps a login's state until the launch answers it, and
// forgets expired ones.
func (db *DB) SaveLoginState(ctx context.Context, state string, st web.LTILoginState, now time.Time) error {
	if _, err := db.pool.Exec(ctx, `DELETE FROM lti_login_states WHERE expires_at < $1`, now.UTC()); err != nil {
		return fmt.Errorf("forgetting old login states: %w", unavailable(err))
	}
	if _, err := db.pool.Exec(ctx, `INSERT INTO lti_login_states (state, platform_id, nonce, target, expires_at) VALUES ($1, $2, $3, $4, $5)`,
		state, st.Platform, st.Nonce, st.Target, st.Expires.UTC()); err != nil {
		return fmt.Errorf("saving a login state: %w", unavailable(err))
	}
	return nil
}

// TakeLoginState returns a live state and deletes it.
func (db *DB) TakeLoginState(ctx context.Context, state string, now time.Time) (web.LTILoginState, bool, error) {
	var st web.LTILoginState
	err := db.pool.QueryRow(ctx, `DELETE FROM lti_login_states WHERE state = $1 RETURNING platform_id, nonce, target, expires_at`, state).
		Scan(&st.Platform, &st.Nonce, &st.Target, &st.Expires)
	if errors.Is(err, pgx.ErrNoRows) {
		return web.LTILoginState{}, false, nil
	}
	if err != nil {
		return web.LTILoginState{}, false, fmt.Errorf("taking a login state: %w", unavailable(err))
	}
	st.Expires = st.Expires.UTC()
	if !st.Expires.After(now) {
		return web.LTILoginState{}, false, nil
	}
	return st, true, nil
}

// UseNonce records a nonce and reports whether it was new.
func (db *DB) UseNonce(ctx context.Context, platform int64, nonce string, expires, now time.Time) (bool, error) {
	if _, err := db.pool.Exec(ctx, `DELETE FROM lti_nonces WHERE expires_at < $1`, now.UTC()); err != nil {
		return false, fmt.Errorf("forgetting old nonces: %w", unavailable(err))
	}
	tag, err := db.pool.Exec(ctx, `INSERT INTO lti_nonces (platform_id, nonce, expires_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`,
		platform, nonce, expires.UTC())
	if err != nil {
		return false, fmt.Errorf("recording a nonce: %w", unavailable(err))
	}
	return tag.RowsAffected() == 1, nil
}

// LTILearner maps an LMS user to a learner id.
func (db *DB) LTILearner(ctx context.Context, platform int64, sub, fresh string) (string, error) {
	var learner string
	err := db.pool.QueryRow(ctx, `WITH ins AS (
			INSERT INTO lti_users (platform_id, sub, learner) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING RETURNING learner)
		SELECT learner FROM ins UNION ALL SELECT learner FROM lti_users WHERE platform_id = $1 AND sub = $2 LIMIT 1`,
		platform, sub, fresh).Scan(&learner)
	if err != nil {
		return "", fmt.Errorf("mapping an LMS user: %w", unavailable(err))
	}
	return learner, nil
}

// SaveLaunch keeps a launch's line item.
func (db *DB) SaveLaunch(ctx context.Context, l web.LTILaunch) error {
	if _, err := db.pool.Exec(ctx, `INSERT INTO lti_launches (platform_id, learner, resource, line_item, user_id, launched_at)
		VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (learner, resource, platform_id) DO UPDATE SET
		line_item = excluded.line_item, user_id = excluded.user_id, launched_at = excluded.launched_at`,
		l.Platform, l.Learner, l.Resource, l.LineItem, l.UserID, l.At.UTC()); err != nil {
		return fmt.Errorf("saving a launch: %w", unavailable(err))
	}
	return nil
}

// Launches lists a learner's launches into a resource.
func (db *DB) Launches(ctx context.Context, learner, resource string) ([]web.LTILaunch, error) {
	rows, err := db.pool.Query(ctx, `SELECT platform_id, learner, resource, line_item, user_id, launched_at
		FROM lti_launches WHERE learner = $1 AND resource = $2 ORDER BY platform_id`, learner, resource)
	if err != nil {
		return nil, fmt.Errorf("listing launches: %w", unavailable(err))
	}
	defer rows.Close()
	var out []web.LTILaunch
	for rows.Next() {
		var l web.LTILaunch
		if err := rows.Scan(&l.Platform, &l.Learner, &l.Resource, &l.LineItem, &l.UserID, &l.At); err != nil {
			return nil, fmt.Errorf("listing launches: %w", unavailable(err))
		}
		l.At = l.At.UTC()
		out = append(out, l)
	}
	return out, unavailable(rows.Err())
}

// QueueScore stores a score to post.
func (db *DB) QueueScore(ctx context.Context, sc web.LTIScore) error {
	if _, err := db.pool.Exec(ctx, `INSERT INTO lti_scores (platform_id, line_item, body, next_try, created_at) VALUES ($1, $2, $3, $4, $5)`,
		sc.Platform, sc.LineItem, sc.Body, sc.NextTry.UTC(), sc.Created.UTC()); err != nil {
		return fmt.Errorf("queueing a score: %w", unavailable(err))
	}
	return nil
}

const scoreColumns = `id, platform_id, line_item, body, attempts, next_try, last_error, failed, created_at`

func scanScores(rows pgx.Rows) ([]web.LTIScore, error) {
	defer rows.Close()
	var out []web.LTIScore
	for rows.Next() {
		var sc web.LTIScore
		if err := rows.Scan(&sc.ID, &sc.Platform, &sc.LineItem, &sc.Body, &sc.Attempts, &sc.NextTry, &sc.LastErr, &sc.Failed, &sc.Created); err != nil {
			return nil, err
		}
		sc.NextTry, sc.Created = sc.NextTry.UTC(), sc.Created.UTC()
		out = append(out, sc)
	}
	return out, rows.Err()
}

// DueScores leases the scores due now; SKIP LOCKED keeps two nodes from
// taking the same one.
func (db *DB) DueScores(ctx context.Context, now time.Time, lease time.Duration, max int) ([]web.LTIScore, error) {
	rows, err := db.pool.Query(ctx, `UPDATE lti_scores SET next_try = $1, attempts = attempts + 1
		WHERE id IN (SELECT id FROM lti_scores WHERE NOT failed AND next_try <= $2 ORDER BY id LIMIT $3 FOR UPDATE SKIP LOCKED)
		RETURNING `+scoreColumns, now.Add(lease).UTC(), now.UTC(), max)
	if err != nil {
		return nil, fmt.Errorf("taking due scores: %w", unavailable(err))
	}
	out, err := scanScores(rows)
	if err != nil {
		return nil, fmt.Errorf("taking due scores: %w", unavailable(err))
	}
	return out, nil
}

// ScoreSent forgets a posted score.
func (db *DB) ScoreSent(ctx context.Context, id int64) error {
	if _, err := db.pool.Exec(ctx, `DELETE FROM lti_scores WHERE id = $1`, id); err != nil {
		return fmt.Errorf("forgetting a sent score: %w", unavailable(err))
	}
	return nil
}

// ScoreRetry records a failed post.
func (db *DB) ScoreRetry(ctx context.Context, id int64, next time.Time, lastErr string, failed bool) error {
	if _, err := db.pool.Exec(ctx, `UPDATE lti_scores SET next_try = $1, last_error = $2, failed = $3 WHERE id = $4`,
		next.UTC(), lastErr, failed, id); err != nil {
		return fmt.Errorf("recording a failed score: %w", unavailable(err))
	}
	return nil
}

// Scores lists the stored scores.
func (db *DB) Scores(ctx context.Context) ([]web.LTIScore, error) {
	rows, err := db.pool.Query(ctx, `SELECT `+scoreColumns+` FROM lti_scores ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("listing scores: %w", unavailable(err))
	}
	out, err := scanScores(rows)
	if err != nil {
		return nil, fmt.Errorf("listing scores: %w", unavailable(err))
	}
	return out, nil
}
