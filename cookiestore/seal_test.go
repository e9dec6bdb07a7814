package cookiestore_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"math"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/seed-699a33a2/session/cookiestore"
	"github.com/seed-699a33a2/session/store"
	"github.com/seed-699a33a2/session/store/storetest"
)

func TestEveryBitFlipIsNotFound(t *testing.T) {
	// Two secrets, so that every failed open is tried under both.
	st := newStore(t, cookiestore.Options{Secret: newSecret(t), PreviousSecrets: [][]byte{newSecret(t)}})
	r := newRecord(time.Now(), "user_id=42")
	tok := save(t, st, r)
	raw, err := store.Encoding.DecodeString(tok)
	if err != nil {
		t.Fatal(err)
	}
	for i := range raw {
		for bit := 0; bit < 8; bit++ {
			bad := bytes.Clone(raw)
			bad[i] ^= 1 << bit
			notFound(t, st, store.Encoding.EncodeToString(bad), fmt.Sprintf("byte %d bit %d flipped", i, bit))
		}
	}
	load(t, st, tok, r)
}

func TestEveryTruncationIsNotFound(t *testing.T) {
	st := newStore(t, cookiestore.Options{Secret: newSecret(t)})
	r := newRecord(time.Now(), "user_id=42")
	tok := save(t, st, r)
	for n := 0; n < len(tok); n++ {
		notFound(t, st, tok[:n], fmt.Sprintf("token cut to %d characters", n))
	}
	raw, _ := store.Encoding.DecodeString(tok)
	for n := 0; n < len(raw); n++ {
		notFound(t, st, store.Encoding.EncodeToString(raw[:n]), fmt.Sprintf("token cut to %d bytes", n))
		notFound(t, st, store.Encoding.EncodeToString(raw[len(raw)-n:]), fmt.Sprintf("token without its first %d bytes", len(raw)-n))
	}
	notFound(t, st, store.Encoding.EncodeToString(append(raw, 0)), "token with a byte appended")
}

func TestOtherCookieNameIsNotFound(t *testing.T) {
	secret := newSecret(t)
	r := newRecord(time.Now(), "x")
	tok := save(t, newStore(t, cookiestore.Options{Secret: secret, CookieName: "admin_session"}), r)
	for _, name := range []string{"rapidgo_session", "admin_sessio", "admin_session\x00", "Admin_session"} {
		notFound(t, newStore(t, cookiestore.Options{Secret: secret, CookieName: name}), tok, "cookie name "+name)
	}
	load(t, newStore(t, cookiestore.Options{Secret: secret, CookieName: "admin_session"}), tok, r)
}

func TestOtherVersionIsNotFound(t *testing.T) {
	st := newStore(t, cookiestore.Options{Secret: newSecret(t)})
	raw, _ := store.Encoding.DecodeString(save(t, st, newRecord(time.Now(), "x")))
	for _, v := range []byte{0, 1, 3, 0xff} { // 1: a version 2 token relabelled as version 1
		raw[0] = v
		notFound(t, st, store.Encoding.EncodeToString(raw), fmt.Sprintf("version %d", v))
	}
}

func TestExpiredByClock(t *testing.T) {
	clock := storetest.NewClock(time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC))
	st := newStore(t, cookiestore.Options{Secret: newSecret(t), Now: clock.Now})
	r := newRecord(clock.Now(), "x")
	r.Expires = clock.Now().Add(time.Minute)
	tok := save(t, st, r)
	clock.Advance(time.Minute - time.Nanosecond)
	load(t, st, tok, r)
	clock.Advance(time.Nanosecond)
	notFound(t, st, tok, "at its expiry")

	r.Expires = clock.Now()
	if tok, err := st.Save(context.Background(), r); tok != "" || err != nil {
		t.Fatalf("Save of an expired record = %q, %v; want \"\", nil", tok, err)
	}
}

func TestSealsDiffer(t *testing.T) {
	st := newStore(t, cookiestore.Options{Secret: newSecret(t)})
	r := newRecord(time.Now(), "same record")
	a, b := save(t, st, r), save(t, st, r)
	if a == b {
		t.Fatal("two seals of the same record are equal: the salt is not random")
	}
	ra, _ := store.Encoding.DecodeString(a)
	rb, _ := store.Encoding.DecodeString(b)
	if bytes.Equal(ra[1:25], rb[1:25]) {
		t.Fatal("two seals share a salt")
	}
	load(t, st, a, r)
	load(t, st, b, r)
}

func TestDataIsNotReadable(t *testing.T) {
	st := newStore(t, cookiestore.Options{Secret: newSecret(t)})
	r := newRecord(time.Now(), strings.Repeat("user_id=42;", 8))
	raw, _ := store.Encoding.DecodeString(save(t, st, r))
	id, _ := store.Encoding.DecodeString(r.ID)
	if bytes.Contains(raw, []byte("user_id")) || bytes.Contains(raw, id[:8]) {
		t.Fatal("the token shows its plaintext")
	}
}

func TestTimes(t *testing.T) {
	now := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	st := newStore(t, cookiestore.Options{Secret: newSecret(t), Now: func() time.Time { return now }})
	for _, tc := range []struct {
		name                   string
		created, expires       time.Time
		wantCreated, wantExpir time.Time
	}{
		{"nanoseconds", now.Add(-time.Nanosecond), now.Add(time.Nanosecond), now.Add(-time.Nanosecond), now.Add(time.Nanosecond)},
		{"zero created", time.Time{}, now.Add(time.Hour), time.Time{}, now.Add(time.Hour)},
		{"ancient created", time.Date(1, 1, 1, 0, 0, 1, 0, time.UTC), now.Add(time.Hour), time.Unix(0, math.MinInt64+1), now.Add(time.Hour)},
		{"far expiry", now, time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC), now, time.Unix(0, math.MaxInt64)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := store.Record{ID: store.NewID(), Created: tc.created, Expires: tc.expires}
			got, err := st.Load(context.Background(), save(t, st, r))
			if err != nil {
				t.Fatal(err)
			}
			if !got.Created.Equal(tc.wantCreated) || got.Created.IsZero() != tc.wantCreated.IsZero() || !got.Expires.Equal(tc.wantExpir) {
				t.Fatalf("got created %v expires %v, want %v and %v", got.Created, got.Expires, tc.wantCreated, tc.wantExpir)
			}
		})
	}
}

// The package doc promises how much data fits in a 4096-byte cookie.
func TestTokenSizeAndCookieBudget(t *testing.T) {
	st := newStore(t, cookiestore.Options{Secret: newSecret(t)})
	now := time.Now()
	for _, n := range []int{0, 1, 2, 3, 200, 2901} {
		r := newRecord(now, strings.Repeat("x", n))
		tok := save(t, st, r)
		if len(tok) != cookiestore.TokenLen(n) || len(tok) != base64.RawURLEncoding.EncodedLen(89+n) {
			t.Errorf("%d bytes of data: token is %d characters, TokenLen says %d", n, len(tok), cookiestore.TokenLen(n))
		}
	}
	if cookiestore.Overhead != 1+24+32+8+8+16 {
		t.Errorf("Overhead = %d", cookiestore.Overhead)
	}
	cookie := func(n int) string {
		c := &http.Cookie{
			Name: cookieName, Value: strings.Repeat("A", cookiestore.TokenLen(n)), Path: "/",
			Expires:  time.Date(2006, 1, 2, 15, 4, 5, 0, time.UTC),
			MaxAge:   7200,
			HttpOnly: true, Secure: true, SameSite: http.SameSiteLaxMode,
		}
		return c.String()
	}
	if got := len(cookie(2901)); got > 4096 {
		t.Errorf("2901 bytes of data make a %d-byte cookie", got)
	}
	if got := len(cookie(2902)); got <= 4096 {
		t.Errorf("2902 bytes of data make a %d-byte cookie; the doc's 2901 is not the maximum", got)
	}
}

func TestTooLarge(t *testing.T) {
	st := newStore(t, cookiestore.Options{Secret: newSecret(t)})
	r := newRecord(time.Now(), strings.Repeat("x", 256<<10))
	if _, err := st.Save(context.Background(), r); !errors.Is(err, store.ErrTooLarge) {
		t.Fatalf("Save of 256 KiB: %v, want ErrTooLarge", err)
	}
	notFound(t, st, strings.Repeat("A", 256<<10+4), "token over the limit")
}

// TestVersion1TokensStillOpen: a token sealed by the version 1 format
// (AES-256-GCM under a per-token HKDF key, written before the switch to
// XChaCha20-Poly1305) opens, as the current secret and as a previous one,
// so that no session ends with the upgrade; a version 1 token with any bit
// flipped does not.
func TestVersion1TokensStillOpen(t *testing.T) {
	const (
		secret = "v1-golden: J8qL2mZr5Tx9Kc3Wv7Nb1Hd4Fg6Ys0Pa"
		id     = "UeaYM55aTL267yXFPJ7lleyet4lpNPnJ0jq8z4H81DQ"
		token  = "ARC58F2gIG6FbrN6D6NsAJ7XH0wCaHb9DvVKC18Y2P5OJW7qBC0DM55535IFSQmMxrBoJ7uKmVfZb-NtkSESXQQH-j4kRf0fvSSfyeVgQS7au4GFpc4m5poddssgbLbj-x44PT0"
	)
	want := store.Record{ID: id, Data: []byte("\x01\x01\x04name\x05\x03Ada"),
		Created: time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC), Expires: time.Date(2200, 1, 1, 0, 0, 0, 0, time.UTC)}
	for name, opts := range map[string]cookiestore.Options{
		"current":  {Secret: []byte(secret)},
		"previous": {Secret: newSecret(t), PreviousSecrets: [][]byte{[]byte(secret)}},
	} {
		t.Run(name, func(t *testing.T) {
			st := newStore(t, opts)
			load(t, st, token, want)
			raw, _ := store.Encoding.DecodeString(token)
			for i := range raw {
				bad := bytes.Clone(raw)
				bad[i] ^= 0x10
				notFound(t, st, store.Encoding.EncodeToString(bad), fmt.Sprintf("byte %d changed", i))
			}
			// Saved again, it is a version 2 token.
			if again, _ := store.Encoding.DecodeString(save(t, st, want)); again[0] != 2 {
				t.Errorf("saved again as version %d, want 2", again[0])
			}
		})
	}
}
