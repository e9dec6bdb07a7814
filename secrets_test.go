package session_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/seed-699a33a2/session"
	"github.com/seed-699a33a2/session/cookiestore"
	"github.com/seed-699a33a2/session/memstore"
	"github.com/seed-699a33a2/session/store"
	"github.com/seed-699a33a2/session/store/storetest"
)

const otherSecret = "Zr4Kp9Wq2Lm7Xv3Nt8Bc5Hd1Jf6Gs0Ya4Qe9Tu2Io7Pl3Mk"

// sealed returns a cookie value the cookie store with secret seals for r.
func sealed(t *testing.T, secret string, now func() time.Time, r store.Record) string {
	t.Helper()
	cs, err := cookiestore.New(cookiestore.Options{Secret: []byte(secret), CookieName: session.DefaultCookieName, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	tok, err := cs.Save(context.Background(), r)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// startWith runs Start on a request carrying the session cookie value.
func startWith(t *testing.T, m *session.Manager, value string) (string, map[string]any) {
	t.Helper()
	r := httptest.NewRequest("GET", "/", nil)
	r.AddCookie(&http.Cookie{Name: session.DefaultCookieName, Value: value})
	id, data, err := m.Start(r)
	if err != nil {
		t.Fatal(err)
	}
	return id, data
}

// record returns a stored session with one key, created at created.
func userRecord(t *testing.T, created, expires time.Time) store.Record {
	t.Helper()
	m := newManager(t, memstore.New(memstore.Options{}), session.Config{})
	id, data, _ := m.Start(httptest.NewRequest("GET", "/", nil))
	data["user"] = "ada"
	w := httptest.NewRecorder()
	if err := m.Save(w, id, data); err != nil {
		t.Fatal(err)
	}
	rec, err := m.Store().Load(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	rec.Created, rec.Expires = created, expires
	return rec
}

// TestSecretsAreTrimmedAndTheUntrimmedOneStillOpens: SESSION_SECRET is
// trimmed like every previous secret; when trimming changed it, the value as
// set still opens the cookies it sealed (so the change signs nobody out),
// with a warning.
func TestSecretsAreTrimmedAndTheUntrimmedOneStillOpens(t *testing.T) {
	now := time.Now()
	clock := func() time.Time { return now }
	old := sealed(t, testSecret+"\n", clock, userRecord(t, now, now.Add(time.Hour)))
	var logs bytes.Buffer
	t.Setenv("SESSION_DRIVER", "cookie")
	t.Setenv("SESSION_SECRET", testSecret+"\n")
	t.Setenv("SESSION_PREVIOUS_SECRETS", " "+otherSecret+" ,\t")
	cfg, err := session.ConfigFromEnv()
	if err != nil {
		t.Fatal(err)
	}
	if string(cfg.Secret) != testSecret || len(cfg.PreviousSecrets) != 1 || string(cfg.PreviousSecrets[0]) != otherSecret {
		t.Fatalf("secrets not trimmed: %q, %q", cfg.Secret, cfg.PreviousSecrets)
	}
	cfg.Logger = slog.New(slog.NewTextHandler(&logs, nil))
	st, err := session.NewStoreFromConfig(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(logs.String(), "level=WARN") || strings.Contains(logs.String(), testSecret) {
		t.Errorf("no warning about the untrimmed secret, or one that shows it:\n%s", logs.String())
	}
	m := newManager(t, st, session.Config{Now: clock})
	if _, data := startWith(t, m, old); data["user"] != "ada" {
		t.Fatal("a cookie sealed with the untrimmed secret no longer opens: the trim signed its user out")
	}
	fresh := sealed(t, testSecret, clock, userRecord(t, now, now.Add(time.Hour)))
	if _, data := startWith(t, m, fresh); data["user"] != "ada" {
		t.Fatal("a cookie sealed with the trimmed secret does not open")
	}
}

// TestWeakSecretIsRefusedWhereItIsUsed: a weak SESSION_SECRET with the
// cookie driver is a configuration error that says how to make a good one.
func TestWeakSecretIsRefusedWhereItIsUsed(t *testing.T) {
	for _, weak := range []string{"MySuperSecretPasswordForSessions", "0123456789abcdef0123456789abcdef", "aaaaaaaaaaaaaaaaaaaaabcdefghijkl", "this is my session secret phrase"} {
		_, err := session.NewStoreFromConfig(session.Config{Driver: "cookie", Secret: []byte(weak)}, nil)
		if !errors.Is(err, session.ErrConfig) || !errors.Is(err, cookiestore.ErrWeakSecret) ||
			!strings.Contains(err.Error(), "SESSION_SECRET") || !strings.Contains(err.Error(), "openssl rand") ||
			strings.Contains(err.Error(), weak) || strings.Count(err.Error(), "session:") != 1 {
			t.Errorf("weak secret %q: %v", weak, err)
		}
	}
	_, err := session.NewStoreFromConfig(session.Config{Driver: "cookie", Secret: []byte(testSecret),
		PreviousSecrets: [][]byte{[]byte("MySuperSecretPasswordForSessions")}}, nil)
	if !errors.Is(err, cookiestore.ErrWeakSecret) || !strings.Contains(err.Error(), "SESSION_PREVIOUS_SECRETS[0]") {
		t.Errorf("weak previous secret: %v", err)
	}
}

// TestImplausibleRecordsAreFreshSessions: a record whose creation lies in
// the future, or whose expiry lies beyond its idle timeout (plus the clock
// skew), is no session: here a cookie sealed under a previous secret with
// an expiry in 2126. Under an absolute lifetime a record's expiry is
// clamped to its creation plus that lifetime.
func TestImplausibleRecordsAreFreshSessions(t *testing.T) {
	clock := storetest.NewClock(time.Date(2031, 5, 6, 7, 8, 9, 0, time.UTC))
	now := clock.Now()
	var logs bytes.Buffer
	st, err := cookiestore.New(cookiestore.Options{Secret: []byte(testSecret), PreviousSecrets: [][]byte{[]byte(otherSecret)},
		CookieName: session.DefaultCookieName, Now: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	m := newManager(t, st, session.Config{Now: clock.Now, Lifetime: time.Hour, AbsoluteLifetime: 3 * time.Hour,
		Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	for name, rec := range map[string]store.Record{
		"expiry in 2126":            userRecord(t, now, time.Date(2126, 1, 1, 0, 0, 0, 0, time.UTC)),
		"expiry past idle and skew": userRecord(t, now, now.Add(time.Hour+session.MaxClockSkew+time.Second)),
		"created in the future":     userRecord(t, now.Add(session.MaxClockSkew+time.Second), now.Add(time.Hour)),
	} {
		logs.Reset()
		if _, data := startWith(t, m, sealed(t, otherSecret, clock.Now, rec)); data["user"] != nil {
			t.Errorf("%s: the record opened as a session", name)
		}
		if !strings.Contains(logs.String(), "level=WARN") {
			t.Errorf("%s: not logged", name)
		}
	}
	within := userRecord(t, now.Add(session.MaxClockSkew-time.Second), now.Add(time.Hour+session.MaxClockSkew-time.Second))
	if _, data := startWith(t, m, sealed(t, otherSecret, clock.Now, within)); data["user"] != "ada" {
		t.Error("a record within the clock skew did not open")
	}
	// Created 2h50m ago, expiring in 50m: within its idle timeout, but
	// its absolute lifetime ends in 10 minutes.
	old := sealed(t, testSecret, clock.Now, userRecord(t, now.Add(-170*time.Minute), now.Add(50*time.Minute)))
	if _, data := startWith(t, m, old); data["user"] != "ada" {
		t.Fatal("a record within its lifetimes did not open")
	}
	clock.Advance(11 * time.Minute)
	if _, data := startWith(t, m, old); data["user"] != nil {
		t.Fatal("a record past its absolute lifetime opened: its expiry was not clamped")
	}
}

// TestSeveralSessionCookiesTheFirstThatLoadsWins: a request may carry
// several cookies of the session's name (a sibling subdomain can plant
// one): they are tried in order, at most four, and the first that loads
// is the session; with one cookie there is exactly one store read.
func TestSeveralSessionCookiesTheFirstThatLoadsWins(t *testing.T) {
	st, calls := count(memStore(t))
	m := newManager(t, st, session.Config{})
	b := newBrowser(t, m)
	b.request(func(_ string, data map[string]any, _ http.ResponseWriter) { data["user"] = "ada" })
	real := b.cookie
	start := func(values ...string) map[string]any {
		t.Helper()
		r := httptest.NewRequest("GET", "/", nil)
		for _, v := range values {
			r.AddCookie(&http.Cookie{Name: session.DefaultCookieName, Value: v})
		}
		_, data, err := m.Start(r)
		if err != nil {
			t.Fatal(err)
		}
		return data
	}
	calls.loads.Store(0)
	if data := start(real); data["user"] != "ada" || calls.loads.Load() != 1 {
		t.Fatalf("one cookie: %v after %d loads, want one load", data, calls.loads.Load())
	}
	planted := store.NewID() // the shape of an ID, naming no session
	if data := start("garbage!", planted, real); data["user"] != "ada" {
		t.Fatalf("the real cookie after two bad ones did not load: %v", data)
	}
	if data := start(planted, planted, planted, planted, real); data["user"] != nil {
		t.Fatal("a fifth cookie was tried")
	}
}
