package gormstore

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/glebarez/sqlite"
	"gorm.io/driver/mysql"
	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"github.com/seed-699a33a2/session/internal/testenv"
	"github.com/seed-699a33a2/session/store"
	"github.com/seed-699a33a2/session/store/storetest"
)

// TestListStreams walks a table of 100,000 sessions, a page at a time, on
// every dialect; the rows go in with batched INSERTs of the store's own.
func TestListStreams(t *testing.T) {
	for name, dial := range map[string]func(t *testing.T) gorm.Dialector{
		"SQLite":     func(t *testing.T) gorm.Dialector { return sqlite.Open(filepath.Join(t.TempDir(), "list.db")) },
		"PostgreSQL": func(t *testing.T) gorm.Dialector { return postgres.Open(testenv.Require(t, testenv.PostgresDSN)) },
		"MariaDB":    func(t *testing.T) gorm.Dialector { return mysql.Open(testenv.Require(t, testenv.MySQLDSN)) },
	} {
		t.Run(name, func(t *testing.T) {
			db, err := gorm.Open(dial(t), &gorm.Config{Logger: logger.Discard})
			if err != nil {
				t.Fatal(err)
			}
			table := "sess_list_" + store.HashID(store.NewID())[:12]
			s, err := New(db, Options{Table: table, CleanupInterval: -1})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() {
				s.Close()
				_ = db.Migrator().DropTable(table)
				if sqlDB, err := db.DB(); err == nil {
					sqlDB.Close()
				}
			})
			if err := s.Migrate(context.Background()); err != nil {
				t.Fatal(err)
			}
			const n = 100_000
			now := time.Now()
			rows := make([]row, 0, 1000)
			for i := 0; i < n; i += len(rows) {
				rows = rows[:0]
				for range 1000 {
					rows = append(rows, newRow(store.Record{ID: store.NewID(), Data: []byte("\x01\x00"), Created: now, Expires: now.Add(time.Hour)}, s.utcNow()))
				}
				if err := db.Table(table).CreateInBatches(rows, 250).Error; err != nil {
					t.Fatal(err)
				}
			}
			storetest.CheckListStreams(t, s, n)
		})
	}
}
