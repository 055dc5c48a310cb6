package web

import (
	"context"
	"errors"
	"time"
)

// ErrUnavailable marks a store error meaning the database cannot be
// reached just now (it restarts, the network is down): the request did
// nothing and may be sent again as it was. It answers 503 with
// Retry-After.
var ErrUnavailable = errors.New("the database is not answering; try again in a moment")

// The storage web needs, one interface per concern, in the shape of
// benbjohnson/wtf's services: Deps takes each one explicitly and nothing
// is discovered by type assertion. web/sqlite and web/postgres implement
// them all; web/storetest holds the one test suite both must pass.

// AnswerStore keeps quiz answers: the answer API writes them, the
// instructor dashboard and the CSV export read them.
type AnswerStore interface {
	// SaveAnswer stores a once per client id and reports whether this call
	// stored it. It returns only after the answer is committed.
	SaveAnswer(ctx context.Context, a Answer) (stored bool, err error)
	// QueuedAnswers is how many answers wait for their commit now: the
	// answer queue depth of /metrics.
	QueuedAnswers() int
	AnswerByClientID(ctx context.Context, clientID string) (Answer, bool, error)
	// AnswerCounts and LessonProgress count every learner for class 0,
	// else the members of that class only.
	AnswerCounts(ctx context.Context, class int64) ([]AnswerCount, error)
	OriginCounts(ctx context.Context) ([]OriginCount, error)
	// LessonProgress counts, per lesson, the learners who completed each
	// number of its steps; whether that is all of them is the lesson
	// file's to say (web/instructor_stats.go).
	LessonProgress(ctx context.Context, class int64) ([]LessonSteps, error)
	AllAnswers(ctx context.Context, fn func(Answer) error) error
	// LatestAnswers is a learner's last answer to each question of a
	// quiz, oldest first: a quiz page remembers them across reloads.
	LatestAnswers(ctx context.Context, learner, quiz string) ([]Answer, error)
	// LearnerAnswers is a learner's last limit answers, oldest first: the
	// per-learner page lists them.
	LearnerAnswers(ctx context.Context, learner string, limit int) ([]Answer, error)
	// AnswerSources counts answers per quiz and where they were given
	// (source and lesson), for class 0 every learner's, else the class
	// members'; ordered by quiz, source, lesson.
	AnswerSources(ctx context.Context, class int64) ([]SourceCount, error)
}

// SourceCount is how many answers to a quiz were given in one place: a
// lesson (Source "lesson", Lesson its id or "" when not known), the quiz
// pages ("playground") or embeds ("embed").
type SourceCount struct {
	Quiz, Source, Lesson string
	N                    int
}

// InstructorStore keeps instructor accounts and their login sessions,
// apart from the answers they look at.
type InstructorStore interface {
	Instructor(ctx context.Context, email string) (id int64, passwordHash string, found bool, err error)
	CreateLogin(ctx context.Context, tokenHash string, instructor int64, expires time.Time) error
	Login(ctx context.Context, tokenHash string, now time.Time) (email string, found bool, err error)
	DeleteLogin(ctx context.Context, tokenHash string) error
	ClassStore
}

// LearnerStore says whether a learner id from before learner cookies were
// signed has anything stored under it (web/learner.go).
type LearnerStore interface {
	KnownLearner(ctx context.Context, learner string) (bool, error)
}

// ProgressStore keeps which lesson steps each learner completed.
type ProgressStore interface {
	SaveProgress(ctx context.Context, learner, lesson string, step int, at time.Time) error
	Progress(ctx context.Context, learner string) (map[string][]int, error)
}

// Claims carries one fact between the nodes that share a store: "this
// session was just opened here". A node hearing it from another closes its
// own connection to that session, so the second tab takes over even when
// the two tabs landed on different nodes. Keys are opaque hashes; no
// learner id travels.
type Claims interface {
	// Claim tells every other node that the session named key is live here.
	Claim(ctx context.Context, key string) error
	// Listen calls fn with each key another node claims, until ctx ends.
	Listen(ctx context.Context, fn func(key string)) error
}

// SecretStore keeps named random secrets, made at first use and then the
// same for every node sharing the store and across restarts: the quiz
// dealer's key is one, so a learner's order of choices stays put.
type SecretStore interface {
	Secret(ctx context.Context, name string) ([]byte, error)
}

// OutboxMessage is one message waiting in the outbox: an xAPI statement
// (web/xapi) with the id it is known by everywhere, so sending it twice
// is the same as sending it once.
type OutboxMessage struct {
	ID       string
	Body     []byte
	Added    time.Time
	Attempts int // failed sends so far
}

// OutboxStore keeps messages for another system (a learning record store)
// until it has them: across restarts, and shared by every node of one
// database. A sender claims a batch with a lease; while the lease holds no
// other claim returns those messages; then it deletes what was delivered,
// puts back what may succeed later, and sets aside what was refused.
type OutboxStore interface {
	// AddToOutbox stores msgs in one transaction, each unless a message
	// with its id is there already. Once the outbox holds limit messages
	// (waiting or refused) it stores no more: n says how many of msgs it
	// went through before that, so msgs[n:] found the outbox full.
	AddToOutbox(ctx context.Context, msgs []OutboxMessage, limit int) (n int, err error)
	// ClaimOutbox returns up to n messages due at now, oldest first, and
	// makes them due again only at now+lease: the claimer's time to
	// deliver them. Two claims at once never return the same message.
	ClaimOutbox(ctx context.Context, now time.Time, n int, lease time.Duration) ([]OutboxMessage, error)
	// DeleteFromOutbox removes delivered messages.
	DeleteFromOutbox(ctx context.Context, ids []string) error
	// RetryOutbox counts a failed attempt of each message and makes it due
	// at the given time.
	RetryOutbox(ctx context.Context, ids []string, at time.Time, why string) error
	// RefuseOutbox sets messages aside for good: the receiver refused
	// them. They stay stored (and counted) for an operator to look at,
	// and are never claimed again.
	RefuseOutbox(ctx context.Context, ids []string, why string) error
	// OutboxSize is how many messages wait, and how many were refused.
	OutboxSize(ctx context.Context) (waiting, refused int, err error)
}
