package sqlite_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/layerlab/layerlab/web"
	"github.com/layerlab/layerlab/web/sqlite"
	"github.com/layerlab/layerlab/web/storetest"
)

func TestStore(t *testing.T) {
	storetest.Run(t, func(t *testing.T) storetest.Store {
		db, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "layerlab.db"))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		return db
	})
}

// A file that is not a sound database is refused at start, in one line.
func TestOpenRefusesDamagedFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "layerlab.db")
	db, err := sqlite.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 200 {
		if err := db.SaveSession(context.Background(), fmt.Sprintf("learner%03d", i), "play", 1, []web.LogEntry{{Kind: "cmd", Line: strings.Repeat("docker ps ", 50)}}); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	// Scribble over the b-tree pages after the first two.
	junk := []byte(strings.Repeat("\xde\xad\xbe\xef", 1024))
	for page := int64(2); page < 12; page++ {
		f.WriteAt(junk, page*4096+100)
	}
	f.Close()
	_, err = sqlite.Open(context.Background(), path)
	if err == nil {
		t.Fatal("a damaged database was opened")
	}
	if msg := err.Error(); !strings.Contains(msg, "damaged") || strings.Contains(msg, "\n") {
		t.Errorf("error %q, want one line saying the file is damaged", msg)
	}
}

func TestDurabilityFull(t *testing.T) {
	for _, tc := range []struct {
		d    sqlite.Durability
		want int
	}{{sqlite.DurabilityNormal, 1}, {sqlite.DurabilityFull, 2}} {
		db, err := sqlite.OpenWith(context.Background(), filepath.Join(t.TempDir(), "layerlab.db"), sqlite.Options{Durability: tc.d})
		if err != nil {
			t.Fatal(err)
		}
		if got := db.Synchronous(context.Background()); got != tc.want {
			t.Errorf("durability %s: synchronous = %d, want %d", tc.d, got, tc.want)
		}
		db.Close()
	}
	if _, err := sqlite.ParseDurability("sometimes"); err == nil {
		t.Error("durability sometimes was accepted")
	}
}
