package session_test

import (
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/seed-699a33a2/session"
	"github.com/seed-699a33a2/session/internal/backends"
	"github.com/seed-699a33a2/session/store/storetest"
)

// sessionCookieLine returns the response's Set-Cookie line of the session
// cookie ("" for none).
func sessionCookieLine(h http.Header, name string) string {
	for _, v := range h.Values("Set-Cookie") {
		if strings.HasPrefix(v, name+"=") {
			return v
		}
	}
	return ""
}

// TestExpireOnCloseGivesBrowserSessionCookies: with ExpireOnClose
// (SESSION_EXPIRE_ON_CLOSE) the session cookie carries neither Max-Age nor
// Expires, so the browser drops it when it closes, while the server still
// ends the session after its idle timeout; RememberMe makes one session's
// cookie persistent again, for SetLifetime's longer lifetime; the deletion
// cookie is the same as ever.
func TestExpireOnCloseGivesBrowserSessionCookies(t *testing.T) {
	t.Setenv("SESSION_EXPIRE_ON_CLOSE", "true")
	fromEnv, err := session.ConfigFromEnv()
	if err != nil || !fromEnv.ExpireOnClose {
		t.Fatalf("SESSION_EXPIRE_ON_CLOSE=true: %+v, %v", fromEnv.ExpireOnClose, err)
	}
	forEachDriver(t, func(t *testing.T, d backends.Driver) {
		clock := storetest.NewClock(timeNow(d))
		m := newManager(t, d.New(t, clock.Now), session.Config{Now: clock.Now, ExpireOnClose: true, Lifetime: time.Hour})
		name := m.Config().CookieName
		b := newBrowser(t, m)
		b.request(func(_ string, data map[string]any, _ http.ResponseWriter) { data["user"] = "ada" })
		line := sessionCookieLine(b.last.Header(), name)
		if line == "" || strings.Contains(line, "Max-Age") || strings.Contains(line, "Expires") {
			t.Fatalf("a browser-session cookie was expected: %q", line)
		}
		if !d.RealClock {
			clock.Advance(time.Hour + time.Second)
			b.request(func(_ string, data map[string]any, _ http.ResponseWriter) {
				if data["user"] != nil {
					t.Error("the server kept a session past its idle timeout because its cookie has no expiry")
				}
			})
		}
		b.request(func(_ string, data map[string]any, _ http.ResponseWriter) {
			data["user"] = "ada"
			m.RememberMe(data, true)
			m.SetLifetime(data, 30*24*time.Hour, -1)
		})
		line = sessionCookieLine(b.last.Header(), name)
		if !strings.Contains(line, "Max-Age=2592000") || !strings.Contains(line, "Expires=") {
			t.Fatalf("a remembered session's cookie is not persistent for 30 days: %q", line)
		}
		var id string
		b.request(func(sid string, data map[string]any, w http.ResponseWriter) {
			id = sid
			m.RememberMe(data, false)
		})
		if line := sessionCookieLine(b.last.Header(), name); strings.Contains(line, "Max-Age") {
			t.Fatalf("RememberMe(false) kept the cookie persistent: %q", line)
		}
		b.request(func(_ string, _ map[string]any, w http.ResponseWriter) {
			if err := m.Destroy(w, id); err != nil {
				t.Fatal(err)
			}
		})
		if line := sessionCookieLine(b.last.Header(), name); !strings.Contains(line, "Max-Age=0") || !strings.Contains(line, "Expires=Thu, 01 Jan 1970") {
			t.Fatalf("the deletion cookie changed: %q", line)
		}
	})
}

// TestPartitionedCookies: SESSION_PARTITIONED_COOKIE=true adds Partitioned
// to the session cookie and its deletion cookie; without Secure it is a
// configuration error naming both variables.
func TestPartitionedCookies(t *testing.T) {
	t.Setenv("SESSION_PARTITIONED_COOKIE", "true")
	_, err := session.ConfigFromEnv()
	if !errors.Is(err, session.ErrConfig) || !strings.Contains(err.Error(), "SESSION_PARTITIONED_COOKIE") || !strings.Contains(err.Error(), "SESSION_SECURE") {
		t.Fatalf("Partitioned without Secure: %v", err)
	}
	t.Setenv("SESSION_SECURE", "true")
	cfg, err := session.ConfigFromEnv()
	if err != nil || !cfg.Partitioned {
		t.Fatalf("SESSION_PARTITIONED_COOKIE=true with SESSION_SECURE=true: %+v, %v", cfg.Partitioned, err)
	}
	m := newManager(t, memStore(t), cfg)
	b := newBrowser(t, m)
	var id string
	b.request(func(sid string, data map[string]any, _ http.ResponseWriter) { id = sid; data["x"] = 1 })
	if line := sessionCookieLine(b.last.Header(), m.Config().CookieName); !strings.HasSuffix(line, "; Secure; SameSite=Lax; Partitioned") {
		t.Fatalf("session cookie %q", line)
	}
	w := newRecorder()
	if err := m.Destroy(w, id); err != nil {
		t.Fatal(err)
	}
	if line := sessionCookieLine(w.Header(), m.Config().CookieName); !strings.HasSuffix(line, "; Partitioned") || !strings.Contains(line, "Max-Age=0") {
		t.Fatalf("deletion cookie %q", line)
	}
}

// TestFlashNowIsForThisRequestOnly: FlashNow's value is read by GetFlash
// in the same request, is never stored, and makes no write.
func TestFlashNowIsForThisRequestOnly(t *testing.T) {
	forEachDriver(t, func(t *testing.T, d backends.Driver) {
		clock := storetest.NewClock(timeNow(d))
		st, calls := count(d.New(t, clock.Now))
		m := newManager(t, st, session.Config{Now: clock.Now})
		c := newClient(t, m.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			_, data, _ := m.Start(r)
			switch r.URL.Path {
			case "/set":
				data["user"] = "ada"
			case "/now":
				m.FlashNow(data, "notice", "shown on this page")
				v, ok := m.GetFlash(data, "notice")
				if !ok || v != "shown on this page" {
					t.Errorf("GetFlash in the same request: %v, %v", v, ok)
				}
				m.FlashNow(data, "unread", "never read")
			case "/next":
				if v, ok := m.GetFlash(data, "notice"); ok {
					t.Errorf("a FlashNow value lived on: %v", v)
				}
				if v, ok := m.GetFlash(data, "unread"); ok {
					t.Errorf("an unread FlashNow value lived on: %v", v)
				}
			}
		})))
		c.get("/set")
		saves := calls.saves.Load()
		if r := c.get("/now"); r.status != 200 || calls.saves.Load() != saves || len(r.header.Values("Set-Cookie")) != 0 {
			t.Fatalf("FlashNow caused a write: %d saves, cookies %q", calls.saves.Load()-saves, r.header.Values("Set-Cookie"))
		}
		c.get("/next")
	})
}
