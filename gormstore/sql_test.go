package gormstore_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
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

// recorder is a GORM logger that keeps the statements it sees and every
// error or warning it is asked to log.
type recorder struct {
	mu    sync.Mutex
	stmts []string
	noise []string
}

func (r *recorder) LogMode(logger.LogLevel) logger.Interface { return r }
func (r *recorder) Info(context.Context, string, ...any)     {}
func (r *recorder) Warn(_ context.Context, msg string, args ...any) {
	r.add(&r.noise, fmt.Sprintf(msg, args...))
}
func (r *recorder) Error(_ context.Context, msg string, args ...any) {
	r.add(&r.noise, fmt.Sprintf(msg, args...))
}
func (r *recorder) Trace(_ context.Context, _ time.Time, fc func() (string, int64), err error) {
	sql, _ := fc()
	r.add(&r.stmts, sql)
	if err != nil {
		r.add(&r.noise, fmt.Sprintf("%v: %s", err, sql))
	}
}

func (r *recorder) add(to *[]string, s string) {
	r.mu.Lock()
	*to = append(*to, s)
	r.mu.Unlock()
}

// take returns and forgets what was recorded.
func (r *recorder) take() (stmts, noise []string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	stmts, noise = r.stmts, r.noise
	r.stmts, r.noise = nil, nil
	return stmts, noise
}

// TestUpsertSQL checks the statement Save generates on each dialect:
// one upsert that updates exactly data, expires_at, last_activity, user_id
// and version, so created_at (and ip_address, user_agent and the lock)
// survive. PostgreSQL and MySQL run dry, without a
// server.
func TestUpsertSQL(t *testing.T) {
	const table = "sessions_sql"
	for _, tc := range []struct {
		name   string
		open   func(t *testing.T, cfg *gorm.Config) *gorm.DB
		upsert string
	}{
		{"SQLite", openSQLite,
			"ON CONFLICT (`id`) DO UPDATE SET `data`=`excluded`.`data`,`expires_at`=`excluded`.`expires_at`," +
				"`last_activity`=`excluded`.`last_activity`,`user_id`=`excluded`.`user_id`,`ip_address`=`excluded`.`ip_address`," +
				"`user_agent`=`excluded`.`user_agent`,`version`=`sessions_sql`.`version` + 1"},
		{"PostgreSQL", func(t *testing.T, cfg *gorm.Config) *gorm.DB {
			cfg.DryRun, cfg.DisableAutomaticPing = true, true
			db, err := gorm.Open(postgres.Open("host=127.0.0.1 port=1 user=x dbname=x sslmode=disable"), cfg)
			if err != nil {
				t.Fatal(err)
			}
			return db
		}, `ON CONFLICT ("id") DO UPDATE SET "data"="excluded"."data","expires_at"="excluded"."expires_at",` +
			`"last_activity"="excluded"."last_activity","user_id"="excluded"."user_id","ip_address"="excluded"."ip_address",` +
			`"user_agent"="excluded"."user_agent","version"="sessions_sql"."version" + 1`},
		{"MySQL", func(t *testing.T, cfg *gorm.Config) *gorm.DB {
			cfg.DryRun, cfg.DisableAutomaticPing = true, true
			db, err := gorm.Open(mysql.New(mysql.Config{DSN: "x:x@tcp(127.0.0.1:1)/x?parseTime=True", SkipInitializeWithVersion: true}), cfg)
			if err != nil {
				t.Fatal(err)
			}
			return db
		}, "ON DUPLICATE KEY UPDATE `data`=VALUES(`data`),`expires_at`=VALUES(`expires_at`)," +
			"`last_activity`=VALUES(`last_activity`),`user_id`=VALUES(`user_id`),`ip_address`=VALUES(`ip_address`)," +
			"`user_agent`=VALUES(`user_agent`),`version`=`sessions_sql`.`version` + 1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := &recorder{}
			db := tc.open(t, &gorm.Config{Logger: rec})
			clock := storetest.NewClock(epoch)
			st, err := gormstore.New(db, gormstore.Options{Table: table, Now: clock.Now, CleanupInterval: -1})
			if err != nil {
				t.Fatal(err)
			}
			if !db.DryRun {
				if err := st.Migrate(context.Background()); err != nil {
					t.Fatal(err)
				}
			}
			rec.take()
			save(t, st, record(clock, "x"))
			stmts, _ := rec.take()
			if len(stmts) != 1 {
				t.Fatalf("Save ran %d statements, want 1: %q", len(stmts), stmts)
			}
			sql := stmts[0]
			if !strings.HasPrefix(sql, "INSERT INTO ") {
				t.Errorf("Save: %s\nwant an INSERT", sql)
			}
			i := strings.Index(sql, tc.upsert)
			if i < 0 {
				t.Fatalf("Save: %s\nwant it to contain %s", sql, tc.upsert)
			}
			for _, col := range []string{"created_at", "lock_token", "locked_until"} {
				if tail := sql[i:]; strings.Contains(tail, col) {
					t.Errorf("the upsert updates %s: %s", col, tail)
				}
			}
		})
	}
}

// TestStatements runs each method against the real databases with a
// recording logger: one statement each, the store's clock bound as a
// parameter (never the database's NOW()), and no "record not found" or
// other error logged for a session that does not exist.
func TestStatements(t *testing.T) {
	for _, d := range dialects {
		t.Run(d.name, func(t *testing.T) {
			rec := &recorder{}
			db := d.open(t, &gorm.Config{Logger: rec})
			clock := storetest.NewClock(epoch)
			st, _ := newStore(t, db, gormstore.Options{Now: clock.Now, CleanupInterval: -1})
			ctx := context.Background()
			r := record(clock, "x")
			save(t, st, r)
			u := record(clock, "y")
			u.UserID = "alice"
			rec.take()
			clock.Advance(time.Second) // now is 2030-01-02 03:04:06
			const bound = "2030-01-02 03:04:06"
			for _, op := range []struct {
				name    string
				run     func() error
				clocked bool
			}{
				{"Load", func() error { _, err := st.Load(ctx, r.ID); return err }, true},
				{"Load missing", func() error {
					if _, err := st.Load(ctx, store.NewID()); !errors.Is(err, store.ErrNotFound) {
						return fmt.Errorf("err = %v, want ErrNotFound", err)
					}
					return nil
				}, true},
				{"Touch", func() error { return st.Touch(ctx, r.ID, clock.Now().Add(2*time.Hour)) }, true},
				{"Save", func() error { _, err := st.Save(ctx, r); return err }, false},
				{"Save with a user", func() error { _, err := st.Save(ctx, u); return err }, false},
				{"UserSessions", func() error {
					list, err := st.UserSessions(ctx, "alice")
					if err == nil && (len(list) != 1 || list[0].Record.UserID != "alice") {
						err = fmt.Errorf("listed %+v", list)
					}
					return err
				}, true},
				{"DeleteUserSession", func() error { return st.DeleteUserSession(ctx, "alice", store.HashID(u.ID)) }, false},
				{"Delete", func() error { return st.Delete(ctx, r.ID) }, false},
				{"Delete missing", func() error { return st.Delete(ctx, r.ID) }, false},
			} {
				if err := op.run(); err != nil {
					t.Fatalf("%s: %v", op.name, err)
				}
				stmts, noise := rec.take()
				if len(noise) > 0 {
					t.Errorf("%s logged %q", op.name, noise)
				}
				if len(stmts) != 1 {
					t.Errorf("%s ran %d statements, want 1: %q", op.name, len(stmts), stmts)
				}
				if strings.Contains(op.name, "User") && (len(stmts) != 1 || !strings.Contains(stmts[0], "user_id") || !strings.Contains(stmts[0], "alice")) {
					t.Errorf("%s does not bind user_id: %q", op.name, stmts)
				}
				for _, s := range stmts {
					if strings.Contains(strings.ToLower(s), "now()") || strings.Contains(strings.ToUpper(s), "CURRENT_TIMESTAMP") {
						t.Errorf("%s reads the database's clock: %s", op.name, s)
					}
					if op.clocked && !strings.Contains(s, bound) {
						t.Errorf("%s does not bind the store's time %s: %s", op.name, bound, s)
					}
				}
			}
			// Nothing to ask the database: no statement.
			for _, h := range []string{"", "not-a-handle", strings.ToUpper(store.HashID(u.ID)), store.HashID(u.ID) + "'"} {
				if err := st.DeleteUserSession(ctx, "alice", h); err != nil {
					t.Errorf("DeleteUserSession(%q): %v", h, err)
				}
			}
			if err := st.DeleteUserSession(ctx, "", store.HashID(u.ID)); err != nil {
				t.Error(err)
			}
			if list, err := st.UserSessions(ctx, ""); err != nil || len(list) != 0 {
				t.Errorf("UserSessions(\"\") = %v, %v", list, err)
			}
			if stmts, noise := rec.take(); len(stmts) != 0 || len(noise) != 0 {
				t.Errorf("malformed handles and the empty user ran %q, logged %q", stmts, noise)
			}
		})
	}
}
