package gormstore_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"path/filepath"
	"testing"
	"time"

	"github.com/glebarez/sqlite"
	"gorm.io/driver/mysql"
	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"github.com/seed-699a33a2/session/gormstore"
	"github.com/seed-699a33a2/session/internal/testenv"
	"github.com/seed-699a33a2/session/store"
	"github.com/seed-699a33a2/session/store/storetest"
)

// A dialect opens a database for one top-level test; SQLite is always
// there, PostgreSQL and MariaDB come from scripts/test.sh.
type dialect struct {
	name string
	open func(t *testing.T, cfg *gorm.Config) *gorm.DB
}

var dialects = []dialect{
	{"SQLite", openSQLite},
	{"PostgreSQL", openPostgres},
	{"MariaDB", openMySQL},
}

func config() *gorm.Config { return &gorm.Config{Logger: logger.Discard} }

// sqliteDSN is what the package doc recommends for SQLite. The pool keeps
// several connections, so the suite's parallel test has concurrent writers.
func sqliteDSN(path string) string {
	return "file:" + path + "?_pragma=busy_timeout(5000)&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)"
}

func openSQLite(t *testing.T, cfg *gorm.Config) *gorm.DB {
	t.Helper()
	db, err := gorm.Open(sqlite.Open(sqliteDSN(filepath.Join(t.TempDir(), "sessions.db"))), cfg)
	if err != nil {
		t.Fatalf("open SQLite: %v", err)
	}
	closeOnCleanup(t, db)
	return db
}

func openPostgres(t *testing.T, cfg *gorm.Config) *gorm.DB {
	t.Helper()
	dsn := testenv.Require(t, testenv.PostgresDSN)
	db, err := gorm.Open(postgres.Open(dsn), cfg)
	if err != nil {
		t.Fatalf("open PostgreSQL: %v", err)
	}
	closeOnCleanup(t, db)
	return db
}

func openMySQL(t *testing.T, cfg *gorm.Config) *gorm.DB {
	t.Helper()
	dsn := testenv.Require(t, testenv.MySQLDSN)
	db, err := gorm.Open(mysql.Open(dsn), cfg)
	if err != nil {
		t.Fatalf("open MariaDB: %v", err)
	}
	closeOnCleanup(t, db)
	return db
}

func closeOnCleanup(t *testing.T, db *gorm.DB) {
	t.Helper()
	sqlDB, err := db.DB()
	if err != nil {
		t.Fatalf("db.DB: %v", err)
	}
	t.Cleanup(func() { sqlDB.Close() })
}

// forEachDialect runs fn once per dialect, each in its own subtest with
// its own database handle.
func forEachDialect(t *testing.T, fn func(t *testing.T, db *gorm.DB)) {
	t.Helper()
	for _, d := range dialects {
		t.Run(d.name, func(t *testing.T) { fn(t, d.open(t, config())) })
	}
}

// tableName returns a fresh random table name, so that tests and
// concurrent runs against one database never share a table.
func tableName(t *testing.T) string {
	t.Helper()
	var b [8]byte
	rand.Read(b[:])
	return "sess_test_" + hex.EncodeToString(b[:])
}

// newStore returns a migrated store on a fresh table of db, closed and
// dropped when the test ends.
func newStore(t *testing.T, db *gorm.DB, opts gormstore.Options) (*gormstore.Store, string) {
	t.Helper()
	if opts.Table == "" {
		opts.Table = tableName(t)
	}
	st, err := gormstore.New(db, opts)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(func() {
		st.Close()
		if err := db.Migrator().DropTable(opts.Table); err != nil {
			t.Errorf("drop table %s: %v", opts.Table, err)
		}
	})
	if err := st.Migrate(context.Background()); err != nil {
		t.Fatalf("Migrate: %v", err)
	}
	return st, opts.Table
}

// dbAbilities are the optional abilities the driver declares to the conformance
// suite: exactly those it implements.
const dbAbilities = storetest.Touch | storetest.CompareAndSet | storetest.Lock | storetest.UserIndex | storetest.List | storetest.Count | storetest.Prune

func TestConformance(t *testing.T) {
	forEachDialect(t, func(t *testing.T, db *gorm.DB) {
		storetest.Run(t, func(t *testing.T, now func() time.Time) store.Store {
			st, _ := newStore(t, db, gormstore.Options{Now: now})
			return st
		}, storetest.Options{Abilities: dbAbilities})
	})
}

var epoch = time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)

func record(clock *storetest.Clock, data string) store.Record {
	now := clock.Now()
	return store.Record{ID: store.NewID(), Data: []byte(data), Created: now.Add(-time.Minute), Expires: now.Add(time.Hour)}
}

func save(t *testing.T, st store.Store, r store.Record) {
	t.Helper()
	if _, err := st.Save(context.Background(), r); err != nil {
		t.Fatalf("Save: %v", err)
	}
}
