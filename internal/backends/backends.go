// Package backends builds one store per driver for the tests that run the
// same scenario against every driver: memory, file, cookie, Redis (single,
// Cluster, Sentinel) and the database driver on SQLite, PostgreSQL and
// MariaDB. Real servers come from the variables of package testenv (set by
// scripts/test.sh); with CI=true a missing one fails the test.
package backends

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/glebarez/sqlite"
	"github.com/redis/go-redis/v9"
	"gorm.io/driver/mysql"
	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"github.com/seed-699a33a2/session/cookiestore"
	"github.com/seed-699a33a2/session/filestore"
	"github.com/seed-699a33a2/session/gormstore"
	"github.com/seed-699a33a2/session/internal/testenv"
	"github.com/seed-699a33a2/session/memstore"
	"github.com/seed-699a33a2/session/redisstore"
	"github.com/seed-699a33a2/session/store"
)

// Driver builds fresh stores of one kind.
type Driver struct {
	Name string
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

// All returns every driver. secret and cookieName configure the cookie
// driver.
func All(secret, cookieName string) []Driver {
	return []Driver{
		{Name: "memory", New: func(t *testing.T, now func() time.Time) store.Store {
			s := memstore.New(memstore.Options{Now: now})
			t.Cleanup(func() { s.Close() })
			return s
		}},
		{Name: "file", ServerSide: true, New: func(t *testing.T, now func() time.Time) store.Store {
			s, err := filestore.New(filepath.Join(t.TempDir(), "sessions"), filestore.Options{Now: now})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { s.Close() })
			return s
		}},
		{Name: "cookie", ClientSide: true, New: func(t *testing.T, now func() time.Time) store.Store {
			s, err := cookiestore.New(cookiestore.Options{Secret: []byte(secret), CookieName: cookieName, Now: now})
			if err != nil {
				t.Fatal(err)
			}
			return s
		}},
		{Name: "redis", RealClock: true, ServerSide: true, New: func(t *testing.T, _ func() time.Time) store.Store {
			c := redis.NewClient(&redis.Options{Addr: testenv.Require(t, testenv.RedisAddr)})
			return redisStore(t, c)
		}},
		{Name: "redis-cluster", RealClock: true, ServerSide: true, New: func(t *testing.T, _ func() time.Time) store.Store {
			addrs := strings.Split(testenv.Require(t, testenv.RedisClusterAddrs), ",")
			return redisStore(t, redis.NewClusterClient(&redis.ClusterOptions{Addrs: addrs}))
		}},
		{Name: "redis-sentinel", RealClock: true, ServerSide: true, New: func(t *testing.T, _ func() time.Time) store.Store {
			addrs := strings.Split(testenv.Require(t, testenv.RedisSentinelAddrs), ",")
			master := testenv.Require(t, testenv.RedisSentinelMaster)
			return redisStore(t, redis.NewFailoverClient(&redis.FailoverOptions{MasterName: master, SentinelAddrs: addrs}))
		}},
		{Name: "sqlite", ServerSide: true, New: func(t *testing.T, now func() time.Time) store.Store {
			dsn := filepath.Join(t.TempDir(), "sessions.db") + "?_pragma=busy_timeout(5000)&_pragma=journal_mode(WAL)"
			return gormStore(t, sqlite.Open(dsn), now)
		}},
		{Name: "postgres", ServerSide: true, New: func(t *testing.T, now func() time.Time) store.Store {
			return gormStore(t, postgres.Open(testenv.Require(t, testenv.PostgresDSN)), now)
		}},
		{Name: "mariadb", ServerSide: true, New: func(t *testing.T, now func() time.Time) store.Store {
			return gormStore(t, mysql.Open(testenv.Require(t, testenv.MySQLDSN)), now)
		}},
	}
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

func redisStore(t *testing.T, c redis.UniversalClient) store.Store {
	t.Helper()
	prefix := RandomName("test:") + ":"
	ctx := context.Background()
	if err := c.Ping(ctx).Err(); err != nil {
		t.Fatalf("redis: %v", err)
	}
	t.Cleanup(func() {
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
		c.Close()
	})
	return redisWrapped{Store: redisstore.New(c, redisstore.Options{Prefix: prefix}), client: c, prefix: prefix}
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

func gormStore(t *testing.T, dial gorm.Dialector, now func() time.Time) store.Store {
	t.Helper()
	db, err := gorm.Open(dial, &gorm.Config{Logger: logger.Discard})
	if err != nil {
		t.Fatalf("gorm.Open: %v", err)
	}
	table := RandomName("sessions_")
	s, err := gormstore.New(db, gormstore.Options{Table: table, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		s.Close()
		_ = db.Migrator().DropTable(table)
		if sqlDB, err := db.DB(); err == nil {
			sqlDB.Close()
		}
	})
	return gormWrapped{Store: s, db: db, table: table}
}
