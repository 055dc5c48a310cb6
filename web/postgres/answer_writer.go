package postgres

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/layerlab/layerlab/web"
	"github.com/layerlab/layerlab/web/internal/batch"
)

const (
	// maxBatch bounds one group commit.
	maxBatch = 256
	// writers is how many group commits may be in flight at once: unlike
	// SQLite, PostgreSQL commits several transactions side by side, and
	// while one batch waits for its commit the next one fills.
	writers = 2
)

// answerWriter is group commit for answers, as in web/sqlite: requests
// queue on a channel; each writer takes whatever has queued, inserts it
// with one statement (its own transaction), and only after its commit
// tells each caller its result.
type answerWriter struct {
	db   *DB
	reqs chan answerReq
	done chan struct{}
	once sync.Once
	wg   sync.WaitGroup
}

type answerReq struct {
	a     web.Answer
	reply chan answerRes
}

type answerRes struct {
	stored bool
	err    error
}

var errClosed = errors.New("database is closed")

func newAnswerWriter(db *DB) *answerWriter {
	w := &answerWriter{db: db, reqs: make(chan answerReq, 4*maxBatch), done: make(chan struct{})}
	for range writers {
		w.wg.Add(1)
		go w.run()
	}
	return w
}

// SaveAnswer stores an answer once per client id and reports whether this
// call stored it. It returns only after the row is committed; concurrent
// calls share commits.
func (db *DB) SaveAnswer(ctx context.Context, a web.Answer) (bool, error) {
	return db.answers.save(ctx, a)
}

// QueuedAnswers is how many answers wait for a writer.
func (db *DB) QueuedAnswers() int { return len(db.answers.reqs) }

func (w *answerWriter) save(ctx context.Context, a web.Answer) (bool, error) {
	req := answerReq{a: a, reply: make(chan answerRes, 1)}
	select {
	case w.reqs <- req:
	case <-w.done:
		return false, errClosed
	case <-ctx.Done():
		return false, ctx.Err()
	}
	// Once queued, wait for the commit even if the caller gives up.
	select {
	case res := <-req.reply:
		return res.stored, res.err
	case <-w.done:
		return false, errClosed
	}
}

func (w *answerWriter) close() {
	w.once.Do(func() { close(w.done) })
	w.wg.Wait()
}

func (w *answerWriter) run() {
	defer w.wg.Done()
	batch.Run(w.done, w.reqs, maxBatch, w.commit)
}

// insertAnswers inserts a batch in one statement; RETURNING names the rows
// it stored. A client id that repeats inside the batch is stored once, for
// its first request.
const insertAnswers = `INSERT INTO answers
	(client_id, learner, quiz, question, answer, correct, source, origin, created_at, lesson)
	SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::boolean[], $7::text[], $8::text[], $9::timestamptz[], $10::text[])
	ON CONFLICT (client_id) DO NOTHING
	RETURNING client_id`

func (w *answerWriter) commit(batch []answerReq) {
	results, err := w.insert(batch)
	if err != nil && len(batch) > 1 {
		// One bad answer (a NUL byte PostgreSQL's text refuses) must not
		// fail the others: try each alone.
		for i := range batch {
			res, err := w.insert(batch[i : i+1])
			if err != nil {
				res = []answerRes{{}}
			}
			results[i] = answerRes{stored: res[0].stored, err: err}
			if err != nil {
				results[i].err = fmt.Errorf("saving answer %s: %w", batch[i].a.ClientID, unavailable(err))
			}
		}
		err = nil
	}
	for i, r := range batch {
		if err != nil {
			results[i] = answerRes{err: fmt.Errorf("saving answer %s: %w", r.a.ClientID, unavailable(err))}
		}
		r.reply <- results[i]
	}
}

func (w *answerWriter) insert(batch []answerReq) ([]answerRes, error) {
	n := len(batch)
	var (
		ids, learners, quizzes, questions, answers, sources, origins = make([]string, n), make([]string, n),
			make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n)
		lessons = make([]string, n)
		correct = make([]bool, n)
		times   = make([]time.Time, n)
	)
	for i, r := range batch {
		a := r.a
		ids[i], learners[i], quizzes[i], questions[i], answers[i] = a.ClientID, a.Learner, a.Quiz, a.Question, a.Answer
		correct[i], sources[i], origins[i], times[i], lessons[i] = a.Correct, a.Source, a.Origin, a.Time.UTC(), a.Lesson
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	results := make([]answerRes, n)
	// One statement is its own transaction: PostgreSQL commits it at the
	// end of the query, before ReadyForQuery, and rows.Close waits for
	// that, so an error at commit is in rows.Err. BEGIN and COMMIT of
	// their own were two more round trips per batch, and a fifth of a
	// node's time.
	rows, err := w.db.pool.Query(ctx, insertAnswers, ids, learners, quizzes, questions, answers, correct, sources, origins, times, lessons)
	if err != nil {
		return results, err
	}
	stored := make(map[string]bool, n)
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return results, err
		}
		stored[id] = true
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return results, err
	}
	for i, id := range ids {
		if stored[id] {
			results[i].stored = true
			delete(stored, id) // a repeat later in the batch was not stored
		}
	}
	return results, nil
}
