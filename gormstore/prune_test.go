package gormstore_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/seed-699a33a2/session/gormstore"
	"github.com/seed-699a33a2/session/store"
	"github.com/seed-699a33a2/session/store/storetest"
)

func countRows(t *testing.T, db *gorm.DB, table string) int64 {
	t.Helper()
	var n int64
	if err := db.Table(table).Count(&n).Error; err != nil {
		t.Fatalf("count: %v", err)
	}
	return n
}

func TestDeleteExpiredInBatches(t *testing.T) {
	for _, tc := range []struct {
		name           string
		batch, expired int
	}{
		{"more than a batch", 3, 10},
		{"exact batches", 3, 9},
		{"one short batch", 3, 2},
		{"none", 3, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			forEachDialect(t, func(t *testing.T, db *gorm.DB) {
				clock := storetest.NewClock(epoch)
				st, table := newStore(t, db, gormstore.Options{Now: clock.Now, PruneBatch: tc.batch, CleanupInterval: -1})
				for i := 0; i < tc.expired; i++ {
					r := record(clock, "expired")
					r.Expires = clock.Now().Add(time.Duration(i+1) * time.Second)
					save(t, st, r)
				}
				var live []string
				for i := 0; i < 2; i++ {
					r := record(clock, "live")
					save(t, st, r)
					live = append(live, r.ID)
				}
				clock.Advance(time.Minute)
				n, err := st.DeleteExpired(context.Background())
				if err != nil || n != tc.expired {
					t.Fatalf("DeleteExpired = %d, %v; want %d, nil", n, err, tc.expired)
				}
				if got := countRows(t, db, table); got != 2 {
					t.Errorf("%d rows left, want 2", got)
				}
				for _, id := range live {
					if _, err := st.Load(context.Background(), id); err != nil {
						t.Errorf("live session: Load: %v", err)
					}
				}
			})
		})
	}
}

// waitFor polls cond for up to five seconds: the cleanup loop runs on a
// real ticker, while what it deletes is decided by the test's clock.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestCleanupLoop(t *testing.T) {
	db := openSQLite(t, config())
	clock := storetest.NewClock(epoch)
	st, table := newStore(t, db, gormstore.Options{Now: clock.Now, CleanupInterval: 5 * time.Millisecond})
	r := record(clock, "x")
	r.Expires = clock.Now().Add(time.Minute)
	save(t, st, r)
	if got := countRows(t, db, table); got != 1 {
		t.Fatalf("%d rows, want 1", got)
	}
	clock.Advance(2 * time.Minute)
	waitFor(t, "the cleanup loop to delete the expired row", func() bool { return countRows(t, db, table) == 0 })
	for i := 0; i < 2; i++ {
		if err := st.Close(); err != nil {
			t.Fatalf("Close #%d: %v", i+1, err)
		}
	}
	// The store stays usable after Close, without the loop.
	r = record(clock, "after close")
	save(t, st, r)
	if _, err := st.Load(context.Background(), r.ID); err != nil {
		t.Fatalf("Load after Close: %v", err)
	}
}

func TestCleanupErrorsReported(t *testing.T) {
	clock := storetest.NewClock(epoch)
	shared := openSQLite(t, config())
	_, table := newStore(t, shared, gormstore.Options{})
	// A handle of the store's own to break: the shared one stays open for
	// the cleanup that drops the table.
	db := ownHandle(t, shared)
	errs := make(chan error, 1)
	st, err := gormstore.New(db, gormstore.Options{
		Table:           table,
		Now:             clock.Now,
		CleanupInterval: 5 * time.Millisecond,
		OnCleanupError: func(err error) {
			select {
			case errs <- err:
			default:
			}
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	save(t, st, record(clock, "x"))
	sqlDB, err := db.DB()
	if err != nil {
		t.Fatal(err)
	}
	sqlDB.Close()
	select {
	case err := <-errs:
		if !errors.Is(err, store.ErrBackend) {
			t.Errorf("cleanup error %v does not wrap ErrBackend", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no cleanup error reported")
	}
}
