// Package backends builds one store per driver for the tests that run the
// same scenario against every driver: memory, file, cookie, Redis (single,
// Cluster, Sentinel) and the database driver on SQLite, PostgreSQL and
// MariaDB, each through the driver registry of package session, as
// NewStore builds them. Real servers come from the variables of package
// testenv (set by scripts/test.sh); with CI=true a missing one fails the
// test.
package backends

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"io"
	"path/filepath"
	"testing"
	"time"

	"github.com/glebarez/sqlite"
	"github.com/redis/go-redis/v9"
	"gorm.io/driver/mysql"
	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"github.com/seed-699a33a2/session"
	"github.com/seed-699a33a2/session/gormstore"
	"github.com/seed-699a33a2/session/internal/testenv"
	"github.com/seed-699a33a2/session/redisstore"
	"github.com/seed-699a33a2/session/store"
)

// Driver builds fresh stores of one kind.
type Driver struct {
	Name string
	// Registered is the driver's value of SESSION_DRIVER: every variant is
	// built through the registry of package session (session.OpenStore).
	Registered string
	// New returns an empty store reading the time from now (where the
	// driver takes a clock); it skips or fails t when the backend is
	// missing, and cleans up after t.
	New func(t *testing.T, now func() time.Time) store.Store
	// ClientSide is true for the cookie driver.
	ClientSide bool
	// RealClock is true where a server enforces expiry with its own clock.
	RealClock bool
	// ServerSide is true where the session lives on a server the test can
	// inspect (everything but memory and cookie).
	ServerSide bool
}

// All returns every driver, one variant per backend the tests run: each
// registered driver, Redis as a single node, a Cluster and Sentinel, and
// the database driver on SQLite, PostgreSQL and MariaDB. secret and
// cookieName configure the cookie driver.
func All(secret, cookieName string) []Driver {
	return []Driver{
		{Name: "memory", Registered: "memory", New: func(t *testing.T, now func() time.Time) store.Store {
			return open(t, "memory", session.StoreSettings{Now: now})
		}},
		{Name: "file", Registered: "file", ServerSide: true, New: func(t *testing.T, now func() time.Time) store.Store {
			return open(t, "file", session.StoreSettings{Now: now, FilePath: filepath.Join(t.TempDir(), "sessions")})
		}},
		{Name: "cookie", Registered: "cookie", ClientSide: true, New: func(t *testing.T, now func() time.Time) store.Store {
			return open(t, "cookie", session.StoreSettings{Now: now, Secret: []byte(secret), CookieName: cookieName})
		}},
		{Name: "redis", Registered: "redis", RealClock: true, ServerSide: true, New: func(t *testing.T, _ func() time.Time) store.Store {
			return redisStore(t, map[string]string{redisstore.EnvURL: "redis://" + testenv.Require(t, testenv.RedisAddr)})
		}},
		{Name: "redis-cluster", Registered: "redis", RealClock: true, ServerSide: true, New: func(t *testing.T, _ func() time.Time) store.Store {
			return redisStore(t, map[string]string{redisstore.EnvClusterAddrs: testenv.Require(t, testenv.RedisClusterAddrs)})
		}},
		{Name: "redis-sentinel", Registered: "redis", RealClock: true, ServerSide: true, New: func(t *testing.T, _ func() time.Time) store.Store {
			return redisStore(t, map[string]string{
				redisstore.EnvSentinelAddrs: testenv.Require(t, testenv.RedisSentinelAddrs),
				redisstore.EnvMasterName:    testenv.Require(t, testenv.RedisSentinelMaster),
			})
		}},
		{Name: "sqlite", Registered: "db", ServerSide: true, New: func(t *testing.T, now func() time.Time) store.Store {
			dsn := filepath.Join(t.TempDir(), "sessions.db") + "?_pragma=busy_timeout(5000)&_pragma=journal_mode(WAL)"
			return gormStore(t, sqlite.Open(dsn), now)
		}},
		{Name: "postgres", Registered: "db", ServerSide: true, New: func(t *testing.T, now func() time.Time) store.Store {
			return gormStore(t, postgres.Open(testenv.Require(t, testenv.PostgresDSN)), now)
		}},
		{Name: "mariadb", Registered: "db", ServerSide: true, New: func(t *testing.T, now func() time.Time) store.Store {
			return gormStore(t, mysql.Open(testenv.Require(t, testenv.MySQLDSN)), now)
		}},
	}
}

// open builds a store of the registered driver and closes it after t.
func open(t *testing.T, driver string, s session.StoreSettings) store.Store {
	t.Helper()
	st, err := session.OpenStore(driver, s)
	if err != nil {
		t.Fatalf("session.OpenStore(%q): %v", driver, err)
	}
	if c, ok := st.(io.Closer); ok {
		t.Cleanup(func() { c.Close() })
	}
	return st
}

// RandomName returns a short random identifier for tables and key prefixes,
// so that tests sharing a server do not collide.
func RandomName(prefix string) string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return prefix + hex.EncodeToString(b)
}

// Redis keeps the client of the last redis store built by a test, so that
// tests can read the raw keys.
type Redis interface {
	store.Store
	Client() redis.UniversalClient
	Prefix() string
}

type redisWrapped struct {
	*redisstore.Store
	client redis.UniversalClient
	prefix string
}

func (r redisWrapped) Client() redis.UniversalClient { return r.client }
func (r redisWrapped) Prefix() string                { return r.prefix }

// redisStore builds a redis store through the registry, with env as its
// environment and a prefix of its own, and deletes its keys after t.
func redisStore(t *testing.T, env map[string]string) store.Store {
	t.Helper()
	prefix := RandomName("test:") + ":"
	st := open(t, "redis", session.StoreSettings{Prefix: prefix, Getenv: func(k string) string { return env[k] }})
	rs := st.(*redisstore.Store)
	c := rs.Client()
	ctx := context.Background()
	if err := c.Ping(ctx).Err(); err != nil {
		t.Fatalf("redis: %v", err)
	}
	t.Cleanup(func() { // before the client closes: cleanups run last first
		del := func(ctx context.Context, n *redis.Client) error {
			iter := n.Scan(ctx, 0, prefix+"*", 100).Iterator()
			for iter.Next(ctx) {
				n.Del(ctx, iter.Val())
			}
			return iter.Err()
		}
		if cc, ok := c.(*redis.ClusterClient); ok {
			_ = cc.ForEachMaster(ctx, del)
		} else if n, ok := c.(*redis.Client); ok {
			_ = del(ctx, n)
		}
	})
	return redisWrapped{Store: rs, client: c, prefix: prefix}
}

// SQL is implemented by the database stores the tests build, so that tests
// can read the raw rows.
type SQL interface {
	store.Store
	DB() *gorm.DB
	Table() string
}

type gormWrapped struct {
	*gormstore.Store
	db    *gorm.DB
	table string
}

func (g gormWrapped) DB() *gorm.DB  { return g.db }
func (g gormWrapped) Table() string { return g.table }

// gormStore builds a db store through the registry (which migrates its
// table) on a table of its own, dropped after t.
func gormStore(t *testing.T, dial gorm.Dialector, now func() time.Time) store.Store {
	t.Helper()
	db, err := gorm.Open(dial, &gorm.Config{Logger: logger.Discard})
	if err != nil {
		t.Fatalf("gorm.Open: %v", err)
	}
	table := RandomName("sessions_")
	t.Cleanup(func() { // after the store closes: cleanups run last first
		_ = db.Migrator().DropTable(table)
		if sqlDB, err := db.DB(); err == nil {
			sqlDB.Close()
		}
	})
	st := open(t, "db", session.StoreSettings{DB: db, Table: table, Now: now})
	return gormWrapped{Store: st.(*gormstore.Store), db: db, table: table}
}
