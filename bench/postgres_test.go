package bench

import (
	"context"
	"database/sql"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/alexedwards/scs/postgresstore"
	"github.com/alexedwards/scs/v2"
	"github.com/jackc/pgx/v5/pgxpool"
	_ "github.com/jackc/pgx/v5/stdlib" // database/sql driver "pgx" for scs
	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"github.com/seed-699a33a2/session"
	"github.com/seed-699a33a2/session/gormstore"
	"github.com/seed-699a33a2/session/internal/codec"
	"github.com/seed-699a33a2/session/store"
)

const postgresEnv = "SESSION_TEST_POSTGRES_DSN"

// openGorm opens PostgreSQL through GORM with prepared statements, as an
// application tuned for speed would.
func openGorm(b *testing.B) *gorm.DB {
	db, err := gorm.Open(postgres.Open(env(b, postgresEnv)), &gorm.Config{PrepareStmt: true, Logger: logger.Discard})
	if err != nil {
		b.Fatal(err)
	}
	sqlDB, err := db.DB()
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = sqlDB.Close() })
	return db
}

// gormTable builds a fresh gormstore table named table (its own schema,
// through Migrate) and returns the store.
func gormTable(b *testing.B, db *gorm.DB, table string) *gormstore.Store {
	if err := db.Exec("DROP TABLE IF EXISTS " + table).Error; err != nil {
		b.Fatal(err)
	}
	st, err := gormstore.New(db, gormstore.Options{Table: table})
	if err != nil {
		b.Fatal(err)
	}
	if err := st.Migrate(context.Background()); err != nil {
		b.Fatal(err)
	}
	return st
}

// The statements the gormstore issues (PostgreSQL dialect), for the raw
// baselines: a primary-key SELECT of the live row and one upsert.
const (
	rawSelect = `SELECT "data","created_at","expires_at" FROM "bench_raw" WHERE "id" = $1 AND "expires_at" > $2 LIMIT 1`
	rawUpsert = `INSERT INTO "bench_raw" ("id","data","expires_at","created_at","version","user_id","ip_address","user_agent","last_activity") ` +
		`VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9) ON CONFLICT ("id") DO UPDATE SET "data"="excluded"."data","expires_at"="excluded"."expires_at",` +
		`"last_activity"="excluded"."last_activity","version"="bench_raw"."version" + 1`
)

// BenchmarkPostgres: the gormstore on GORM (PrepareStmt) ↔ scs
// postgresstore on database/sql with pgx's stdlib driver, plus two floors
// doing the same SELECT and upsert as the gormstore inside the bare
// handler: "raw-gorm" (the statements through the same kind of *gorm.DB,
// PrepareStmt) and "raw-pgx" (pgxpool, statement cache).
func BenchmarkPostgres(b *testing.B) {
	benchDriver(b, []lib{
		ours(func(b *testing.B) session.Store {
			st := gormTable(b, openGorm(b), "bench_ours")
			return st
		}),
		scsLib(func(b *testing.B) scs.Store {
			db, err := sql.Open("pgx", env(b, postgresEnv))
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() { _ = db.Close() })
			for _, q := range []string{
				`DROP TABLE IF EXISTS scs_sessions`,
				`CREATE TABLE scs_sessions (token TEXT PRIMARY KEY, data BYTEA NOT NULL, expiry TIMESTAMPTZ NOT NULL)`,
				`CREATE INDEX scs_sessions_expiry_idx ON scs_sessions (expiry)`,
			} {
				if _, err := db.Exec(q); err != nil {
					b.Fatal(err)
				}
			}
			return postgresstore.NewWithConfig(db, postgresstore.Config{TableName: "scs_sessions"})
		}),
		oursEncrypted(func(b *testing.B) session.Store {
			return gormTable(b, openGorm(b), "bench_encrypted")
		}),
	}, func(b *testing.B, ds dataset, work string) {
		b.Run("raw-gorm", func(b *testing.B) {
			db := openGorm(b)
			gormTable(b, db, "bench_raw")
			q := rawQueries{
				sel: func(ctx context.Context, id string, now time.Time) error {
					var r rawRow
					return db.WithContext(ctx).Raw(rawSelect, id, now).Row().Scan(&r.data, &r.created, &r.expires)
				},
				upsert: func(ctx context.Context, id string, data []byte, now time.Time) error {
					return db.WithContext(ctx).Exec(rawUpsert, id, data, now.Add(lifetime), now, 1, nil, nil, nil, now).Error
				},
			}
			runRaw(b, ds, work, q)
		})
		b.Run("raw-pgx", func(b *testing.B) {
			gormTable(b, openGorm(b), "bench_raw")
			pool, err := pgxpool.New(context.Background(), env(b, postgresEnv))
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(pool.Close)
			q := rawQueries{
				sel: func(ctx context.Context, id string, now time.Time) error {
					var r rawRow
					return pool.QueryRow(ctx, rawSelect, id, now).Scan(&r.data, &r.created, &r.expires)
				},
				upsert: func(ctx context.Context, id string, data []byte, now time.Time) error {
					_, err := pool.Exec(ctx, rawUpsert, id, data, now.Add(lifetime), now, 1, nil, nil, nil, now)
					return err
				},
			}
			runRaw(b, ds, work, q)
		})
	})
}

type rawRow struct {
	data             []byte
	created, expires time.Time
}

type rawQueries struct {
	sel    func(ctx context.Context, id string, now time.Time) error
	upsert func(ctx context.Context, id string, data []byte, now time.Time) error
}

// runRaw measures the statements of the work in the bare handler: read is
// the SELECT, change the SELECT and the upsert, create the upsert of a new
// row. Times are UTC microseconds, as the store binds them.
func runRaw(b *testing.B, ds dataset, work string, q rawQueries) {
	val, err := codec.Encode(ds.vals)
	if err != nil {
		b.Fatal(err)
	}
	now := func() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }
	id := store.HashID(store.NewID())
	if err := q.upsert(context.Background(), id, val, now()); err != nil {
		b.Fatal(err)
	}
	var h http.HandlerFunc
	switch work {
	case "read":
		h = func(w http.ResponseWriter, r *http.Request) {
			if err := q.sel(r.Context(), id, now()); err != nil {
				http.Error(w, err.Error(), 500)
				return
			}
			_, _ = w.Write([]byte(benchName))
		}
	case "change":
		h = func(w http.ResponseWriter, r *http.Request) {
			err := q.sel(r.Context(), id, now())
			if err == nil {
				err = q.upsert(r.Context(), id, val, now())
			}
			if err != nil {
				http.Error(w, err.Error(), 500)
				return
			}
			_, _ = w.Write(okBody)
		}
	case "create":
		h = func(w http.ResponseWriter, r *http.Request) {
			if err := q.upsert(r.Context(), store.HashID(store.NewID()), val, now()); err != nil {
				http.Error(w, err.Error(), 500)
				return
			}
			_, _ = w.Write(okBody)
		}
	}
	var check func(*httptest.ResponseRecorder) error
	if work == "read" {
		check = wantBody(benchName)
	}
	runWork(b, h, "", check)
}
