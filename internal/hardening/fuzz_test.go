package hardening_test

import (
	"context"
	"crypto/sha256"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/seed-699a33a2/session"
	"github.com/seed-699a33a2/session/cookiestore"
	"github.com/seed-699a33a2/session/filestore"
	"github.com/seed-699a33a2/session/memstore"
	"github.com/seed-699a33a2/session/store"
	"github.com/seed-699a33a2/session/store/storetest"
)

// fuzzApp is one driver's manager with one live session.
type fuzzApp struct {
	name   string
	m      *session.Manager
	token  string // a cookie of the live session
	sealed bool   // the cookie driver: other genuine tokens of it exist
}

// fuzzSecret and fuzzLiveID are fixed, so that the live session is the
// same in the fuzzing coordinator and its workers (separate processes):
// a seed holding the coordinator's live cookie is a live cookie in every
// worker too.
var (
	fuzzSecret = []byte("hK3vQ9xL0pZ7mN2bR5tW8yC1dF4gJ6sA-FuzzIDCheck")
	fuzzLiveID = func() string {
		sum := sha256.Sum256([]byte("FuzzTokenCheck live session"))
		return store.Encoding.EncodeToString(sum[:])
	}()
)

// FuzzTokenCheck feeds any string to the ID check (store.ValidID and
// store.ValidToken) and, as the session cookie, to the manager's Start on
// the memory, file and cookie drivers. Nothing panics; the checks agree
// with each other and with the encoding; Start never fails, and gives a
// fresh, valid ID and an empty map for anything but a cookie of the live
// session.
func FuzzTokenCheck(f *testing.F) {
	now := time.Now()
	clock := func() time.Time { return now }
	mem := memstore.New(memstore.Options{Now: clock})
	f.Cleanup(func() { mem.Close() })
	files, err := filestore.New(filepath.Join(f.TempDir(), "sessions"), filestore.Options{Now: clock})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { files.Close() })
	cookies, err := cookiestore.New(cookiestore.Options{Secret: fuzzSecret, CookieName: cookieName, Now: clock})
	if err != nil {
		f.Fatal(err)
	}
	ctx := context.Background()
	var apps []*fuzzApp
	for _, st := range []struct {
		name string
		store.Store
	}{{"memory", mem}, {"file", files}, {"cookie", cookies}} {
		m, err := session.New(st.Store, session.Config{Now: clock})
		if err != nil {
			f.Fatal(err)
		}
		// A session made by the manager, copied under the fixed ID.
		id, data, err := m.Start(httptest.NewRequest(http.MethodGet, "/", nil))
		if err != nil {
			f.Fatal(err)
		}
		data["user"] = "live"
		w := httptest.NewRecorder()
		if err := m.Save(w, id, data); err != nil {
			f.Fatal(err)
		}
		cs := sessionCookies(w.Header())
		if len(cs) != 1 {
			f.Fatalf("%s: no cookie", st.name)
		}
		rec, err := st.Load(ctx, cs[0].Value)
		if err != nil {
			f.Fatal(err)
		}
		rec.ID, rec.Expires = fuzzLiveID, now.Add(time.Hour) // within the idle timeout
		tok, err := st.Save(ctx, rec)
		if err != nil {
			f.Fatal(err)
		}
		if err := st.Delete(ctx, id); err != nil {
			f.Fatal(err)
		}
		apps = append(apps, &fuzzApp{name: st.name, m: m, token: tok, sealed: st.name == "cookie"})
		f.Add(tok)
		f.Add(tok[:len(tok)-1])
	}
	// Large seeds slow every mutation down; the boundary is seeded with
	// one byte over MaxTokenLen instead.
	for _, tok := range storetest.GarbageTokens() {
		if len(tok) <= session.MaxTokenLen+1 {
			f.Add(tok)
		}
	}
	f.Add(strings.Repeat("A", session.MaxTokenLen+1))

	f.Fuzz(func(t *testing.T, s string) {
		validID := store.ValidID(s)
		validToken := store.ValidToken(s, session.MaxTokenLen)
		if validID {
			raw, err := store.Encoding.DecodeString(s)
			if err != nil || len(raw) != 32 || store.Encoding.EncodeToString(raw) != s {
				t.Fatalf("ValidID(%q) but it is not the canonical encoding of 32 bytes (%v)", s, err)
			}
			if !validToken {
				t.Fatalf("ValidID(%q) but not ValidToken", s)
			}
		}
		if validToken && (len(s) == 0 || len(s) > session.MaxTokenLen) {
			t.Fatalf("ValidToken accepted %d bytes", len(s))
		}
		// Go's base64 decoder skips '\r' and '\n', so decoding alone does
		// not make s canonical: re-encoding must give s back.
		if raw, err := store.Encoding.DecodeString(s); err == nil && len(raw) == 32 && store.Encoding.EncodeToString(raw) == s && !validID {
			t.Fatalf("%q is the canonical encoding of 32 bytes, but ValidID refuses it", s)
		}
		for _, a := range apps {
			// A bare request: httptest.NewRequest would cost more than the
			// code under test.
			r := &http.Request{Method: http.MethodGet, Header: http.Header{"Cookie": {cookieName + "=" + s}}}
			id, data, err := a.m.Start(r)
			if err != nil {
				t.Fatalf("%s: Start(%q) = %v", a.name, s, err)
			}
			if !store.ValidID(id) {
				t.Fatalf("%s: Start(%q) gave invalid ID %q", a.name, s, id)
			}
			if id == fuzzLiveID {
				sent, cerr := r.Cookie(cookieName)
				switch {
				case data["user"] != "live":
					t.Fatalf("%s: Start(%q) opened the live ID with data %v", a.name, s, data)
				case cerr != nil:
					t.Fatalf("%s: Start(%q) opened the live session without a cookie", a.name, s)
				case !a.sealed && sent.Value != a.token:
					t.Fatalf("%s: Start(%q) opened the live session with cookie %q, not its ID", a.name, s, sent.Value)
				case a.sealed && len(sent.Value) != len(a.token):
					t.Fatalf("%s: Start(%q) opened the live session with a %d-byte cookie; genuine ones have %d", a.name, s, len(sent.Value), len(a.token))
				}
				continue
			}
			if len(data) != 0 || id == s {
				t.Fatalf("%s: Start(%q) opened %q %v, want a fresh session", a.name, s, id, data)
			}
		}
	})
}
