package gormstore_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/glebarez/sqlite"
	"gorm.io/gorm"

	"github.com/seed-699a33a2/session/gormstore"
	"github.com/seed-699a33a2/session/store"
	"github.com/seed-699a33a2/session/store/storetest"
)

// TestSaveIfStatements runs SaveIf against the real databases with a
// recording logger: the statements each case takes, the store's clock bound
// as a parameter, and no error logged for a conflict (a refused SaveIf is
// an ordinary outcome, not a database error).
func TestSaveIfStatements(t *testing.T) {
	for _, d := range dialects {
		t.Run(d.name, func(t *testing.T) {
			rec := &recorder{}
			db := d.open(t, &gorm.Config{Logger: rec})
			clock := storetest.NewClock(epoch)
			st, table := newStore(t, db, gormstore.Options{Now: clock.Now, CleanupInterval: -1})
			ctx := context.Background()
			const bound = "2030-01-02 03:04:05"
			r := record(clock, "x")
			expired := record(clock, "short")
			expired.Expires = clock.Now().Add(time.Second)
			for _, op := range []struct {
				name    string
				run     func() error
				stmts   []string // each statement's first word
				clocked bool     // the last statement binds the store's time
			}{
				{"insert", func() error { return wantVersion(st.SaveIf(ctx, r))(1) }, []string{"INSERT"}, false},
				{"insert over a live row", func() error { return wantConflict(st.SaveIf(ctx, r)) },
					[]string{"INSERT", "DELETE"}, true},
				{"update", func() error { r.Version = 1; return wantVersion(st.SaveIf(ctx, r))(2) }, []string{"UPDATE"}, true},
				{"stale update", func() error { r.Version = 1; return wantConflict(st.SaveIf(ctx, r)) }, []string{"UPDATE"}, true},
				{"delete", func() error {
					d := r
					d.Version, d.Expires = 2, clock.Now()
					tok, v, err := st.SaveIf(ctx, d)
					if err == nil && (tok != "" || v != 3) {
						return fmt.Errorf("SaveIf deleting = %q, %d; want \"\", 3", tok, v)
					}
					return err
				}, []string{"DELETE"}, true},
				{"stale delete", func() error {
					d := r
					d.Version, d.Expires = 2, clock.Now()
					return wantConflict(st.SaveIf(ctx, d))
				}, []string{"DELETE"}, true},
				{"delete nothing", func() error {
					d := r
					d.Version, d.Expires = 0, clock.Now()
					_, _, err := st.SaveIf(ctx, d)
					return err
				}, []string{"SELECT"}, true},
			} {
				if _, err := st.Load(ctx, store.NewID()); !errors.Is(err, store.ErrNotFound) {
					t.Fatal(err)
				}
				rec.take()
				if err := op.run(); err != nil {
					t.Fatalf("%s: %v", op.name, err)
				}
				stmts, noise := rec.take()
				if len(noise) > 0 {
					t.Errorf("%s logged %q", op.name, noise)
				}
				var first []string
				for _, s := range stmts {
					first = append(first, strings.ToUpper(strings.Fields(s)[0]))
					if strings.Contains(strings.ToLower(s), "now()") || strings.Contains(strings.ToUpper(s), "CURRENT_TIMESTAMP") {
						t.Errorf("%s reads the database's clock: %s", op.name, s)
					}
				}
				if strings.Join(first, " ") != strings.Join(op.stmts, " ") {
					t.Errorf("%s ran %q, want statements %v", op.name, stmts, op.stmts)
				} else if op.clocked && !strings.Contains(stmts[len(stmts)-1], bound) {
					t.Errorf("%s does not bind the store's time %s: %s", op.name, bound, stmts[len(stmts)-1])
				}
			}

			// An expired row counts as none: SaveIf with version 0 replaces it,
			// created_at and version included.
			save(t, st, expired)
			save(t, st, expired)
			clock.Advance(2 * time.Second)
			rec.take()
			fresh := record(clock, "fresh")
			fresh.ID = expired.ID
			if err := wantVersion(st.SaveIf(ctx, fresh))(1); err != nil {
				t.Fatalf("SaveIf over an expired row: %v", err)
			}
			stmts, noise := rec.take()
			if len(stmts) != 3 || len(noise) > 0 {
				t.Errorf("SaveIf over an expired row ran %q, logged %q; want INSERT, DELETE, INSERT and no noise", stmts, noise)
			}
			if created, v := readRow(t, db, table, fresh.ID); !created.Equal(fresh.Created) || v != 1 {
				t.Errorf("replaced row: created_at %v, version %d; want %v, 1", created, v, fresh.Created)
			}
			if got, err := st.Load(ctx, fresh.ID); err != nil || string(got.Data) != "fresh" || got.Version != 1 {
				t.Errorf("Load = %q v%d, %v; want %q v1", got.Data, got.Version, err, "fresh")
			}
		})
	}
}

func wantVersion(_ string, v uint64, err error) func(uint64) error {
	return func(want uint64) error {
		if err == nil && v != want {
			return fmt.Errorf("version %d, want %d", v, want)
		}
		return err
	}
}

func wantConflict(_ string, _ uint64, err error) error {
	if !errors.Is(err, store.ErrConflict) || errors.Is(err, store.ErrBackend) {
		return fmt.Errorf("err = %v, want ErrConflict (and not ErrBackend)", err)
	}
	return nil
}

// TestSaveIfSQLiteBusy holds SQLite's write lock on another connection,
// with no busy timeout: SaveIf fails with SQLITE_BUSY, which the contract
// counts as a conflict, not as a backend failure.
func TestSaveIfSQLiteBusy(t *testing.T) {
	path := filepath.Join(t.TempDir(), "busy.db")
	db, err := gorm.Open(sqlite.Open("file:"+path+"?_pragma=busy_timeout(0)&_pragma=journal_mode(WAL)"), config())
	if err != nil {
		t.Fatal(err)
	}
	closeOnCleanup(t, db)
	clock := storetest.NewClock(epoch)
	st, _ := newStore(t, db, gormstore.Options{Now: clock.Now, CleanupInterval: -1})
	ctx := context.Background()
	r := record(clock, "x")
	save(t, st, r)

	sqlDB, err := db.DB()
	if err != nil {
		t.Fatal(err)
	}
	conn, err := sqlDB.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := conn.ExecContext(ctx, "BEGIN IMMEDIATE"); err != nil {
		t.Fatal(err)
	}
	r.Version = 1
	_, _, err = st.SaveIf(ctx, r)
	if !errors.Is(err, store.ErrConflict) || errors.Is(err, store.ErrBackend) {
		t.Errorf("SaveIf while another connection writes: %v, want ErrConflict (not ErrBackend)", err)
	}
	n := r
	n.ID, n.Version = store.NewID(), 0
	if _, _, err := st.SaveIf(ctx, n); !errors.Is(err, store.ErrConflict) {
		t.Errorf("SaveIf of a new record while another connection writes: %v, want ErrConflict", err)
	}
	if _, err := conn.ExecContext(ctx, "ROLLBACK"); err != nil {
		t.Fatal(err)
	}
	conn.Close()
	if _, v, err := st.SaveIf(ctx, r); err != nil || v != 2 {
		t.Fatalf("SaveIf after the lock is gone = %d, %v; want 2, nil", v, err)
	}
}

// TestSaveIfTranslateError runs the conflicts with GORM's error translation
// on, as an application may configure it.
func TestSaveIfTranslateError(t *testing.T) {
	for _, d := range dialects {
		t.Run(d.name, func(t *testing.T) {
			cfg := config()
			cfg.TranslateError = true
			db := d.open(t, cfg)
			clock := storetest.NewClock(epoch)
			st, _ := newStore(t, db, gormstore.Options{Now: clock.Now, CleanupInterval: -1})
			ctx := context.Background()
			r := record(clock, "x")
			if err := wantVersion(st.SaveIf(ctx, r))(1); err != nil {
				t.Fatal(err)
			}
			if err := wantConflict(st.SaveIf(ctx, r)); err != nil {
				t.Fatal(err)
			}
			r.Version = 1
			if err := wantVersion(st.SaveIf(ctx, r))(2); err != nil {
				t.Fatal(err)
			}
		})
	}
}
