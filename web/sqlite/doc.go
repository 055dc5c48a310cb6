// Package sqlite is layerlab's storage on a single SQLite file, through the
// pure-Go modernc.org/sqlite driver: quiz answers, learner sessions and
// instructor accounts. Migrations are embedded numbered .sql files applied in
// order, each inside a transaction, and recorded in schema_migrations.
//
// All writes go through one connection (SQLite allows a single writer; a pool
// of writers would only queue on the file lock), while reads use a small pool
// of their own.
package sqlite
