package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/layerlab/layerlab/web"
)

const answerColumns = `client_id, learner, quiz, question, answer, correct, source, lesson, origin, created_at`

func scanAnswer(row pgx.Row) (web.Answer, error) {
	var a web.Answer
	err := row.Scan(&a.ClientID, &a.Learner, &a.Quiz, &a.Question, &a.Answer, &a.Correct, &a.Source, &a.Lesson, &a.Origin, &a.Time)
	a.Time = a.Time.UTC()
	return a, err
}

// Answers lists the stored answers to one quiz, oldest first.
func (db *DB) Answers(ctx context.Context, quiz string) ([]web.Answer, error) {
	var out []web.Answer
	err := db.eachAnswer(ctx, `SELECT `+answerColumns+` FROM answers WHERE quiz = $1 ORDER BY id`, []any{quiz}, func(a web.Answer) error {
		out = append(out, a)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("listing answers to %s: %w", quiz, err)
	}
	return out, nil
}

// LatestAnswers is a learner's last answer to each question of a quiz,
// oldest first.
func (db *DB) LatestAnswers(ctx context.Context, learner, quiz string) ([]web.Answer, error) {
	var out []web.Answer
	err := db.eachAnswer(ctx, `SELECT `+answerColumns+` FROM answers WHERE id IN
		(SELECT max(id) FROM answers WHERE learner = $1 AND quiz = $2 GROUP BY question) ORDER BY id`, []any{learner, quiz}, func(a web.Answer) error {
		out = append(out, a)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("reading %s's answers to %s: %w", learner, quiz, err)
	}
	return out, nil
}

// AnswerByClientID returns the answer stored under a client id, if any.
func (db *DB) AnswerByClientID(ctx context.Context, clientID string) (web.Answer, bool, error) {
	a, err := scanAnswer(db.pool.QueryRow(ctx, `SELECT `+answerColumns+` FROM answers WHERE client_id = $1`, clientID))
	if errNoRows(err) {
		return web.Answer{}, false, nil
	}
	if err != nil {
		return web.Answer{}, false, fmt.Errorf("reading answer %s: %w", clientID, err)
	}
	return a, true, nil
}

// CountAnswers counts every stored answer; the crash and cluster tests use it.
func (db *DB) CountAnswers(ctx context.Context) (int, error) {
	var n int
	if err := db.pool.QueryRow(ctx, `SELECT count(*) FROM answers`).Scan(&n); err != nil {
		return 0, fmt.Errorf("counting answers: %w", err)
	}
	return n, nil
}

// AllAnswers calls fn for every stored answer, oldest first, streaming.
func (db *DB) AllAnswers(ctx context.Context, fn func(web.Answer) error) error {
	if err := db.eachAnswer(ctx, `SELECT `+answerColumns+` FROM answers ORDER BY id`, nil, fn); err != nil {
		return fmt.Errorf("listing answers: %w", err)
	}
	return nil
}

func (db *DB) eachAnswer(ctx context.Context, query string, args []any, fn func(web.Answer) error) error {
	rows, err := db.pool.Query(ctx, query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		a, err := scanAnswer(rows)
		if err != nil {
			return err
		}
		if err := fn(a); err != nil {
			return err
		}
	}
	return rows.Err()
}

// AnswerCounts counts the stored answers per quiz, question, given answer
// and correctness.
func (db *DB) AnswerCounts(ctx context.Context, class int64) ([]web.AnswerCount, error) {
	rows, err := db.pool.Query(ctx, `SELECT quiz, question, answer, correct, count(*)
		FROM answers WHERE `+inClass+` GROUP BY quiz, question, answer, correct ORDER BY quiz COLLATE "C", question COLLATE "C", answer COLLATE "C", correct`, class)
	if err != nil {
		return nil, fmt.Errorf("counting answers: %w", err)
	}
	defer rows.Close()
	var out []web.AnswerCount
	for rows.Next() {
		var c web.AnswerCount
		if err := rows.Scan(&c.Quiz, &c.Question, &c.Answer, &c.Correct, &c.N); err != nil {
			return nil, fmt.Errorf("counting answers: %w", err)
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// inClass is true of every row for class 0, else of the rows of the
// class's members; it takes the class id as its one parameter.
const inClass = `($1::bigint = 0 OR learner IN (SELECT learner FROM class_members WHERE class_id = $1))`

// OriginCounts counts embed answers per embedding origin.
func (db *DB) OriginCounts(ctx context.Context) ([]web.OriginCount, error) {
	rows, err := db.pool.Query(ctx, `SELECT origin, count(*), count(*) FILTER (WHERE correct), count(DISTINCT learner)
		FROM answers WHERE source = 'embed' GROUP BY origin ORDER BY count(*) DESC, origin COLLATE "C"`)
	if err != nil {
		return nil, fmt.Errorf("counting answers by origin: %w", err)
	}
	defer rows.Close()
	var out []web.OriginCount
	for rows.Next() {
		var c web.OriginCount
		if err := rows.Scan(&c.Origin, &c.N, &c.Correct, &c.Learners); err != nil {
			return nil, fmt.Errorf("counting answers by origin: %w", err)
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// LessonProgress counts, per lesson, how many learners completed each
// number of distinct steps: one row per lesson and number of steps.
func (db *DB) LessonProgress(ctx context.Context, class int64) ([]web.LessonSteps, error) {
	rows, err := db.pool.Query(ctx, `SELECT lesson, steps, count(*) FROM
		(SELECT lesson, learner, count(DISTINCT step) AS steps FROM lesson_progress WHERE `+inClass+` GROUP BY lesson, learner) AS per_learner
		GROUP BY lesson, steps ORDER BY lesson COLLATE "C", steps`, class)
	if err != nil {
		return nil, fmt.Errorf("reading lesson progress: %w", err)
	}
	defer rows.Close()
	var out []web.LessonSteps
	for rows.Next() {
		var c web.LessonSteps
		if err := rows.Scan(&c.Lesson, &c.Steps, &c.Learners); err != nil {
			return nil, fmt.Errorf("reading lesson progress: %w", err)
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// LearnerAnswers is a learner's last limit answers, oldest first.
func (db *DB) LearnerAnswers(ctx context.Context, learner string, limit int) ([]web.Answer, error) {
	var out []web.Answer
	err := db.eachAnswer(ctx, `SELECT `+answerColumns+` FROM (SELECT * FROM answers WHERE learner = $1 ORDER BY id DESC LIMIT $2) a ORDER BY id`,
		[]any{learner, limit}, func(a web.Answer) error {
			out = append(out, a)
			return nil
		})
	if err != nil {
		return nil, fmt.Errorf("reading a learner's answers: %w", unavailable(err))
	}
	return out, nil
}

// AnswerSources counts answers per quiz and the place they were given.
func (db *DB) AnswerSources(ctx context.Context, class int64) ([]web.SourceCount, error) {
	rows, err := db.pool.Query(ctx, `SELECT quiz, source, lesson, count(*)
		FROM answers WHERE `+inClass+` GROUP BY quiz, source, lesson ORDER BY quiz COLLATE "C", source COLLATE "C", lesson COLLATE "C"`, class)
	if err != nil {
		return nil, fmt.Errorf("counting answers by source: %w", unavailable(err))
	}
	defer rows.Close()
	var out []web.SourceCount
	for rows.Next() {
		var c web.SourceCount
		if err := rows.Scan(&c.Quiz, &c.Source, &c.Lesson, &c.N); err != nil {
			return nil, fmt.Errorf("counting answers by source: %w", unavailable(err))
		}
		out = append(out, c)
	}
	return out, rows.Err()
}
