package gormstore_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/seed-699a33a2/session/gormstore"
	"github.com/seed-699a33a2/session/store"
	"github.com/seed-699a33a2/session/store/storetest"
)

// lockedStore returns a store on a fresh table holding one live session,
// whose ID it returns.
func lockedStore(t *testing.T, db *gorm.DB) (*gormstore.Store, string, string) {
	t.Helper()
	clock := storetest.NewClock(epoch)
	st, table := newStore(t, db, gormstore.Options{Now: clock.Now, CleanupInterval: -1})
	r := record(clock, "x")
	save(t, st, r)
	return st, table, r.ID
}

// TestLockSurvivesWrites: Save, SaveIf and Touch of a locked session leave
// its lock alone.
func TestLockSurvivesWrites(t *testing.T) {
	forEachDialect(t, func(t *testing.T, db *gorm.DB) {
		clock := storetest.NewClock(epoch)
		st, _ := newStore(t, db, gormstore.Options{Now: clock.Now, CleanupInterval: -1})
		ctx := context.Background()
		r := record(clock, "x")
		if _, _, err := st.SaveIf(ctx, r); err != nil {
			t.Fatalf("SaveIf: %v", err)
		}
		unlock, err := st.Lock(ctx, r.ID, time.Minute)
		if err != nil {
			t.Fatalf("Lock: %v", err)
		}
		defer unlock(ctx)
		for _, w := range []struct {
			name string
			run  func() error
		}{
			{"Save", func() error { _, err := st.Save(ctx, r); return err }},
			{"SaveIf", func() error { r.Version = 2; _, _, err := st.SaveIf(ctx, r); return err }},
			{"Touch", func() error { return st.Touch(ctx, r.ID, clock.Now().Add(2*time.Hour)) }},
		} {
			if err := w.run(); err != nil {
				t.Fatalf("%s: %v", w.name, err)
			}
			short, cancel := context.WithTimeout(ctx, 30*time.Millisecond)
			_, err := st.Lock(short, r.ID, time.Minute)
			cancel()
			if !errors.Is(err, store.ErrLockTimeout) {
				t.Fatalf("Lock after %s = %v, want ErrLockTimeout: %s released the lock", w.name, err, w.name)
			}
		}
	})
}

// TestLockWithoutRow: an ID with no row has nothing to protect; Lock returns
// at once, and so does a waiter whose holder deletes the row.
func TestLockWithoutRow(t *testing.T) {
	forEachDialect(t, func(t *testing.T, db *gorm.DB) {
		st, _, id := lockedStore(t, db)
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		for _, missing := range []string{store.NewID(), "not an id"} {
			unlock, err := st.Lock(ctx, missing, time.Minute)
			if err != nil {
				t.Fatalf("Lock(%q): %v", missing, err)
			}
			if err := unlock(ctx); err != nil {
				t.Fatalf("unlock: %v", err)
			}
		}

		unlock, err := st.Lock(ctx, id, time.Minute)
		if err != nil {
			t.Fatalf("Lock: %v", err)
		}
		waited := make(chan error, 1)
		go func() {
			u, err := st.Lock(ctx, id, time.Minute)
			if err == nil {
				err = u(ctx)
			}
			waited <- err
		}()
		time.Sleep(30 * time.Millisecond)
		select {
		case err := <-waited:
			t.Fatalf("second Lock returned while the first held the lock: %v", err)
		default:
		}
		if err := st.Delete(ctx, id); err != nil {
			t.Fatalf("Delete: %v", err)
		}
		if err := <-waited; err != nil {
			t.Fatalf("Lock after the row was deleted: %v", err)
		}
		if err := unlock(ctx); err != nil {
			t.Fatalf("unlock of a deleted row: %v", err)
		}
	})
}

// TestMigrateAddsLockColumns: a table made before Lock existed gains its
// columns on Migrate, keeps its rows, and a further Migrate alters nothing.
func TestMigrateAddsLockColumns(t *testing.T) {
	for _, d := range dialects {
		t.Run(d.name, func(t *testing.T) {
			rec := &recorder{}
			db := d.open(t, &gorm.Config{Logger: rec})
			clock := storetest.NewClock(epoch)
			st, table := newStore(t, db, gormstore.Options{Now: clock.Now, CleanupInterval: -1})
			r := record(clock, "kept")
			save(t, st, r)
			for _, col := range []string{"lock_token", "locked_until"} {
				if err := db.Exec("ALTER TABLE " + table + " DROP COLUMN " + col).Error; err != nil {
					t.Fatalf("drop %s: %v", col, err)
				}
			}
			ctx := context.Background()
			if err := st.Migrate(ctx); err != nil {
				t.Fatalf("Migrate of an old table: %v", err)
			}
			for _, col := range []string{"lock_token", "locked_until"} {
				if !db.Migrator().HasColumn(table, col) {
					t.Errorf("Migrate did not add %s", col)
				}
			}
			rec.take()
			if err := st.Migrate(ctx); err != nil {
				t.Fatalf("Migrate again: %v", err)
			}
			stmts, _ := rec.take()
			for _, s := range stmts {
				if u := strings.ToUpper(strings.TrimSpace(s)); strings.HasPrefix(u, "ALTER") || strings.HasPrefix(u, "CREATE") || strings.HasPrefix(u, "DROP") {
					t.Errorf("Migrate of a migrated table ran %s", s)
				}
			}
			if got, err := st.Load(ctx, r.ID); err != nil || string(got.Data) != "kept" {
				t.Fatalf("Load after Migrate = %q, %v", got.Data, err)
			}
			unlock, err := st.Lock(ctx, r.ID, time.Minute)
			if err != nil {
				t.Fatalf("Lock: %v", err)
			}
			short, cancel := context.WithTimeout(ctx, 30*time.Millisecond)
			defer cancel()
			if _, err := st.Lock(short, r.ID, time.Minute); !errors.Is(err, store.ErrLockTimeout) {
				t.Fatalf("second Lock = %v, want ErrLockTimeout", err)
			}
			if err := unlock(ctx); err != nil {
				t.Fatalf("unlock: %v", err)
			}
		})
	}
}

// TestLockStatements: taking a free lock is one UPDATE whose lease test is
// bracketed (it must not reach other rows), unlocking one UPDATE; neither
// reads the database's clock or logs anything.
func TestLockStatements(t *testing.T) {
	for _, d := range dialects {
		t.Run(d.name, func(t *testing.T) {
			rec := &recorder{}
			db := d.open(t, &gorm.Config{Logger: rec})
			st, _, id := lockedStore(t, db)
			ctx := context.Background()
			rec.take()
			unlock, err := st.Lock(ctx, id, time.Minute)
			if err != nil {
				t.Fatalf("Lock: %v", err)
			}
			if err := unlock(ctx); err != nil {
				t.Fatalf("unlock: %v", err)
			}
			stmts, noise := rec.take()
			if len(noise) > 0 {
				t.Errorf("logged %q", noise)
			}
			if len(stmts) != 2 {
				t.Fatalf("Lock and unlock ran %d statements, want 2: %q", len(stmts), stmts)
			}
			for _, s := range stmts {
				if !strings.HasPrefix(s, "UPDATE ") {
					t.Errorf("want an UPDATE: %s", s)
				}
				if strings.Contains(strings.ToLower(s), "now()") || strings.Contains(strings.ToUpper(s), "CURRENT_TIMESTAMP") {
					t.Errorf("reads the database's clock: %s", s)
				}
			}
			if s := strings.ReplaceAll(strings.ReplaceAll(stmts[0], "`", ""), `"`, ""); !strings.Contains(s, "AND (locked_until IS NULL OR locked_until <= ") {
				t.Errorf("Lock: %s\nwant the lease test in brackets", stmts[0])
			}
		})
	}
}
