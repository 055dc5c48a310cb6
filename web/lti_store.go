package web

import (
	"context"
	"errors"
	"time"
)

// LTIPlatform is an LMS registered to launch layerlab as an LTI 1.3 tool
// (`layerlab lti add-platform`). Issuer and ClientID name it; the URLs are
// the platform's OIDC authorization endpoint, OAuth 2 token endpoint and
// public key set. Deployments are the deployment ids it may launch with;
// none registered means any.
type LTIPlatform struct {
	ID          int64
	Issuer      string
	ClientID    string
	AuthURL     string
	TokenURL    string
	JWKSURL     string
	Deployments []string
	Added       time.Time
}

// LTILoginState is what the tool keeps between the OIDC login request and
// the launch that answers it: the state parameter names it, and it is used
// once.
type LTILoginState struct {
	Platform int64
	Nonce    string
	Target   string // target_link_uri the login asked for
	Expires  time.Time
}

// LTILaunch records that a learner was launched into a resource from a
// platform whose launch carried an Assignment and Grade Services line
// item: their scores for that resource go to LineItem. Resource is
// "lesson:ID" or "quiz:ID"; UserID is the platform's sub for the learner.
type LTILaunch struct {
	Platform int64
	Learner  string
	Resource string
	LineItem string
	UserID   string
	At       time.Time
}

// LTIScore is one score waiting to be posted to a platform's line item.
// Body is the score JSON (application/vnd.ims.lis.v1.score+json). A score
// stays stored until the platform accepts it; Failed marks one the
// platform refused for good (it is kept, not retried).
type LTIScore struct {
	ID       int64
	Platform int64
	LineItem string
	Body     []byte
	Attempts int
	NextTry  time.Time
	LastErr  string
	Failed   bool
	Created  time.Time
}

// ErrPlatformExists is AddPlatform's answer for an issuer and client id
// already registered.
var ErrPlatformExists = errors.New("a platform with this issuer and client id is already registered")

// LTIStore keeps what the LTI 1.3 tool needs across requests and nodes
// (web/lti.go): the registered platforms, the tool's own signing key,
// login states and used nonces, which learner an LMS user is, the line
// items launches carried, and the scores still to post.
type LTIStore interface {
	AddPlatform(ctx context.Context, p LTIPlatform) (LTIPlatform, error)
	// UpdatePlatform replaces the URLs and deployments of the platform
	// with p's issuer and client id, keeping its learners, launches and
	// scores; found is false when there is none.
	UpdatePlatform(ctx context.Context, p LTIPlatform) (found bool, err error)
	// Platforms lists every registered platform, oldest first.
	Platforms(ctx context.Context) ([]LTIPlatform, error)

	// ToolKey returns the tool's private key (PEM); fresh is stored and
	// returned when there is none yet, so every node signs with the
	// same key.
	ToolKey(ctx context.Context, fresh []byte) ([]byte, error)

	SaveLoginState(ctx context.Context, state string, st LTILoginState, now time.Time) error
	// TakeLoginState returns the state and deletes it: it serves one
	// launch. An expired state is not found.
	TakeLoginState(ctx context.Context, state string, now time.Time) (LTILoginState, bool, error)
	// UseNonce records a nonce of a platform until expires and reports
	// whether it was new; expired nonces are forgotten.
	UseNonce(ctx context.Context, platform int64, nonce string, expires, now time.Time) (fresh bool, err error)

	// LTILearner is the layerlab learner an LMS user (platform, sub) is:
	// fresh is stored for a user seen for the first time.
	LTILearner(ctx context.Context, platform int64, sub, fresh string) (string, error)

	// SaveLaunch keeps a launch's line item, replacing the one of the same
	// platform, learner and resource.
	SaveLaunch(ctx context.Context, l LTILaunch) error
	// Launches lists the launches of a learner into a resource.
	Launches(ctx context.Context, learner, resource string) ([]LTILaunch, error)

	QueueScore(ctx context.Context, sc LTIScore) error
	// DueScores takes up to max scores whose time has come and not
	// failed, and moves their next try lease ahead, so another node
	// does not send them at the same time.
	DueScores(ctx context.Context, now time.Time, lease time.Duration, max int) ([]LTIScore, error)
	// ScoreSent deletes a score the platform accepted.
	ScoreSent(ctx context.Context, id int64) error
	// ScoreRetry records a failed attempt: tried again at next, or
	// never when failed.
	ScoreRetry(ctx context.Context, id int64, next time.Time, lastErr string, failed bool) error
	// Scores lists the scores still stored (waiting or failed), oldest
	// first.
	Scores(ctx context.Context) ([]LTIScore, error)
}
