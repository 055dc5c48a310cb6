package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"sync"
	"time"

	"github.com/layerlab/layerlab/web"
	"github.com/layerlab/layerlab/web/internal/batch"
)

// logWriter is group commit for console commands, the way answerWriter is
// for answers: every command a learner types is appended to their
// session's log before it is answered, and with thousands of learners on
// one node a transaction per command made the single SQLite writer the
// bottleneck of the whole server. Appends queue on a channel; one
// goroutine writes whatever has queued in one transaction and tells each
// caller only after COMMIT. When a batch fails, each of its appends is
// tried again in a transaction of its own, so one append's error is never
// another's.
type logWriter struct {
	db   *DB
	st   *appendStmts // prepared once on the one write connection
	reqs chan logReq
	done chan struct{}
	once sync.Once
}

type logReq struct {
	ctx           context.Context
	learner, mode string
	seq           int
	e             web.LogEntry
	reply         chan error
}

func newLogWriter(ctx context.Context, db *DB) (*logWriter, error) {
	st, err := prepareAppend(ctx, db.write)
	if err != nil {
		return nil, fmt.Errorf("preparing session log statements: %w", err)
	}
	w := &logWriter{db: db, st: st, reqs: make(chan logReq, 4*maxBatch), done: make(chan struct{})}
	go w.run()
	return w, nil
}

func (w *logWriter) append(ctx context.Context, r logReq) error {
	r.ctx, r.reply = ctx, make(chan error, 1)
	select {
	case w.reqs <- r:
	case <-w.done:
		return errClosed
	case <-ctx.Done():
		return fmt.Errorf("appending to session: %w", ctx.Err())
	}
	// Once queued, wait for the commit even if the caller gives up: the
	// entry may be written, and the caller must not take it back while it
	// could still be.
	select {
	case err := <-r.reply:
		return err
	case <-w.done:
		return errClosed
	}
}

func (w *logWriter) close() {
	w.once.Do(func() {
		close(w.done)
		w.st.close()
	})
}

func (w *logWriter) run() {
	batch.Run(w.done, w.reqs, maxBatch, w.commit)
}

func (w *logWriter) commit(batch []logReq) {
	err := w.commitBatch(context.Background(), batch)
	if err == nil || len(batch) == 1 {
		for _, r := range batch {
			r.reply <- err
		}
		return
	}
	// A failed batch: each append again in a transaction of its own, so
	// one append's error is not another's.
	for _, r := range batch {
		r.reply <- w.commitBatch(r.ctx, []logReq{r})
	}
}

// commitBatch appends every entry of batch in one transaction.
func (w *logWriter) commitBatch(ctx context.Context, batch []logReq) error {
	tx, err := w.db.write.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("appending to session: %w", err)
	}
	defer tx.Rollback()
	now := time.Now().UTC().Format(time.RFC3339)
	for _, r := range batch {
		if err := w.st.append(ctx, tx, r.learner, r.mode, r.seq, r.e, now); err != nil {
			return err
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("appending to session: %w", err)
	}
	return nil
}

// appendStmts are the statements of one append, prepared once: SQLite's
// parser was a tenth of the server's time when each was prepared anew.
type appendStmts struct {
	share, trim, insert, touch *sql.Stmt
}

func prepareAppend(ctx context.Context, db *sql.DB) (*appendStmts, error) {
	var st appendStmts
	for _, p := range []struct {
		s   **sql.Stmt
		sql string
	}{
		{&st.share, `SELECT share_id FROM sessions WHERE learner = ? AND mode = ?`},
		{&st.trim, `DELETE FROM session_log WHERE learner = ? AND mode = ? AND seq >= ?`},
		{&st.insert, `INSERT INTO session_log (learner, mode, seq, kind, line, path, data) VALUES (?, ?, ?, ?, ?, ?, ?)`},
		{&st.touch, `UPDATE sessions SET updated_at = ? WHERE learner = ? AND mode = ?`},
	} {
		s, err := db.PrepareContext(ctx, p.sql)
		if err != nil {
			st.close()
			return nil, err
		}
		*p.s = s
	}
	return &st, nil
}

func (st *appendStmts) close() {
	for _, s := range []*sql.Stmt{st.share, st.trim, st.insert, st.touch} {
		if s != nil {
			s.Close()
		}
	}
}

// append adds one entry at seq, dropping any at or after it (what an undo
// left behind); a session still pointing at a share gets its own copy
// first.
func (st *appendStmts) append(ctx context.Context, tx *sql.Tx, learner, mode string, seq int, e web.LogEntry, now string) error {
	var share sql.NullString
	switch err := tx.StmtContext(ctx, st.share).QueryRowContext(ctx, learner, mode).Scan(&share); {
	case err == sql.ErrNoRows:
	case err != nil:
		return fmt.Errorf("appending to session: %w", err)
	case share.Valid:
		if err := copyOnWrite(ctx, tx, learner, mode, seq); err != nil {
			return fmt.Errorf("appending to session: %w", err)
		}
	}
	if _, err := tx.StmtContext(ctx, st.trim).ExecContext(ctx, learner, mode, seq); err != nil {
		return fmt.Errorf("appending to session: %w", err)
	}
	if _, err := tx.StmtContext(ctx, st.insert).ExecContext(ctx, learner, mode, seq, e.Kind, e.Line, e.Path, e.Data); err != nil {
		return fmt.Errorf("writing session log: %w", err)
	}
	if _, err := tx.StmtContext(ctx, st.touch).ExecContext(ctx, now, learner, mode); err != nil {
		return fmt.Errorf("appending to session: %w", err)
	}
	return nil
}
