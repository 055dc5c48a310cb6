package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/layerlab/layerlab/web"
)

// ltiTime is how LTI times are stored: fixed width, so text order is time
// order in the expiry and due comparisons.
const ltiTime = "2006-01-02T15:04:05.000000000Z"

func ltiTS(t time.Time) string { return t.UTC().Format(ltiTime) }

func ltiParse(s string) time.Time {
	t, _ := time.Parse(ltiTime, s)
	return t
}

var _ web.LTIStore = (*DB)(nil)

// AddPlatform registers a platform.
func (db *DB) AddPlatform(ctx context.Context, p web.LTIPlatform) (web.LTIPlatform, error) {
	deps, _ := json.Marshal(append([]string{}, p.Deployments...))
	p.Added = p.Added.UTC()
	err := db.write.QueryRowContext(ctx, `INSERT INTO lti_platforms (issuer, client_id, auth_url, token_url, jwks_url, deployments, added_at)
		VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		p.Issuer, p.ClientID, p.AuthURL, p.TokenURL, p.JWKSURL, string(deps), ltiTS(p.Added)).Scan(&p.ID)
	if err != nil && strings.Contains(err.Error(), "UNIQUE") {
		return web.LTIPlatform{}, web.ErrPlatformExists
	}
	if err != nil {
		return web.LTIPlatform{}, fmt.Errorf("adding platform %s: %w", p.Issuer, err)
	}
	return p, nil
}

// UpdatePlatform changes a registered platform's URLs and deployments.
func (db *DB) UpdatePlatform(ctx context.Context, p web.LTIPlatform) (bool, error) {
	deps, _ := json.Marshal(append([]string{}, p.Deployments...))
	res, err := db.write.ExecContext(ctx, `UPDATE lti_platforms SET auth_url = ?, token_url = ?, jwks_url = ?, deployments = ?
		WHERE issuer = ? AND client_id = ?`, p.AuthURL, p.TokenURL, p.JWKSURL, string(deps), p.Issuer, p.ClientID)
	if err != nil {
		return false, fmt.Errorf("updating platform %s: %w", p.Issuer, err)
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// Platforms lists the registered platforms, oldest first.
func (db *DB) Platforms(ctx context.Context) ([]web.LTIPlatform, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT id, issuer, client_id, auth_url, token_url, jwks_url, deployments, added_at
		FROM lti_platforms ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("listing platforms: %w", err)
	}
	defer rows.Close()
	var out []web.LTIPlatform
	for rows.Next() {
		var p web.LTIPlatform
		var deps, added string
		if err := rows.Scan(&p.ID, &p.Issuer, &p.ClientID, &p.AuthURL, &p.TokenURL, &p.JWKSURL, &deps, &added); err != nil {
			return nil, fmt.Errorf("listing platforms: %w", err)
		}
		if err := json.Unmarshal([]byte(deps), &p.Deployments); err != nil {
			return nil, fmt.Errorf("platform %s: deployments: %w", p.Issuer, err)
		}
		p.Added = ltiParse(added)
		out = append(out, p)
	}
	return out, rows.Err()
}

// ToolKey returns the tool's private key, storing fresh if there is none.
func (db *DB) ToolKey(ctx context.Context, fresh []byte) ([]byte, error) {
	if _, err := db.write.ExecContext(ctx, `INSERT INTO lti_tool_key (id, pem) VALUES (1, ?) ON CONFLICT (id) DO NOTHING`, fresh); err != nil {
		return nil, fmt.Errorf("storing the LTI tool key: %w", err)
	}
	var pem []byte
	if err := db.read.QueryRowContext(ctx, `SELECT pem FROM lti_tool_key WHERE id = 1`).Scan(&pem); err != nil {
		return nil, fmt.Errorf("reading the LTI tool key: %w", err)
	}
	return pem, nil
}

// SaveLoginState keeps a login's state until the launch answers it, and
// forgets expired ones.
func (db *DB) SaveLoginState(ctx context.Context, state string, st web.LTILoginState, now time.Time) error {
	if _, err := db.write.ExecContext(ctx, `DELETE FROM lti_login_states WHERE expires_at < ?`, ltiTS(now)); err != nil {
		return fmt.Errorf("forgetting old login states: %w", err)
	}
	if _, err := db.write.ExecContext(ctx, `INSERT INTO lti_login_states (state, platform_id, nonce, target, expires_at) VALUES (?, ?, ?, ?, ?)`,
		state, st.Platform, st.Nonce, st.Target, ltiTS(st.Expires)); err != nil {
		return fmt.Errorf("saving a login state: %w", err)
	}
	return nil
}

// TakeLoginState returns a live state and deletes it.
func (db *DB) TakeLoginState(ctx context.Context, state string, now time.Time) (web.LTILoginState, bool, error) {
	var st web.LTILoginState
	var exp string
	err := db.write.QueryRowContext(ctx, `DELETE FROM lti_login_states WHERE state = ? RETURNING platform_id, nonce, target, expires_at`, state).
		Scan(&st.Platform, &st.Nonce, &st.Target, &exp)
	if errors.Is(err, sql.ErrNoRows) {
		return web.LTILoginState{}, false, nil
	}
	if err != nil {
		return web.LTILoginState{}, false, fmt.Errorf("taking a login state: %w", err)
	}
	st.Expires = ltiParse(exp)
	if !st.Expires.After(now) {
		return web.LTILoginState{}, false, nil
	}
	return st, true, nil
}

// UseNonce records a nonce and reports whether it was new.
func (db *DB) UseNonce(ctx context.Context, platform int64, nonce string, expires, now time.Time) (bool, error) {
	if _, err := db.write.ExecContext(ctx, `DELETE FROM lti_nonces WHERE expires_at < ?`, ltiTS(now)); err != nil {
		return false, fmt.Errorf("forgetting old nonces: %w", err)
	}
	res, err := db.write.ExecContext(ctx, `INSERT INTO lti_nonces (platform_id, nonce, expires_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING`,
		platform, nonce, ltiTS(expires))
	if err != nil {
		return false, fmt.Errorf("recording a nonce: %w", err)
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// LTILearner maps an LMS user to a learner id.
func (db *DB) LTILearner(ctx context.Context, platform int64, sub, fresh string) (string, error) {
	if _, err := db.write.ExecContext(ctx, `INSERT INTO lti_users (platform_id, sub, learner) VALUES (?, ?, ?) ON CONFLICT DO NOTHING`,
		platform, sub, fresh); err != nil {
		return "", fmt.Errorf("mapping an LMS user: %w", err)
	}
	var learner string
	if err := db.write.QueryRowContext(ctx, `SELECT learner FROM lti_users WHERE platform_id = ? AND sub = ?`, platform, sub).Scan(&learner); err != nil {
		return "", fmt.Errorf("mapping an LMS user: %w", err)
	}
	return learner, nil
}

// SaveLaunch keeps a launch's line item.
func (db *DB) SaveLaunch(ctx context.Context, l web.LTILaunch) error {
	if _, err := db.write.ExecContext(ctx, `INSERT INTO lti_launches (platform_id, learner, resource, line_item, user_id, launched_at)
		VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (learner, resource, platform_id) DO UPDATE SET
		line_item = excluded.line_item, user_id = excluded.user_id, launched_at = excluded.launched_at`,
		l.Platform, l.Learner, l.Resource, l.LineItem, l.UserID, ltiTS(l.At)); err != nil {
		return fmt.Errorf("saving a launch: %w", err)
	}
	return nil
}

// Launches lists a learner's launches into a resource.
func (db *DB) Launches(ctx context.Context, learner, resource string) ([]web.LTILaunch, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT platform_id, learner, resource, line_item, user_id, launched_at
		FROM lti_launches WHERE learner = ? AND resource = ? ORDER BY platform_id`, learner, resource)
	if err != nil {
		return nil, fmt.Errorf("listing launches: %w", err)
	}
	defer rows.Close()
	var out []web.LTILaunch
	for rows.Next() {
		var l web.LTILaunch
		var at string
		if err := rows.Scan(&l.Platform, &l.Learner, &l.Resource, &l.LineItem, &l.UserID, &at); err != nil {
			return nil, fmt.Errorf("listing launches: %w", err)
		}
		l.At = ltiParse(at)
		out = append(out, l)
	}
	return out, rows.Err()
}

// QueueScore stores a score to post.
func (db *DB) QueueScore(ctx context.Context, sc web.LTIScore) error {
	if _, err := db.write.ExecContext(ctx, `INSERT INTO lti_scores (platform_id, line_item, body, next_try, created_at) VALUES (?, ?, ?, ?, ?)`,
		sc.Platform, sc.LineItem, sc.Body, ltiTS(sc.NextTry), ltiTS(sc.Created)); err != nil {
		return fmt.Errorf("queueing a score: %w", err)
	}
	return nil
}

const scoreColumns = `id, platform_id, line_item, body, attempts, next_try, last_error, failed, created_at`

func scanScores(rows *sql.Rows) ([]web.LTIScore, error) {
	defer rows.Close()
	var out []web.LTIScore
	for rows.Next() {
		var sc web.LTIScore
		var next, created string
		if err := rows.Scan(&sc.ID, &sc.Platform, &sc.LineItem, &sc.Body, &sc.Attempts, &next, &sc.LastErr, &sc.Failed, &created); err != nil {
			return nil, err
		}
		sc.NextTry, sc.Created = ltiParse(next), ltiParse(created)
		out = append(out, sc)
	}
	return out, rows.Err()
}

// DueScores leases the scores due now.
func (db *DB) DueScores(ctx context.Context, now time.Time, lease time.Duration, max int) ([]web.LTIScore, error) {
	rows, err := db.write.QueryContext(ctx, `UPDATE lti_scores SET next_try = ?, attempts = attempts + 1
		WHERE id IN (SELECT id FROM lti_scores WHERE failed = 0 AND next_try <= ? ORDER BY id LIMIT ?)
		RETURNING `+scoreColumns, ltiTS(now.Add(lease)), ltiTS(now), max)
	if err != nil {
		return nil, fmt.Errorf("taking due scores: %w", err)
	}
	out, err := scanScores(rows)
	if err != nil {
		return nil, fmt.Errorf("taking due scores: %w", err)
	}
	return out, nil
}

// ScoreSent forgets a posted score.
func (db *DB) ScoreSent(ctx context.Context, id int64) error {
	if _, err := db.write.ExecContext(ctx, `DELETE FROM lti_scores WHERE id = ?`, id); err != nil {
		return fmt.Errorf("forgetting a sent score: %w", err)
	}
	return nil
}

// ScoreRetry records a failed post.
func (db *DB) ScoreRetry(ctx context.Context, id int64, next time.Time, lastErr string, failed bool) error {
	if _, err := db.write.ExecContext(ctx, `UPDATE lti_scores SET next_try = ?, last_error = ?, failed = ? WHERE id = ?`,
		ltiTS(next), lastErr, failed, id); err != nil {
		return fmt.Errorf("recording a failed score: %w", err)
	}
	return nil
}

// Scores lists the stored scores.
func (db *DB) Scores(ctx context.Context) ([]web.LTIScore, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT `+scoreColumns+` FROM lti_scores ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("listing scores: %w", err)
	}
	out, err := scanScores(rows)
	if err != nil {
		return nil, fmt.Errorf("listing scores: %w", err)
	}
	return out, nil
}
