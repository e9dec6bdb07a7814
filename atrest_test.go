package session_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/seed-699a33a2/session"
	"github.com/seed-699a33a2/session/cookiestore"
	"github.com/seed-699a33a2/session/filestore"
	"github.com/seed-699a33a2/session/memstore"
	"github.com/seed-699a33a2/session/store"
)

func fileStore(t *testing.T) *filestore.Store {
	t.Helper()
	st, err := filestore.New(filepath.Join(t.TempDir(), "sessions"), filestore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

func encrypting(t *testing.T, st session.Store, mode session.Encryption, secret string, previous ...string) (*session.Manager, *bytes.Buffer) {
	t.Helper()
	var logs bytes.Buffer
	var prev [][]byte
	for _, p := range previous {
		prev = append(prev, []byte(p))
	}
	m := newManager(t, st, session.Config{Encrypt: mode, Secret: []byte(secret), PreviousSecrets: prev,
		Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	return m, &logs
}

// TestEncryptionConfiguration: SESSION_ENCRYPT is true, false or migrate;
// with the memory or cookie driver, without a secret or with a weak one, it
// is a configuration error naming the variables.
func TestEncryptionConfiguration(t *testing.T) {
	for v, want := range map[string]session.Encryption{"true": session.EncryptOn, "1": session.EncryptOn, "false": session.EncryptOff, "Migrate": session.EncryptMigrate} {
		t.Setenv("SESSION_ENCRYPT", v)
		if cfg, err := session.ConfigFromEnv(); err != nil || cfg.Encrypt != want {
			t.Errorf("SESSION_ENCRYPT=%s: %v, %v", v, cfg.Encrypt, err)
		}
	}
	t.Setenv("SESSION_ENCRYPT", "sometimes")
	if _, err := session.ConfigFromEnv(); !errors.Is(err, session.ErrConfig) || !strings.Contains(err.Error(), `SESSION_ENCRYPT="sometimes"`) {
		t.Errorf("SESSION_ENCRYPT=sometimes: %v", err)
	}
	cookies, err := cookiestore.New(cookiestore.Options{Secret: []byte(testSecret), CookieName: "s"})
	if err != nil {
		t.Fatal(err)
	}
	for name, tc := range map[string]struct {
		st     session.Store
		secret string
		want   []string
	}{
		"memory":    {memstore.New(memstore.Options{}), testSecret, []string{"SESSION_ENCRYPT=true", "memory"}},
		"cookie":    {cookies, testSecret, []string{"SESSION_ENCRYPT=true", "cookie"}},
		"no secret": {fileStore(t), "", []string{"SESSION_ENCRYPT=true", "SESSION_SECRET", "openssl rand"}},
		"weak":      {fileStore(t), "MySuperSecretPasswordForSessions", []string{"SESSION_ENCRYPT=true", "SESSION_SECRET", "openssl rand"}},
	} {
		_, err := session.New(tc.st, session.Config{Encrypt: session.EncryptOn, Secret: []byte(tc.secret)})
		if !errors.Is(err, session.ErrConfig) {
			t.Errorf("%s: %v, want ErrConfig", name, err)
			continue
		}
		for _, w := range tc.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s: %q does not say %q", name, err, w)
			}
		}
	}
}

// TestPlainRecordsAreNoSessionsUnderEncryption: with SESSION_ENCRYPT=true
// a plain record (one written without encryption, or planted by whoever can
// write to the store) is a fresh session, logged; with migrate it loads
// once and is written back sealed, after which true reads it too.
func TestPlainRecordsAreNoSessionsUnderEncryption(t *testing.T) {
	st := fileStore(t)
	plain := newManager(t, st, session.Config{})
	b := newBrowser(t, plain)
	b.request(func(_ string, data map[string]any, _ http.ResponseWriter) { data["user"] = "ada" })
	on, logs := encrypting(t, st, session.EncryptOn, testSecret)
	b.m = on
	b.request(func(_ string, data map[string]any, _ http.ResponseWriter) {
		if data["user"] != nil {
			t.Error("a plain record opened under SESSION_ENCRYPT=true")
		}
	})
	if !strings.Contains(logs.String(), "level=WARN") {
		t.Errorf("the plain record was not logged:\n%s", logs)
	}
	b.m = plain
	b.request(func(_ string, data map[string]any, _ http.ResponseWriter) { data["user"] = "ada" })
	migrating, _ := encrypting(t, st, session.EncryptMigrate, testSecret)
	b.m = migrating
	b.request(func(_ string, data map[string]any, _ http.ResponseWriter) {
		if data["user"] != "ada" {
			t.Error("SESSION_ENCRYPT=migrate did not read a plain record")
		}
	})
	rec, err := st.Load(context.Background(), b.cookie)
	if err != nil || bytes.Contains(rec.Data, []byte("ada")) {
		t.Fatalf("after the migrating request the record is still plain: %q, %v", rec.Data, err)
	}
	b.m = on
	b.request(func(_ string, data map[string]any, _ http.ResponseWriter) {
		if data["user"] != "ada" {
			t.Error("SESSION_ENCRYPT=true does not read the record migrate sealed")
		}
	})
}

// TestSealedRecordDoesNotOpenUnderAnotherID: a sealed record copied under
// another session's ID does not open (the seal is bound to the hashed ID);
// a previous secret still opens what it sealed (rotation).
func TestSealedRecordDoesNotOpenUnderAnotherID(t *testing.T) {
	st := fileStore(t)
	m, logs := encrypting(t, st, session.EncryptOn, testSecret)
	b := newBrowser(t, m)
	b.request(func(_ string, data map[string]any, _ http.ResponseWriter) { data["user"] = "ada" })
	rec, err := st.Load(context.Background(), b.cookie)
	if err != nil {
		t.Fatal(err)
	}
	other := store.NewID()
	rec.ID = other
	if _, err := st.Save(context.Background(), rec); err != nil {
		t.Fatal(err)
	}
	thief := newBrowser(t, m)
	thief.cookie = other
	thief.request(func(_ string, data map[string]any, _ http.ResponseWriter) {
		if data["user"] != nil {
			t.Error("a sealed record copied under another ID opened")
		}
	})
	if !strings.Contains(logs.String(), "does not open") {
		t.Errorf("the copied record was not logged:\n%s", logs)
	}
	rotated, _ := encrypting(t, st, session.EncryptOn, otherSecret, testSecret)
	b.m = rotated
	b.request(func(_ string, data map[string]any, _ http.ResponseWriter) {
		if data["user"] != "ada" {
			t.Error("a record sealed under a previous secret does not open")
		}
	})
}

// TestEncryptedSessionsMergeAndTouch: under encryption the merge of
// concurrent requests (which reloads and reseals the current record) and
// the touch (a rewrite on the file driver) keep the session whole.
func TestEncryptedSessionsMergeAndTouch(t *testing.T) {
	st := fileStore(t)
	now := time.Now()
	clock := func() time.Time { return now }
	m := newManager(t, st, session.Config{Encrypt: session.EncryptOn, Secret: []byte(testSecret), Now: clock, Lifetime: time.Hour})
	b := newBrowser(t, m)
	b.request(func(_ string, data map[string]any, _ http.ResponseWriter) { data["x"] = "keep" })
	first, second := begin(t, m, b.cookie), begin(t, m, b.cookie)
	first.data["a"] = 1
	first.save(t, m)
	second.data["b"] = 2
	second.save(t, m) // conflicts, reloads the sealed record, merges, reseals
	now = now.Add(20 * time.Minute)
	b.request(nil) // a touch is due: the file driver rewrites the sealed record
	b.request(func(_ string, data map[string]any, _ http.ResponseWriter) {
		if data["x"] != "keep" || data["a"] != 1 || data["b"] != 2 {
			t.Errorf("after a merge and a touch: %v", data)
		}
	})
}
