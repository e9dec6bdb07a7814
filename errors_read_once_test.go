package session_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/glebarez/sqlite"
	"github.com/redis/go-redis/v9"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"github.com/seed-699a33a2/session"
	"github.com/seed-699a33a2/session/cookiestore"
	"github.com/seed-699a33a2/session/filestore"
	"github.com/seed-699a33a2/session/gormstore"
	"github.com/seed-699a33a2/session/memstore"
	"github.com/seed-699a33a2/session/redisstore"
	"github.com/seed-699a33a2/session/store"
)

// TestErrorsReadOnce walks the error paths of every driver and of the
// configuration: each message has one "session:" at its front, then the
// operation and the cause, and errors.Is still finds the sentinel.
func TestErrorsReadOnce(t *testing.T) {
	ctx := context.Background()
	check := func(t *testing.T, what string, err error, sentinel error) {
		t.Helper()
		if err == nil {
			t.Fatalf("%s: no error", what)
		}
		msg := err.Error()
		t.Logf("%s: %s", what, msg)
		if n := strings.Count(msg, "session:"); n != 1 || !strings.HasPrefix(msg, "session: ") {
			t.Errorf("%s: %q holds \"session:\" %d times, want once at the front", what, msg, n)
		}
		if sentinel != nil && !errors.Is(err, sentinel) {
			t.Errorf("%s: errors.Is(%q, %v) is false", what, msg, sentinel)
		}
	}
	// load and save through the manager, with a cookie naming a session.
	loadAndSave := func(t *testing.T, st store.Store, sentinel error) {
		t.Helper()
		m := newManager(t, st, session.Config{})
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		r.AddCookie(&http.Cookie{Name: session.DefaultCookieName, Value: store.NewID()})
		_, _, err := m.Start(r)
		check(t, "Start", err, sentinel)
		_, data, _ := m.Start(httptest.NewRequest(http.MethodGet, "/", nil))
		data["k"] = "v"
		check(t, "Save", m.Save(httptest.NewRecorder(), store.NewID(), data), sentinel)
	}

	t.Run("redis", func(t *testing.T) {
		c := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", DialTimeout: 200 * time.Millisecond, MaxRetries: -1})
		t.Cleanup(func() { c.Close() })
		loadAndSave(t, redisstore.New(c, redisstore.Options{}), session.ErrBackend)
		t.Setenv("SESSION_REDIS_URL", "redis://:hunter2@127.0.0.1:1/x")
		_, err := session.NewStoreFromConfig(session.Config{Driver: "redis"}, nil)
		check(t, "NewStoreFromConfig with a bad URL", err, nil)
	})
	t.Run("file", func(t *testing.T) {
		dir := filepath.Join(t.TempDir(), "sessions")
		st, err := filestore.New(dir, filestore.Options{})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		if err := os.RemoveAll(dir); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(dir, nil, 0o600); err != nil {
			t.Fatal(err)
		}
		loadAndSave(t, st, session.ErrBackend)
		_, err = session.NewStoreFromConfig(session.Config{Driver: "file", FilePath: "/proc/nope"}, nil)
		check(t, "NewStoreFromConfig SESSION_FILE_PATH=/proc/nope", err, session.ErrBackend)
	})
	t.Run("db", func(t *testing.T) {
		db, err := gorm.Open(sqlite.Open(filepath.Join(t.TempDir(), "s.db")), &gorm.Config{Logger: logger.Discard})
		if err != nil {
			t.Fatal(err)
		}
		st, err := gormstore.New(db, gormstore.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if err := st.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		sqlDB, _ := db.DB()
		sqlDB.Close()
		loadAndSave(t, st, session.ErrBackend)
		_, err = session.NewStoreFromConfig(session.Config{Driver: "db", Table: "bad name"}, db)
		check(t, "NewStoreFromConfig SESSION_TABLE", err, session.ErrConfig)
		_, err = session.NewStoreFromConfig(session.Config{Driver: "db"}, nil)
		check(t, "NewStoreFromConfig without a database", err, session.ErrConfig)
	})
	t.Run("memory", func(t *testing.T) {
		st := memstore.New(memstore.Options{MaxSessions: 1})
		t.Cleanup(func() { st.Close() })
		if _, err := st.Save(ctx, store.Record{ID: store.NewID(), UserID: "ada", Data: []byte{1, 0}, Created: time.Now(), Expires: time.Now().Add(time.Hour)}); err != nil {
			t.Fatal(err)
		}
		m := newManager(t, st, session.Config{})
		_, data, _ := m.Start(httptest.NewRequest(http.MethodGet, "/", nil))
		data["k"] = "v"
		check(t, "Save into a store full of signed-in sessions", m.Save(httptest.NewRecorder(), store.NewID(), data), session.ErrBackend)
	})
	t.Run("cookie", func(t *testing.T) {
		st, err := cookiestore.New(cookiestore.Options{Secret: []byte(testSecret), CookieName: session.DefaultCookieName})
		if err != nil {
			t.Fatal(err)
		}
		m := newManager(t, st, session.Config{})
		_, data, _ := m.Start(httptest.NewRequest(http.MethodGet, "/", nil))
		data["big"] = strings.Repeat("x", 8000)
		check(t, "Save of a session too large for a cookie", m.Save(httptest.NewRecorder(), store.NewID(), data), session.ErrCookieTooLarge)
		m2 := newManager(t, memStore(t), session.Config{MaxDataSize: 100})
		_, data, _ = m2.Start(httptest.NewRequest(http.MethodGet, "/", nil))
		data["big"] = strings.Repeat("x", 200)
		check(t, "Save over MaxDataSize", m2.Save(httptest.NewRecorder(), store.NewID(), data), session.ErrTooLarge)
		_, err = session.NewStoreFromConfig(session.Config{Driver: "cookie", Secret: []byte("changeme-changeme-changeme-changeme")}, nil)
		check(t, "NewStoreFromConfig with a weak secret", err, session.ErrConfig)
		_, err = session.NewStoreFromConfig(session.Config{Driver: "cookie"}, nil)
		check(t, "NewStoreFromConfig without a secret", err, session.ErrConfig)
	})
	t.Run("configuration", func(t *testing.T) {
		for name, value := range map[string]string{
			"SESSION_LIFETIME": "soon", "SESSION_DRIVER": "floppy", "SESSION_SAMESITE": "sideways",
			"SESSION_MEMORY_LIMIT": "lots", "SESSION_ENCRYPT": "maybe", "SESSION_SECURE": "perhaps",
		} {
			t.Run(name, func(t *testing.T) {
				t.Setenv(name, value)
				_, err := session.ConfigFromEnv()
				check(t, name+"="+value, err, session.ErrConfig)
			})
		}
		_, err := session.New(memStore(t), session.Config{Encrypt: session.EncryptOn})
		check(t, "SESSION_ENCRYPT with the memory driver", err, session.ErrConfig)
	})
}
