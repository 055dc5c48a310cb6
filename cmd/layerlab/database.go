package main

import (
	"context"
	"strings"

	"github.com/layerlab/layerlab/web"
	"github.com/layerlab/layerlab/web/postgres"
	"github.com/layerlab/layerlab/web/sqlite"
)

// database is what serve and instructor add need from either store.
type database interface {
	web.Store
	web.AnswerStore
	web.InstructorStore
	web.ProgressStore
	web.LearnerStore
	web.SecretStore
	web.LTIStore
	web.OutboxStore
	AddInstructor(ctx context.Context, email, passwordHash string) error
	Close() error
}

// openDatabase opens what --db names: a postgres:// URL, or else the path
// of a SQLite file. Claims is nil for SQLite, which one node serves alone.
// name is what logs may show (no password).
// Durability applies to SQLite; PostgreSQL's is the server's own setting.
func openDatabase(ctx context.Context, db string, dur sqlite.Durability) (store database, claims web.Claims, name string, err error) {
	if strings.HasPrefix(db, "postgres://") || strings.HasPrefix(db, "postgresql://") {
		pg, err := postgres.Open(ctx, db)
		if err != nil {
			return nil, nil, "", err
		}
		return pg, pg, postgres.Redact(db), nil
	}
	lite, err := sqlite.OpenWith(ctx, db, sqlite.Options{Durability: dur})
	if err != nil {
		return nil, nil, "", err
	}
	return lite, nil, db, nil
}
