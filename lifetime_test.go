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

func maxAge(t *testing.T, b *browser) int {
	t.Helper()
	for _, c := range b.last.Result().Cookies() {
		if c.Name == session.DefaultCookieName {
			return c.MaxAge
		}
	}
	t.Fatal("no session cookie in the response")
	return 0
}

// TestAbsoluteLifetimeCapsActiveSession: however active, a session ends at
// created + AbsoluteLifetime, on the server and in the cookie.
func TestAbsoluteLifetimeCapsActiveSession(t *testing.T) {
	forEachDriver(t, func(t *testing.T, d backends.Driver) {
		if d.RealClock {
			t.Skip("expiry enforced by the server's clock")
		}
		clock := storetest.NewClock(timeNow(d))
		m := newManager(t, d.New(t, clock.Now), session.Config{Now: clock.Now, Lifetime: 10 * time.Minute, AbsoluteLifetime: 30 * time.Minute})
		b := newBrowser(t, m)
		b.request(func(_ string, d map[string]interface{}, _ http.ResponseWriter) { d["n"] = 0 })
		if got := maxAge(t, b); got != 600 {
			t.Fatalf("first Max-Age = %d, want 600", got)
		}
		for i := 1; i <= 5; i++ { // active every 5 minutes up to minute 25
			clock.Advance(5 * time.Minute)
			b.request(func(_ string, d map[string]interface{}, _ http.ResponseWriter) {
				if d["n"] != i-1 {
					t.Fatalf("minute %d: session lost early: %v", 5*i, d)
				}
				d["n"] = i
			})
		}
		if got := maxAge(t, b); got != 300 {
			t.Fatalf("Max-Age at minute 25 = %d, want 300 (the absolute limit, not the idle timeout)", got)
		}
		clock.Advance(5 * time.Minute) // minute 30
		b.request(func(_ string, d map[string]interface{}, _ http.ResponseWriter) {
			if len(d) != 0 {
				t.Fatalf("session outlived its absolute lifetime: %v", d)
			}
		})
	})
}

func TestSetLifetimeRemembersMe(t *testing.T) {
	forEachDriver(t, func(t *testing.T, d backends.Driver) {
		if d.RealClock {
			t.Skip("expiry enforced by the server's clock")
		}
		clock := storetest.NewClock(timeNow(d))
		m := newManager(t, d.New(t, clock.Now), session.Config{Now: clock.Now, Lifetime: 10 * time.Minute})
		b := newBrowser(t, m)
		const month = 30 * 24 * time.Hour
		b.request(func(_ string, d map[string]interface{}, _ http.ResponseWriter) {
			d["user"] = "ada"
			m.SetLifetime(d, month, 3*month)
		})
		if got := maxAge(t, b); got != int(month/time.Second) {
			t.Fatalf("remember-me Max-Age = %d", got)
		}
		clock.Advance(7 * 24 * time.Hour) // a week idle: still signed in
		b.request(func(_ string, d map[string]interface{}, _ http.ResponseWriter) {
			if d["user"] != "ada" {
				t.Fatalf("remembered session lost after a week: %v", d)
			}
		})
		other := newBrowser(t, m) // sessions without the override keep the default
		other.request(func(_ string, d map[string]interface{}, _ http.ResponseWriter) { d["x"] = 1 })
		if got := maxAge(t, other); got != 600 {
			t.Fatalf("default Max-Age = %d", got)
		}
	})
}

func TestAbsoluteLifetimeConfig(t *testing.T) {
	t.Setenv("SESSION_LIFETIME", "")
	cases := map[string]time.Duration{"": 24 * time.Hour, "0": -1, "48h": 48 * time.Hour, "180": 180 * time.Minute}
	for v, want := range cases {
		t.Setenv("SESSION_ABSOLUTE_LIFETIME", v)
		cfg, err := session.ConfigFromEnv()
		if err != nil {
			t.Fatalf("%q: %v", v, err)
		}
		if got := newManager(t, memStore(t), cfg).Config().AbsoluteLifetime; got != want {
			t.Errorf("SESSION_ABSOLUTE_LIFETIME=%q gives %v, want %v", v, got, want)
		}
	}
	t.Setenv("SESSION_ABSOLUTE_LIFETIME", "forever")
	if _, err := session.ConfigFromEnv(); !errors.Is(err, session.ErrConfig) {
		t.Fatalf("bad value: %v", err)
	}
	t.Setenv("SESSION_ABSOLUTE_LIFETIME", "")
	t.Setenv("SESSION_LIFETIME", "2880") // two days of idle time: the cap follows
	cfg, _ := session.ConfigFromEnv()
	if got := newManager(t, memStore(t), cfg).Config().AbsoluteLifetime; got != 48*time.Hour {
		t.Errorf("default absolute lifetime with a 2-day idle timeout = %v", got)
	}
}

// TestAbsoluteLifetimeShorterThanIdleIsAnError: SESSION_LIFETIME=2h with
// SESSION_ABSOLUTE_LIFETIME=1h would end every session before it could go
// idle: an error naming both variables. 0 (off) and an equal value pass.
func TestAbsoluteLifetimeShorterThanIdleIsAnError(t *testing.T) {
	t.Setenv("SESSION_LIFETIME", "2h")
	t.Setenv("SESSION_ABSOLUTE_LIFETIME", "1h")
	_, err := session.ConfigFromEnv()
	if !errors.Is(err, session.ErrConfig) || !strings.Contains(err.Error(), "SESSION_ABSOLUTE_LIFETIME=1h0m0s") || !strings.Contains(err.Error(), "SESSION_LIFETIME=2h0m0s") {
		t.Fatalf("ConfigFromEnv = %v, want ErrConfig naming both variables", err)
	}
	if _, err := session.New(memStore(t), session.Config{Lifetime: 2 * time.Hour, AbsoluteLifetime: time.Hour}); !errors.Is(err, session.ErrConfig) {
		t.Fatalf("New = %v, want ErrConfig", err)
	}
	for _, v := range []string{"0", "2h", "3h"} {
		t.Setenv("SESSION_ABSOLUTE_LIFETIME", v)
		if _, err := session.ConfigFromEnv(); err != nil {
			t.Errorf("SESSION_ABSOLUTE_LIFETIME=%s: %v", v, err)
		}
	}
}
