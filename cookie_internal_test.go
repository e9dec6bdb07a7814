package session

import (
	"net/http"
	"testing"
	"time"

	"github.com/seed-699a33a2/session/store"
)

type nopStore struct{ Store }

func TestCookieLineMatchesNetHTTP(t *testing.T) {
	configs := []Config{
		{},
		{Secure: true, SameSite: http.SameSiteStrictMode, Path: "/app", Domain: "example.com"},
		{Secure: true, SameSite: http.SameSiteNoneMode, DisableHTTPOnly: true, Domain: ".example.org", CookieName: "__Secure-s"},
		{CookieName: "__Host-sid", Secure: true},
		{Secure: true, Partitioned: true, SameSite: http.SameSiteNoneMode},
		{Secure: true, Partitioned: true, ExpireOnClose: true, Path: "/embed"},
	}
	// Each expiry twice, and the same second in two zones: the line
	// formats a second's date once and reuses it (appendExpires).
	expiries := []time.Time{
		time.Date(2031, 1, 2, 3, 4, 5, 0, time.UTC),
		time.Date(2031, 1, 2, 3, 4, 5, 0, time.UTC),
		time.Date(2031, 1, 2, 3, 4, 5, 999, time.FixedZone("X", 5*3600)),
		time.Date(2031, 1, 2, 8, 4, 5, 999_999_999, time.FixedZone("X", 5*3600)),
		time.Date(2031, 1, 2, 3, 4, 6, 0, time.UTC),
		time.Date(2031, 1, 2, 3, 4, 5, 999, time.UTC),
		time.Date(1999, 12, 31, 23, 59, 59, 0, time.FixedZone("Y", -8*3600)),
	}
	for _, cfg := range configs {
		m, err := New(nopStore{}, cfg)
		if err != nil {
			t.Fatal(err)
		}
		for _, exp := range expiries {
			for _, maxAge := range []int{1, 7200, 2592000} {
				tok := store.NewID()
				want := m.cookie(tok, maxAge, exp).String()
				if got := m.cookieLine(tok, maxAge, exp); got != want {
					t.Errorf("config %+v:\n got %s\nwant %s", cfg, got, want)
				}
			}
			// A browser-session cookie: no Max-Age, no Expires.
			tok := store.NewID()
			if got, want := m.cookieLine(tok, 0, time.Time{}), m.cookie(tok, 0, time.Time{}).String(); got != want {
				t.Errorf("config %+v, browser-session cookie:\n got %s\nwant %s", cfg, got, want)
			}
		}
	}
}
