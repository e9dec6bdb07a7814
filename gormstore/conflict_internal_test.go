package gormstore

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/glebarez/sqlite"
	gomysql "github.com/go-sql-driver/mysql"
	"github.com/jackc/pgx/v5/pgconn"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"github.com/seed-699a33a2/session/store"
)

// TestIsConflict classifies the errors each driver returns: contention and
// duplicate keys are conflicts, everything else a backend failure.
func TestIsConflict(t *testing.T) {
	db, err := gorm.Open(sqlite.Open(filepath.Join(t.TempDir(), "x.db")), &gorm.Config{Logger: logger.Discard})
	if err != nil {
		t.Fatal(err)
	}
	st, err := New(db, Options{CleanupInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		err  error
		want bool
	}{
		{gorm.ErrDuplicatedKey, true},
		{fmt.Errorf("wrapped: %w", gorm.ErrDuplicatedKey), true},
		{&pgconn.PgError{Code: "23505"}, true},
		{&pgconn.PgError{Code: "40001"}, true},
		{&pgconn.PgError{Code: "40P01"}, true},
		{fmt.Errorf("x: %w", &pgconn.PgError{Code: "40001"}), true},
		{&pgconn.PgError{Code: "42P01"}, false}, // undefined table
		{&gomysql.MySQLError{Number: 1062, Message: "Duplicate entry"}, true},
		{&gomysql.MySQLError{Number: 1213, Message: "Deadlock found"}, true},
		{&gomysql.MySQLError{Number: 1146, Message: "Table doesn't exist"}, false},
		{errors.New("database is locked (5) (SQLITE_BUSY)"), true},
		{errors.New("constraint failed: UNIQUE constraint failed: sessions.id (1555)"), true},
		{errors.New("no such table: sessions"), false},
		{context.Canceled, false},
		{fmt.Errorf("database is locked: %w", context.DeadlineExceeded), false},
	} {
		if got := st.isConflict(tc.err); got != tc.want {
			t.Errorf("isConflict(%v) = %v, want %v", tc.err, got, tc.want)
		}
		err := st.saveIfErr(tc.err)
		if tc.want && (!errors.Is(err, store.ErrConflict) || errors.Is(err, store.ErrBackend)) {
			t.Errorf("saveIfErr(%v) = %v, want ErrConflict without ErrBackend", tc.err, err)
		}
		if !tc.want && (errors.Is(err, store.ErrConflict) || !errors.Is(err, store.ErrBackend)) {
			t.Errorf("saveIfErr(%v) = %v, want ErrBackend without ErrConflict", tc.err, err)
		}
	}
}
