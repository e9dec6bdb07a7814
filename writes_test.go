package session_test

import (
	"errors"
	"math"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/seed-699a33a2/session"
	"github.com/seed-699a33a2/session/internal/backends"
	"github.com/seed-699a33a2/session/store/storetest"
)

// TestFlaw07_NoWriteWhenNothingChanged: RapidGo's session package wrote every session
// back on every request, and stored a new empty session for every request
// without a cookie.
func TestFlaw07_NoWriteWhenNothingChanged(t *testing.T) {
	forEachDriver(t, func(t *testing.T, d backends.Driver) {
		clock := storetest.NewClock(timeNow(d))
		st, calls := count(d.New(t, clock.Now))
		m := newManager(t, st, session.Config{Now: clock.Now, Lifetime: time.Hour})
		type data = map[string]interface{}

		b := newBrowser(t, m)
		for i := 0; i < 3; i++ {
			b.request(nil)
		}
		if n := calls.saves.Load(); n != 0 || b.cookie != "" {
			t.Fatalf("requests without a session stored %d sessions and set cookie %q", n, b.cookie)
		}
		b.request(func(_ string, d data, _ http.ResponseWriter) { d["user"] = "ada" })
		if n := calls.saves.Load(); n != 1 {
			t.Fatalf("first write: %d saves, want 1", n)
		}
		for i := 0; i < 5; i++ {
			b.request(func(_ string, d data, _ http.ResponseWriter) { _ = d["user"] })
			if b.setCookies() != 0 {
				t.Fatalf("read-only request %d set a cookie", i)
			}
		}
		if n := calls.saves.Load() + calls.touches.Load(); n != 1 {
			t.Fatalf("read-only requests wrote %d times, want 0", n-1)
		}
		b.request(func(_ string, d data, _ http.ResponseWriter) { d["user"] = "ada" }) // same value
		if n := calls.saves.Load(); n != 1 {
			t.Fatalf("writing an equal value saved again (%d saves)", n)
		}
		b.request(func(_ string, d data, _ http.ResponseWriter) { d["user"] = "grace" })
		if n := calls.saves.Load(); n != 2 {
			t.Fatalf("a change: %d saves, want 2", n)
		}
		b.request(func(_ string, d data, _ http.ResponseWriter) { delete(d, "user") })
		if n := calls.saves.Load(); n != 3 {
			t.Fatalf("a delete: %d saves, want 3", n)
		}
	})
}

// TestChangesThatLookAlikeAreSaved: a value replaced by an equal-looking
// one of another type or sign (1 by int64(1), 0.0 by -0.0, a string by its
// []byte) is a change, saved and read back as set; setting the very same
// string or number again is not.
func TestChangesThatLookAlikeAreSaved(t *testing.T) {
	m := newManager(t, memStore(t), session.Config{})
	type data = map[string]interface{}
	b := newBrowser(t, m)
	b.request(func(_ string, d data, _ http.ResponseWriter) { d["n"], d["f"], d["s"] = 1, 0.0, "x" })
	b.request(func(_ string, d data, _ http.ResponseWriter) { d["n"], d["f"], d["s"] = 1, 0.0, "x" })
	if b.setCookies() != 0 {
		t.Fatal("setting the same values again wrote the session")
	}
	b.request(func(_ string, d data, _ http.ResponseWriter) {
		d["n"], d["f"], d["s"] = int64(1), math.Copysign(0, -1), []byte("x")
	})
	b.request(func(_ string, d data, _ http.ResponseWriter) {
		if n, ok := d["n"].(int64); !ok || n != 1 {
			t.Errorf("n = %#v, want int64(1)", d["n"])
		}
		if f, ok := d["f"].(float64); !ok || !math.Signbit(f) {
			t.Errorf("f = %#v, want -0.0", d["f"])
		}
		if s, ok := d["s"].([]byte); !ok || string(s) != "x" {
			t.Errorf("s = %#v, want []byte(\"x\")", d["s"])
		}
	})
}

// TestTouchSlidesExpiry: an unchanged session is touched at most once per
// quarter of the lifetime, so a reader who only reads pages stays signed in.
func TestTouchSlidesExpiry(t *testing.T) {
	forEachDriver(t, func(t *testing.T, d backends.Driver) {
		if d.RealClock {
			t.Skip("expiry enforced by the server's clock; see the driver's own tests")
		}
		clock := storetest.NewClock(timeNow(d))
		st, calls := count(d.New(t, clock.Now))
		m := newManager(t, st, session.Config{Now: clock.Now, Lifetime: 40 * time.Minute})
		b := newBrowser(t, m)
		first := b.request(func(_ string, d map[string]interface{}, _ http.ResponseWriter) { d["user"] = "ada" })
		writes := func() int64 { return calls.saves.Load() + calls.touches.Load() }

		clock.Advance(9 * time.Minute) // under a quarter: nothing
		b.request(nil)
		if writes() != 1 || b.setCookies() != 0 {
			t.Fatalf("touch before a quarter of the lifetime: %d writes, %d cookies", writes(), b.setCookies())
		}
		clock.Advance(2 * time.Minute) // 11 min: touch due
		b.request(nil)
		if writes() != 2 || b.setCookies() != 1 {
			t.Fatalf("touch after a quarter: %d writes, %d cookies", writes(), b.setCookies())
		}
		ck := b.last.Result().Cookies()[0]
		if ck.MaxAge != 40*60 {
			t.Errorf("touched cookie Max-Age = %d, want %d", ck.MaxAge, 40*60)
		}
		// Reading every 30 minutes keeps a 40-minute session alive for hours.
		for i := 0; i < 6; i++ {
			clock.Advance(30 * time.Minute)
			if id := b.request(func(_ string, d map[string]interface{}, _ http.ResponseWriter) {
				if d["user"] != "ada" {
					t.Fatalf("after %d reads: session lost", i)
				}
			}); id != first {
				t.Fatalf("ID changed by a touch")
			}
		}
		// Idle past the lifetime: gone.
		clock.Advance(41 * time.Minute)
		b.request(func(_ string, d map[string]interface{}, _ http.ResponseWriter) {
			if len(d) != 0 {
				t.Fatalf("idle session outlived its lifetime: %v", d)
			}
		})
	})
}

// TestFlaw04_ServerSideExpiry: RapidGo's session package ignored the age of db, file
// and cookie sessions. Every driver refuses a session past its expiry,
// whatever the cookie says.
func TestFlaw04_ServerSideExpiry(t *testing.T) {
	forEachDriver(t, func(t *testing.T, d backends.Driver) {
		if d.RealClock {
			t.Skip("expiry enforced by the server's clock; see the driver's own tests")
		}
		clock := storetest.NewClock(timeNow(d))
		m := newManager(t, d.New(t, clock.Now), session.Config{Now: clock.Now, Lifetime: 10 * time.Minute})
		b := newBrowser(t, m)
		b.request(func(_ string, d map[string]interface{}, _ http.ResponseWriter) { d["user"] = "ada" })
		clock.Advance(10*time.Minute + time.Second)
		b.request(func(_ string, d map[string]interface{}, _ http.ResponseWriter) {
			if len(d) != 0 {
				t.Fatalf("expired session loaded: %v", d)
			}
		})
	})
}

func TestSetCookieAttributes(t *testing.T) {
	clock := storetest.NewClock(time.Date(2031, 1, 1, 0, 0, 0, 0, time.UTC))
	m := newManager(t, memStore(t), session.Config{Now: clock.Now, Lifetime: 90 * time.Second, Domain: "example.com"})
	b := newBrowser(t, m)
	b.request(func(_ string, d map[string]interface{}, _ http.ResponseWriter) { d["k"] = 1 })
	raw := b.last.Header().Get("Set-Cookie")
	for _, want := range []string{"Path=/", "Domain=example.com", "Max-Age=90", "Expires=Wed, 01 Jan 2031 00:01:30 GMT", "HttpOnly", "SameSite=Lax"} {
		if !strings.Contains(raw, want) {
			t.Errorf("Set-Cookie %q lacks %q", raw, want)
		}
	}
	if strings.Contains(raw, "Secure") {
		t.Errorf("Set-Cookie %q is Secure by default", raw)
	}
	if got := b.last.Header().Get("Cache-Control"); got != `no-cache="Set-Cookie"` {
		t.Errorf("Cache-Control = %q", got)
	}
}

// TestFlaw11_CookieAttributes: RapidGo's session package let SameSite=None go out without
// Secure, sent a deletion cookie without Secure/SameSite, and left Path empty.
func TestFlaw11_CookieAttributes(t *testing.T) {
	t.Run("SameSiteNoneNeedsSecure", func(t *testing.T) {
		t.Setenv("SESSION_SAMESITE", "none")
		t.Setenv("SESSION_SECURE", "false")
		_, err := session.ConfigFromEnv()
		if !errors.Is(err, session.ErrConfig) || !strings.Contains(err.Error(), "SESSION_SECURE") {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("DeletionCookieMatches", func(t *testing.T) {
		cfg := session.Config{Secure: true, SameSite: http.SameSiteStrictMode, Path: "/app", Domain: "example.com"}
		m := newManager(t, memStore(t), cfg)
		b := newBrowser(t, m)
		id := b.request(func(_ string, d map[string]interface{}, _ http.ResponseWriter) { d["k"] = 1 })
		set := b.last.Header().Get("Set-Cookie")
		w := newRecorder()
		if err := m.Destroy(w, id); err != nil {
			t.Fatal(err)
		}
		del := w.Header().Get("Set-Cookie")
		for _, attr := range []string{"Path=/app", "Domain=example.com", "Secure", "SameSite=Strict", "HttpOnly"} {
			if !strings.Contains(set, attr) || !strings.Contains(del, attr) {
				t.Errorf("attribute %s: set %q, delete %q", attr, set, del)
			}
		}
		if !strings.Contains(del, "Max-Age=0") {
			t.Errorf("deletion cookie %q does not expire", del)
		}
	})
	t.Run("DefaultPathIsRoot", func(t *testing.T) {
		m := newManager(t, memStore(t), session.Config{})
		b := newBrowser(t, m)
		b.request(func(_ string, d map[string]interface{}, _ http.ResponseWriter) { d["k"] = 1 })
		if c := b.last.Result().Cookies()[0]; c.Path != "/" {
			t.Fatalf("Path = %q", c.Path)
		}
	})
}

func TestTooLarge(t *testing.T) {
	t.Run("MaxDataSize", func(t *testing.T) {
		m := newManager(t, memStore(t), session.Config{MaxDataSize: 1000})
		b := newBrowser(t, m)
		r := newRequest()
		id, data, _ := m.Start(r)
		data["big"] = strings.Repeat("x", 2000)
		w := newRecorder()
		if err := m.Save(w, id, data); !errors.Is(err, session.ErrTooLarge) {
			t.Fatalf("Save of 2000 bytes with MaxDataSize 1000: %v", err)
		}
		if w.Header().Get("Set-Cookie") != "" {
			t.Fatal("cookie sent for a session that was not saved")
		}
		_ = b
	})
	t.Run("CookieOver4096", func(t *testing.T) {
		d := backends.All(testSecret, session.DefaultCookieName)[2]
		m := newManager(t, d.New(t, time.Now), session.Config{})
		id, data, _ := m.Start(newRequest())
		data["big"] = strings.Repeat("x", 3500)
		w := newRecorder()
		err := m.Save(w, id, data)
		if !errors.Is(err, session.ErrCookieTooLarge) || !errors.Is(err, session.ErrTooLarge) {
			t.Fatalf("Save of 3500 bytes in a cookie: %v", err)
		}
		if w.Header().Get("Set-Cookie") != "" {
			t.Fatal("oversized cookie sent")
		}
		delete(data, "big")
		data["fits"] = strings.Repeat("x", 2500)
		if err := m.Save(w, id, data); err != nil {
			t.Fatalf("Save of 2500 bytes in a cookie: %v", err)
		}
		if n := len(w.Header().Get("Set-Cookie")); n > 4096 || n == 0 {
			t.Fatalf("Set-Cookie is %d bytes", n)
		}
	})
}

func TestUnsupportedTypeNamesTheKey(t *testing.T) {
	type UserID uint
	m := newManager(t, memStore(t), session.Config{})
	id, data, _ := m.Start(newRequest())
	data["uid"] = UserID(7)
	err := m.Save(newRecorder(), id, data)
	if !errors.Is(err, session.ErrUnsupportedType) || !strings.Contains(err.Error(), `"uid"`) {
		t.Fatalf("err = %v", err)
	}
}
