package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/layerlab/layerlab/web"
	"github.com/layerlab/layerlab/web/internal/batch"
)

// maxBatch bounds one group commit, so one transaction never holds the
// write lock for long.
const maxBatch = 256

// answerWriter is group commit for answers: requests queue on a channel;
// one goroutine takes whatever has queued (no waiting when nothing else
// has), writes it in one transaction, and only after COMMIT tells each
// caller its result. Under load one commit carries many answers; alone, an
// answer is committed at once. A caller is never acknowledged before its
// row is committed.
type answerWriter struct {
	db   *DB
	ins  *sql.Stmt // the INSERT, prepared once on the one write connection
	reqs chan answerReq
	done chan struct{}
	once sync.Once
}

type answerReq struct {
	ctx   context.Context
	a     web.Answer
	reply chan answerRes
}

type answerRes struct {
	stored bool
	err    error
}

var errClosed = errors.New("database is closed")

func newAnswerWriter(ctx context.Context, db *DB) (*answerWriter, error) {
	// Prepared once: parsing it for every batch was a fifth of a node's
	// time when answers came a few at a time.
	ins, err := db.write.PrepareContext(ctx, `INSERT INTO answers
			(client_id, learner, quiz, question, answer, correct, source, lesson, origin, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (client_id) DO NOTHING`)
	if err != nil {
		return nil, fmt.Errorf("preparing the answer statement: %w", err)
	}
	w := &answerWriter{db: db, ins: ins, reqs: make(chan answerReq, 4*maxBatch), done: make(chan struct{})}
	go w.run()
	return w, nil
}

func (w *answerWriter) save(ctx context.Context, a web.Answer) (bool, error) {
	req := answerReq{ctx: ctx, a: a, reply: make(chan answerRes, 1)}
	select {
	case w.reqs <- req:
	case <-w.done:
		return false, errClosed
	case <-ctx.Done():
		return false, ctx.Err()
	}
	// Once queued, wait for the commit even if the caller gives up: the
	// answer may be written, and the reply channel is buffered.
	select {
	case res := <-req.reply:
		return res.stored, res.err
	case <-w.done:
		return false, errClosed
	}
}

// queued is how many answers wait on the channel for a commit.
func (w *answerWriter) queued() int { return len(w.reqs) }

func (w *answerWriter) close() {
	w.once.Do(func() {
		close(w.done)
		w.ins.Close()
	})
}

func (w *answerWriter) run() {
	batch.Run(w.done, w.reqs, maxBatch, w.commit)
}

func (w *answerWriter) commit(batch []answerReq) {
	results := make([]answerRes, len(batch))
	err := func() error {
		tx, err := w.db.write.BeginTx(context.Background(), nil)
		if err != nil {
			return err
		}
		defer tx.Rollback()
		stmt := tx.Stmt(w.ins)
		defer stmt.Close()
		for i, r := range batch {
			a := r.a
			res, err := stmt.Exec(a.ClientID, a.Learner, a.Quiz, a.Question, a.Answer, a.Correct, a.Source, a.Lesson, a.Origin,
				a.Time.UTC().Format(time.RFC3339Nano))
			if err != nil {
				// SQLite may have rolled the whole transaction back (a
				// full disk does): fail the batch with the cause, so no
				// caller is told its answer was stored and the cause is
				// not lost behind "no transaction is active".
				return err
			}
			n, err := res.RowsAffected()
			results[i] = answerRes{stored: n == 1, err: err}
		}
		return tx.Commit()
	}()
	for i, r := range batch {
		if err != nil {
			results[i] = answerRes{err: fmt.Errorf("saving answer %s: %w", r.a.ClientID, err)}
		}
		r.reply <- results[i]
	}
}
