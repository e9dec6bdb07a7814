package gormstore_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"gorm.io/driver/mysql"
	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"github.com/seed-699a33a2/session/gormstore"
	"github.com/seed-699a33a2/session/store"
	"github.com/seed-699a33a2/session/store/storetest"
)

func TestNewRejects(t *testing.T) {
	db := openSQLite(t, config())
	failed := db.Session(&gorm.Session{})
	failed.AddError(errors.New("boom"))
	tests := []struct {
		name string
		db   *gorm.DB
		opts gormstore.Options
	}{
		{"nil db", nil, gormstore.Options{}},
		{"zero db", &gorm.DB{}, gormstore.Options{}},
		{"db with error", failed, gormstore.Options{}},
		{"negative batch", db, gormstore.Options{PruneBatch: -1}},
	}
	for _, table := range []string{
		"1sessions", "a-b", "a b", "sessions;drop table x", "a\"b", "a`b", "schema.table",
		"séssions", "a\x00b", strings.Repeat("a", 49),
	} {
		tests = append(tests, struct {
			name string
			db   *gorm.DB
			opts gormstore.Options
		}{fmt.Sprintf("table %q", table), db, gormstore.Options{Table: table}})
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			st, err := gormstore.New(tc.db, tc.opts)
			if err == nil || st != nil {
				t.Fatalf("New = %v, %v; want an error", st, err)
			}
			if !strings.HasPrefix(err.Error(), "db: ") {
				t.Errorf("error %q lacks the package prefix", err)
			}
		})
	}
	for _, table := range []string{"sessions", "_s", "S2", strings.Repeat("a", 48)} {
		if _, err := gormstore.New(db, gormstore.Options{Table: table}); err != nil {
			t.Errorf("New with table %q: %v", table, err)
		}
	}
}

// wantBackend checks that err reports a failed backend, not a missing
// session.
func wantBackend(t *testing.T, op string, err error) {
	t.Helper()
	if !errors.Is(err, store.ErrBackend) {
		t.Errorf("%s: err = %v, want it to wrap ErrBackend", op, err)
	}
	if errors.Is(err, store.ErrNotFound) {
		t.Errorf("%s: err = %v wraps ErrNotFound; an outage is not \"no session\"", op, err)
	}
	if err != nil && !strings.HasPrefix(err.Error(), "db: ") {
		t.Errorf("%s: error %q lacks the package prefix", op, err)
	}
}

// checkAllFail runs every method of st and expects backend errors.
func checkAllFail(t *testing.T, st *gormstore.Store, clock *storetest.Clock, ctx context.Context) {
	t.Helper()
	r := record(clock, "x")
	_, err := st.Load(ctx, r.ID)
	wantBackend(t, "Load", err)
	_, err = st.Save(ctx, r)
	wantBackend(t, "Save", err)
	for _, v := range []uint64{0, 1} {
		r.Version = v
		_, _, err = st.SaveIf(ctx, r)
		wantBackend(t, fmt.Sprintf("SaveIf version %d", v), err)
		if errors.Is(err, store.ErrConflict) {
			t.Errorf("SaveIf version %d: err = %v wraps ErrConflict; an outage is not a conflict", v, err)
		}
	}
	wantBackend(t, "Touch", st.Touch(ctx, r.ID, r.Expires))
	wantBackend(t, "Delete", st.Delete(ctx, r.ID))
	_, err = st.DeleteExpired(ctx)
	wantBackend(t, "DeleteExpired", err)
	wantBackend(t, "Migrate", st.Migrate(ctx))
}

// TestClosedDatabase closes the *sql.DB under a working store.
func TestClosedDatabase(t *testing.T) {
	forEachDialect(t, func(t *testing.T, db *gorm.DB) {
		clock := storetest.NewClock(epoch)
		_, table := newStore(t, db, gormstore.Options{Now: clock.Now})
		// The shared handle stays open for the cleanup that drops the
		// table; the store gets a handle of its own to break.
		own := ownHandle(t, db)
		st, err := gormstore.New(own, gormstore.Options{Table: table, Now: clock.Now})
		if err != nil {
			t.Fatal(err)
		}
		save(t, st, record(clock, "x"))
		sqlDB, err := own.DB()
		if err != nil {
			t.Fatal(err)
		}
		sqlDB.Close()
		checkAllFail(t, st, clock, context.Background())
		st.Close()
	})
}

// TestUnreachableServer points PostgreSQL and MySQL stores at a port where
// nothing listens; it needs no server.
func TestUnreachableServer(t *testing.T) {
	port := freePort(t)
	cfg := func() *gorm.Config {
		return &gorm.Config{Logger: logger.Discard, DisableAutomaticPing: true}
	}
	dialectors := map[string]gorm.Dialector{
		"PostgreSQL": postgres.Open(fmt.Sprintf("host=127.0.0.1 port=%d user=postgres dbname=app sslmode=disable connect_timeout=5", port)),
		"MySQL": mysql.New(mysql.Config{
			DSN:                       fmt.Sprintf("app:app@tcp(127.0.0.1:%d)/app?parseTime=True&loc=UTC&timeout=5s", port),
			SkipInitializeWithVersion: true,
		}),
	}
	for name, d := range dialectors {
		t.Run(name, func(t *testing.T) {
			db, err := gorm.Open(d, cfg())
			if err != nil {
				t.Fatalf("open: %v", err)
			}
			closeOnCleanup(t, db)
			clock := storetest.NewClock(epoch)
			st, err := gormstore.New(db, gormstore.Options{Now: clock.Now})
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			checkAllFail(t, st, clock, context.Background())
		})
	}
}

// ownHandle opens a second handle on the database of db.
func ownHandle(t *testing.T, db *gorm.DB) *gorm.DB {
	t.Helper()
	own, err := gorm.Open(db.Dialector, config())
	if err != nil {
		t.Fatalf("second handle: %v", err)
	}
	closeOnCleanup(t, own)
	return own
}

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// TestCancelledContext covers the methods the conformance suite does not.
func TestCancelledContext(t *testing.T) {
	clock := storetest.NewClock(epoch)
	st, _ := newStore(t, openSQLite(t, config()), gormstore.Options{Now: clock.Now})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	check := func(op string, err error) {
		t.Helper()
		wantBackend(t, op, err)
		if !errors.Is(err, context.Canceled) {
			t.Errorf("%s: err = %v, want it to wrap context.Canceled", op, err)
		}
	}
	r := record(clock, "x")
	check("Touch", st.Touch(ctx, r.ID, r.Expires))
	_, _, err := st.SaveIf(ctx, r)
	check("SaveIf", err)
	_, err = st.DeleteExpired(ctx)
	check("DeleteExpired", err)
	check("Migrate", st.Migrate(ctx))

	dctx, dcancel := context.WithDeadline(context.Background(), time.Unix(0, 0))
	defer dcancel()
	_, err = st.Load(dctx, r.ID)
	if !errors.Is(err, context.DeadlineExceeded) || !errors.Is(err, store.ErrBackend) {
		t.Errorf("Load with an expired deadline: err = %v", err)
	}
}
