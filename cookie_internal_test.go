package session

import (
	"net/http"
	"strings"
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
	// A server-side session's ID, and sealed cookies' tokens on both sides
	// of the line built on the stack (shortLine) and kilobytes long.
	tokens := []string{store.NewID()}
	for _, n := range []int{380, 420, 440, 460, 500, 3000} {
		tokens = append(tokens, store.NewID()+strings.Repeat("A", n))
	}
	for _, cfg := range configs {
		m, err := New(nopStore{}, cfg)
		if err != nil {
			t.Fatal(err)
		}
		for _, tok := range tokens {
			for _, exp := range expiries {
				for _, maxAge := range []int{1, 7200, 2592000} {
					want := m.cookie(tok, maxAge, exp).String()
					if got := m.cookieLine(tok, maxAge, exp); got != want {
						t.Errorf("config %+v, token of %d:\n got %s\nwant %s", cfg, len(tok), got, want)
					}
				}
				// A browser-session cookie: no Max-Age, no Expires.
				if got, want := m.cookieLine(tok, 0, time.Time{}), m.cookie(tok, 0, time.Time{}).String(); got != want {
					t.Errorf("config %+v, token of %d, browser-session cookie:\n got %s\nwant %s", cfg, len(tok), got, want)
				}
			}
		}
	}
}

// TestCookieLineAllocatesOnce: the line is its only allocation, for a
// server-side session's ID and for a sealed cookie's token of kilobytes.
func TestCookieLineAllocatesOnce(t *testing.T) {
	m, err := New(nopStore{}, Config{Secure: true, Domain: "example.com"})
	if err != nil {
		t.Fatal(err)
	}
	exp := time.Now().Add(time.Hour)
	m.cookieLine(store.NewID(), 3600, exp) // format the second's date once
	for _, tok := range []string{store.NewID(), strings.Repeat("A", 3000)} {
		if n := testing.AllocsPerRun(100, func() { m.cookieLine(tok, 3600, exp) }); n != 1 {
			t.Errorf("a line with a token of %d bytes: %v allocations, want 1", len(tok), n)
		}
	}
}
