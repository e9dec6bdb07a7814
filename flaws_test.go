package session_test

import (
	"context"
	"errors"
	"math"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/seed-699a33a2/session"
	"github.com/seed-699a33a2/session/internal/backends"
	"github.com/seed-699a33a2/session/store"
	"github.com/seed-699a33a2/session/store/storetest"
)

// allTypes holds one value of every type the codec keeps without
// registration.
func allTypes() map[string]interface{} {
	return map[string]interface{}{
		"string":    "héllo\x00\xff", // not valid UTF-8 on purpose
		"bool":      true,
		"int":       int(-42),
		"int8":      int8(-8),
		"int16":     int16(-16),
		"int32":     int32(-32),
		"int64":     int64(math.MinInt64),
		"uint":      uint(42),
		"uint8":     uint8(255),
		"uint16":    uint16(65535),
		"uint32":    uint32(1 << 31),
		"uint64":    uint64(math.MaxUint64),
		"float32":   float32(1.5),
		"float64":   3.141592653589793,
		"time":      time.Date(2030, 3, 4, 5, 6, 7, 890, time.UTC),
		"bytes":     []byte{0, 1, 2, 255},
		"strings":   []string{"admin", "editor"},
		"slice":     []interface{}{"a", uint(1), nil, []string{"x"}},
		"stringMap": map[string]string{"theme": "dark"},
		"errors":    map[string][]string{"email": {"required", "invalid"}},
		"map":       map[string]interface{}{"nested": map[string]interface{}{"deep": int64(1)}},
		"nil":       nil,
	}
}

// TestFlaw05_TypesSurviveEveryDriver: RapidGo's JSON turned a uint into
// a float64 and map[string][]string into map[string]interface{}, and its
// memory driver did not, so development and production differed.
func TestFlaw05_TypesSurviveEveryDriver(t *testing.T) {
	forEachDriver(t, func(t *testing.T, d backends.Driver) {
		clock := storetest.NewClock(timeNow(d))
		m := newManager(t, d.New(t, clock.Now), session.Config{Now: clock.Now})
		b := newBrowser(t, m)
		want := allTypes()
		b.request(func(_ string, data map[string]interface{}, _ http.ResponseWriter) {
			for k, v := range allTypes() {
				data[k] = v
			}
		})
		b.request(func(_ string, data map[string]interface{}, _ http.ResponseWriter) {
			for k, w := range want {
				got, ok := data[k]
				if !ok {
					t.Errorf("%s: missing", k)
					continue
				}
				if reflect.TypeOf(got) != reflect.TypeOf(w) || !reflect.DeepEqual(got, w) {
					if wt, ok := w.(time.Time); ok && wt.Equal(got.(time.Time)) {
						continue
					}
					t.Errorf("%s: got %T %#v, want %T %#v", k, got, got, w, w)
				}
			}
		})
	})
}

// TestFlaw01_CookieDriverKeepsDataInCookie: RapidGo's "cookie" driver
// kept the data in a process-local map. Ours puts it in the cookie: another
// process (a second store and manager with the same secret) reads it.
func TestFlaw01_CookieDriverKeepsDataInCookie(t *testing.T) {
	t.Setenv("SESSION_DRIVER", "cookie")
	t.Setenv("SESSION_SECRET", testSecret)
	newApp := func() *session.Manager {
		st, err := session.NewStore(nil)
		if err != nil {
			t.Fatal(err)
		}
		return session.NewManager(st)
	}
	one, two := newApp(), newApp()
	b := newBrowser(t, one)
	b.request(func(_ string, d map[string]interface{}, _ http.ResponseWriter) { d["user_id"] = uint(7) })
	b.m = two
	b.request(func(_ string, d map[string]interface{}, _ http.ResponseWriter) {
		if d["user_id"] != uint(7) {
			t.Fatalf("second instance sees %v", d)
		}
	})
}

// TestFlaw02_SecretIsTheCookieKey: RapidGo's session package never read SESSION_SECRET.
// Ours seals with it, refuses weak ones, and rotates with
// SESSION_PREVIOUS_SECRETS.
func TestFlaw02_SecretIsTheCookieKey(t *testing.T) {
	const second = "Zt5Kp0Qw8Lm3Nx7Rv2Bc9Hj4Gf6Ds1Ay0Ue5Io8Pl3Mk7Nj2W"
	build := func(secret, previous string) *session.Manager {
		t.Setenv("SESSION_DRIVER", "cookie")
		t.Setenv("SESSION_SECRET", secret)
		t.Setenv("SESSION_PREVIOUS_SECRETS", previous)
		st, err := session.NewStore(nil)
		if err != nil {
			t.Fatal(err)
		}
		return session.NewManager(st)
	}
	b := newBrowser(t, build(testSecret, ""))
	b.request(func(_ string, d map[string]interface{}, _ http.ResponseWriter) { d["user"] = "ada" })
	sealed := b.cookie
	read := func(m *session.Manager) interface{} {
		b.m, b.cookie = m, sealed
		var got interface{}
		b.request(func(_ string, d map[string]interface{}, _ http.ResponseWriter) { got = d["user"] })
		return got
	}
	if got := read(build(second, "")); got != nil {
		t.Fatalf("another secret opened the cookie: %v", got)
	}
	if got := read(build(second, testSecret)); got != "ada" {
		t.Fatalf("rotated-out secret no longer opens old cookies: %v", got)
	}
	for _, weak := range []string{"your-secret-key", strings.Repeat("a", 40)} {
		t.Setenv("SESSION_SECRET", weak)
		_, err := session.NewStore(nil)
		if err == nil || !strings.Contains(err.Error(), "SESSION_SECRET") || strings.Contains(err.Error(), weak) {
			t.Errorf("weak secret %q: err = %v", weak, err)
		}
	}
}

// TestFlaw03_FileDriverPathTraversal: RapidGo's session package joined the cookie value
// into a path. A hostile cookie is a fresh session and touches no file.
func TestFlaw03_FileDriverPathTraversal(t *testing.T) {
	parent := t.TempDir()
	dir := filepath.Join(parent, "sessions")
	victim := filepath.Join(parent, "victim.json")
	if err := os.WriteFile(victim, []byte(`{"user_id":1}`), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("SESSION_DRIVER", "file")
	t.Setenv("SESSION_FILE_PATH", dir)
	st, err := session.NewStore(nil)
	if err != nil {
		t.Fatal(err)
	}
	m := session.NewManager(st)
	for _, tok := range []string{"../victim", "..%2Fvictim", "../../" + filepath.Base(parent) + "/victim", "/etc/passwd", victim} {
		b := newBrowser(t, m)
		b.cookie = tok
		b.request(func(_ string, d map[string]interface{}, _ http.ResponseWriter) {
			if len(d) != 0 {
				t.Fatalf("cookie %q opened %v", tok, d)
			}
			d["x"] = 1 // written under a fresh ID, inside the folder
		})
	}
	if b, _ := os.ReadFile(victim); string(b) != `{"user_id":1}` {
		t.Fatalf("victim file changed: %q", b)
	}
	entries, _ := os.ReadDir(parent)
	if len(entries) != 2 {
		t.Fatalf("files outside the session folder: %v", entries)
	}
}

// TestFlaw06_ConcurrentRequestsOneSession: RapidGo's memory driver
// handed out its own map; concurrent requests crashed the process. Run with
// -race.
func TestFlaw06_ConcurrentRequestsOneSession(t *testing.T) {
	forEachDriver(t, func(t *testing.T, d backends.Driver) {
		clock := storetest.NewClock(timeNow(d))
		m := newManager(t, d.New(t, clock.Now), session.Config{Now: clock.Now})
		b := newBrowser(t, m)
		b.request(func(_ string, data map[string]interface{}, _ http.ResponseWriter) { data["n"] = 0 })
		cookie := b.cookie
		h := m.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			_, data, err := m.Start(r)
			if err != nil {
				t.Error(err)
				return
			}
			n, _ := data["n"].(int)
			data["n"] = n + 1
			data[r.URL.Query().Get("k")] = true
		}))
		var wg sync.WaitGroup
		for i := 0; i < 20; i++ {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				r := newRequest()
				r.URL.RawQuery = "k=key" + string(rune('a'+i))
				r.AddCookie(&http.Cookie{Name: session.DefaultCookieName, Value: cookie})
				w := newRecorder()
				h.ServeHTTP(w, r)
				if w.Code != 200 {
					t.Errorf("status %d", w.Code)
				}
			}(i)
		}
		wg.Wait()
	})
}

func TestHostileCookiesAreFreshSessions(t *testing.T) {
	forEachDriver(t, func(t *testing.T, d backends.Driver) {
		clock := storetest.NewClock(timeNow(d))
		st, calls := count(d.New(t, clock.Now))
		m := newManager(t, st, session.Config{Now: clock.Now})
		for name, tok := range storetest.GarbageTokens() {
			r := newRequest()
			r.Header.Set("Cookie", session.DefaultCookieName+"="+tok)
			id, data, err := m.Start(r)
			if err != nil || len(data) != 0 || !store.ValidID(id) || id == tok {
				t.Errorf("%s: Start = %q, %v, %v", name, id, data, err)
			}
		}
		before := calls.loads.Load()
		r := newRequest()
		r.Header.Set("Cookie", session.DefaultCookieName+"="+strings.Repeat("A", session.MaxTokenLen+1))
		m.Start(r)
		if calls.loads.Load() != before {
			t.Error("a cookie over 4096 bytes reached the store")
		}
	})
}

// TestUnknownIDIsNotAdopted: strict mode; an attacker who plants an ID of
// their choosing in a victim's browser gets a fresh ID issued instead.
func TestUnknownIDIsNotAdopted(t *testing.T) {
	m := newManager(t, memStore(t), session.Config{})
	planted := store.NewID()
	b := newBrowser(t, m)
	b.cookie = planted
	id := b.request(func(_ string, d map[string]interface{}, _ http.ResponseWriter) { d["user"] = "victim" })
	if id == planted || b.cookie == planted {
		t.Fatal("planted ID adopted")
	}
}

func TestSaveWithForeignIDIsAnError(t *testing.T) {
	m := newManager(t, memStore(t), session.Config{})
	b := newBrowser(t, m)
	b.request(func(_ string, d map[string]interface{}, _ http.ResponseWriter) { d["x"] = 1 })
	r := newRequest()
	r.AddCookie(&http.Cookie{Name: session.DefaultCookieName, Value: b.cookie})
	_, data, _ := m.Start(r)
	if err := m.Save(newRecorder(), store.NewID(), data); !errors.Is(err, session.ErrIDMismatch) {
		t.Fatalf("Save under another ID: %v", err)
	}
	if err := m.Save(newRecorder(), "not-an-id", map[string]interface{}{"x": 1}); !errors.Is(err, session.ErrIDMismatch) {
		t.Fatalf("Save of a fresh map under a made-up ID: %v", err)
	}
}

func TestRegenerateWithoutMiddleware(t *testing.T) {
	forEachDriver(t, func(t *testing.T, d backends.Driver) {
		clock := storetest.NewClock(timeNow(d))
		m := newManager(t, d.New(t, clock.Now), session.Config{Now: clock.Now})
		b := newBrowser(t, m)
		oldID := b.request(func(_ string, data map[string]interface{}, _ http.ResponseWriter) { data["cart"] = "1 book" })
		oldCookie := b.cookie
		var newID string
		b.request(func(id string, data map[string]interface{}, w http.ResponseWriter) {
			var err error
			if newID, err = m.Regenerate(w, id, data); err != nil {
				t.Fatal(err)
			}
			data["user"] = "ada"
		})
		if newID == oldID || !store.ValidID(newID) {
			t.Fatalf("new ID %q", newID)
		}
		got := b.request(func(id string, data map[string]interface{}, _ http.ResponseWriter) {
			if data["cart"] != "1 book" || data["user"] != "ada" {
				t.Errorf("after Regenerate: %v", data)
			}
		})
		if got != newID {
			t.Errorf("session ID after Regenerate = %q, want %q", got, newID)
		}
		if !d.ClientSide {
			b.cookie = oldCookie
			b.request(func(_ string, data map[string]interface{}, _ http.ResponseWriter) {
				if len(data) != 0 {
					t.Errorf("old ID still loads: %v", data)
				}
			})
		}
	})
}

func TestDestroyWithoutMiddleware(t *testing.T) {
	forEachDriver(t, func(t *testing.T, d backends.Driver) {
		if d.ClientSide {
			t.Skip("the cookie driver cannot revoke a session on the server (documented)")
		}
		clock := storetest.NewClock(timeNow(d))
		m := newManager(t, d.New(t, clock.Now), session.Config{Now: clock.Now})
		b := newBrowser(t, m)
		id := b.request(func(_ string, data map[string]interface{}, _ http.ResponseWriter) { data["user"] = "ada" })
		cookie := b.cookie
		w := newRecorder()
		if err := m.Destroy(w, id); err != nil {
			t.Fatal(err)
		}
		if _, err := m.Store().Load(context.Background(), cookie); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("destroyed session still in the store: %v", err)
		}
	})
}
