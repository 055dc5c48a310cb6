package postgres_test

import (
	"context"
	"testing"

	"github.com/layerlab/layerlab/web/postgres"
	"github.com/layerlab/layerlab/web/postgres/pgtest"
	"github.com/layerlab/layerlab/web/storetest"
)

var server *pgtest.Server

func TestMain(m *testing.M) { pgtest.Main(m, &server) }

// openDSN makes a fresh database for one test.
func openDSN(t *testing.T) string {
	t.Helper()
	return pgtest.Database(t, server)
}

func open(t *testing.T) *postgres.DB {
	t.Helper()
	db, err := postgres.Open(context.Background(), openDSN(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func TestStore(t *testing.T) {
	storetest.Run(t, func(t *testing.T) storetest.Store { return open(t) })
}
