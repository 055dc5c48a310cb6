// Package postgres is layerlab's storage on PostgreSQL, through
// github.com/jackc/pgx/v5: the same stores as web/sqlite (quiz answers,
// learner sessions, shares, lesson progress, instructor accounts), so any
// number of `layerlab serve` nodes can share one database.
//
// Migrations are embedded numbered .sql files in PostgreSQL's dialect, with
// the numbers of web/sqlite's, applied in order inside transactions and
// recorded in schema_migrations; a node holds an advisory lock while it
// migrates, so nodes started together do not race. Answers are written by
// group commit (answer_writer.go) and acknowledged only after COMMIT.
// Claims between nodes travel by LISTEN/NOTIFY (claims.go).
package postgres
