package gormstore_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
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

func TestLockOneHolderAtATime(t *testing.T) {
	forEachDialect(t, func(t *testing.T, db *gorm.DB) {
		st, _, id := lockedStore(t, db)
		const workers, rounds = 5, 6
		var holders, counter atomic.Int64
		var wg sync.WaitGroup
		for w := 0; w < workers; w++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := 0; i < rounds; i++ {
					ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
					unlock, err := st.Lock(ctx, id, time.Minute)
					cancel()
					if err != nil {
						t.Errorf("Lock: %v", err)
						return
					}
					if n := holders.Add(1); n != 1 {
						t.Errorf("%d holders at once", n)
					}
					// A read-modify-write that loses updates unless the
					// lock keeps the holders apart.
					n := counter.Load()
					time.Sleep(time.Millisecond)
					counter.Store(n + 1)
					holders.Add(-1)
					if err := unlock(context.Background()); err != nil {
						t.Errorf("unlock: %v", err)
					}
				}
			}()
		}
		wg.Wait()
		if got := counter.Load(); got != workers*rounds {
			t.Fatalf("counter = %d after %d increments under the lock", got, workers*rounds)
		}
	})
}

func TestLockTimeout(t *testing.T) {
	forEachDialect(t, func(t *testing.T, db *gorm.DB) {
		st, _, id := lockedStore(t, db)
		unlock, err := st.Lock(context.Background(), id, time.Minute)
		if err != nil {
			t.Fatalf("Lock: %v", err)
		}
		defer unlock(context.Background())
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		defer cancel()
		start := time.Now()
		_, err = st.Lock(ctx, id, time.Minute)
		if !errors.Is(err, store.ErrLockTimeout) || !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("second Lock = %v, want ErrLockTimeout and DeadlineExceeded", err)
		}
		if waited := time.Since(start); waited < 40*time.Millisecond {
			t.Errorf("gave up after %v, want about 50ms", waited)
		}
		done, cancelDone := context.WithCancel(context.Background())
		cancelDone()
		if _, err := st.Lock(done, id, time.Minute); !errors.Is(err, store.ErrBackend) || !errors.Is(err, context.Canceled) {
			t.Fatalf("Lock with a cancelled context = %v, want ErrBackend and Canceled", err)
		}
	})
}

func TestLockLeaseFreesAbandonedLock(t *testing.T) {
	forEachDialect(t, func(t *testing.T, db *gorm.DB) {
		st, _, id := lockedStore(t, db)
		const lease = 100 * time.Millisecond
		start := time.Now()
		if _, err := st.Lock(context.Background(), id, lease); err != nil {
			t.Fatalf("Lock: %v", err)
		} // and never unlocked: a crashed holder
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		unlock, err := st.Lock(ctx, id, time.Minute)
		if err != nil {
			t.Fatalf("Lock after the lease: %v", err)
		}
		defer unlock(context.Background())
		if waited := time.Since(start); waited < lease-time.Millisecond {
			t.Errorf("took an unexpired lock after %v (lease %v)", waited, lease)
		}
	})
}

func TestUnlockTwiceAndStaleUnlock(t *testing.T) {
	forEachDialect(t, func(t *testing.T, db *gorm.DB) {
		st, table, id := lockedStore(t, db)
		ctx := context.Background()
		unlock, err := st.Lock(ctx, id, time.Minute)
		if err != nil {
			t.Fatalf("Lock: %v", err)
		}
		for i := 0; i < 2; i++ {
			if err := unlock(ctx); err != nil {
				t.Fatalf("unlock #%d: %v", i+1, err)
			}
		}
		var token *string
		var until *time.Time
		if err := db.Table(table).Select("lock_token", "locked_until").Where("id = ?", store.HashID(id)).Row().Scan(&token, &until); err != nil {
			t.Fatal(err)
		}
		if token != nil || until != nil {
			t.Fatalf("after unlock: lock_token %v, locked_until %v; want NULL", token, until)
		}

		// A holder whose lease ran out while another took the lock must
		// not release the other's lock.
		stale, err := st.Lock(ctx, id, 50*time.Millisecond)
		if err != nil {
			t.Fatalf("Lock: %v", err)
		}
		wait, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		current, err := st.Lock(wait, id, time.Minute)
		if err != nil {
			t.Fatalf("Lock after the lease: %v", err)
		}
		if err := stale(ctx); err != nil {
			t.Fatalf("stale unlock: %v", err)
		}
		short, cancelShort := context.WithTimeout(ctx, 50*time.Millisecond)
		defer cancelShort()
		if _, err := st.Lock(short, id, time.Minute); !errors.Is(err, store.ErrLockTimeout) {
			t.Fatalf("Lock after a stale unlock = %v, want ErrLockTimeout: the stale holder released the lock", err)
		}
		if err := current(ctx); err != nil {
			t.Fatalf("unlock: %v", err)
		}
		again, err := st.Lock(wait, id, time.Minute)
		if err != nil {
			t.Fatalf("Lock after unlock: %v", err)
		}
		if err := again(ctx); err != nil {
			t.Fatalf("unlock: %v", err)
		}
	})
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
