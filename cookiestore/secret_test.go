package cookiestore_test

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/seed-699a33a2/session/cookiestore"
)

func TestNewRejectsBadOptions(t *testing.T) {
	good := newSecret(t)
	for _, tc := range []struct {
		name    string
		opts    cookiestore.Options
		setting string // the setting the error must name
		secret  []byte // what the error must not contain
	}{
		{"no secret", cookiestore.Options{CookieName: cookieName}, "SESSION_SECRET", nil},
		{"spec placeholder", cookiestore.Options{Secret: []byte("your-secret-key"), CookieName: cookieName}, "SESSION_SECRET", []byte("your-secret-key")},
		{"31 random bytes", cookiestore.Options{Secret: good[:31], CookieName: cookieName}, "SESSION_SECRET", good[:31]},
		{"repeated byte", cookiestore.Options{Secret: bytes.Repeat([]byte("a"), 64), CookieName: cookieName}, "SESSION_SECRET", bytes.Repeat([]byte("a"), 64)},
		{"repeated placeholder", cookiestore.Options{Secret: bytes.Repeat([]byte("your-secret-key"), 4), CookieName: cookieName}, "SESSION_SECRET", []byte("your-secret-key")},
		{"11 distinct values", cookiestore.Options{Secret: bytes.Repeat([]byte("0123456789a"), 4), CookieName: cookieName}, "SESSION_SECRET", []byte("0123456789a")},
		{"placeholder phrase", cookiestore.Options{Secret: []byte("my-super-secret-key-for-production-2024"), CookieName: cookieName}, "SESSION_SECRET", []byte("my-super-secret-key")},
		{"changeme", cookiestore.Options{Secret: []byte("CHANGEME-please-0123456789abcdefghij"), CookieName: cookieName}, "SESSION_SECRET", []byte("CHANGEME")},
		{"short previous", cookiestore.Options{Secret: good, PreviousSecrets: [][]byte{newSecret(t), []byte("old-short-secret")}, CookieName: cookieName}, "SESSION_PREVIOUS_SECRETS[1]", []byte("old-short-secret")},
		{"non-random previous", cookiestore.Options{Secret: good, PreviousSecrets: [][]byte{bytes.Repeat([]byte("ab"), 32)}, CookieName: cookieName}, "SESSION_PREVIOUS_SECRETS[0]", bytes.Repeat([]byte("ab"), 32)},
		{"empty previous", cookiestore.Options{Secret: good, PreviousSecrets: [][]byte{nil}, CookieName: cookieName}, "SESSION_PREVIOUS_SECRETS[0]", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st, err := cookiestore.New(tc.opts)
			if err == nil || st != nil {
				t.Fatalf("New = %v, %v; want an error", st, err)
			}
			msg := err.Error()
			if !errors.Is(err, cookiestore.ErrWeakSecret) {
				t.Errorf("error %q does not wrap ErrWeakSecret", msg)
			}
			for _, want := range []string{"session: weak secret: ", tc.setting, "openssl rand -base64 32"} {
				if !strings.Contains(msg, want) {
					t.Errorf("error %q does not contain %q", msg, want)
				}
			}
			if len(tc.secret) > 0 && strings.Contains(msg, string(tc.secret)) {
				t.Errorf("error %q shows the secret", msg)
			}
		})
	}

	t.Run("missing cookie name", func(t *testing.T) {
		_, err := cookiestore.New(cookiestore.Options{Secret: good})
		if err == nil || !strings.Contains(err.Error(), "CookieName") || strings.Contains(err.Error(), string(good)) {
			t.Fatalf("New without a cookie name: %v", err)
		}
	})
}

func TestNewAcceptsRandomSecrets(t *testing.T) {
	hex := []byte("9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08")
	secret := newSecret(t)
	for name, sec := range map[string][]byte{
		"openssl base64": secret,
		"hex":            hex,
		"32 raw bytes":   []byte(secret[:32]),
	} {
		if _, err := cookiestore.New(cookiestore.Options{Secret: sec, CookieName: cookieName}); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}

// New keeps no reference to the caller's secret.
func TestNewCopiesNothing(t *testing.T) {
	secret := newSecret(t)
	st := newStore(t, cookiestore.Options{Secret: secret})
	r := newRecord(time.Now(), "x")
	tok := save(t, st, r)
	for i := range secret {
		secret[i] = 0
	}
	load(t, st, tok, r)
}
