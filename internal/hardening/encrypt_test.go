package hardening_test

import (
	"bytes"
	"context"
	"net/http"
	"testing"

	"github.com/seed-699a33a2/session"
	"github.com/seed-699a33a2/session/internal/backends"
)

const encryptSecret = "Zr4Kp9Wq2Lm7Xv3Nt8Bc5Hd1Jf6Gs0Ya4Qe9Tu2Io7Pl3Mk"

// TestEncryptedAtRestNoValueInClear: with SESSION_ENCRYPT=true, whoever
// reads the raw store (file bytes, Redis values on every master, every
// column of every row on PostgreSQL, MariaDB and SQLite) finds no value of
// the session's data; what stays in clear is the metadata the README
// lists (times, user ID, IP address, user agent). The sessions still load,
// merge and list.
func TestEncryptedAtRestNoValueInClear(t *testing.T) {
	forEachDriver(t, func(t *testing.T, d backends.Driver) {
		if !d.ServerSide {
			t.Skipf("%s keeps nothing at rest to encrypt", d.Name)
		}
		st, clock := newStore(t, d)
		a := newApp(t, st, session.Config{Now: clock.Now, Encrypt: session.EncryptOn, Secret: []byte(encryptSecret)})
		values := []string{"plaintext-name-Ada-Lovelace", "card-ending-4242", "role-auditor", "token-3f9a"}
		b := &browser{a: a}
		b.do(func(w http.ResponseWriter, r *http.Request, _ string, data map[string]any) {
			if _, err := a.m.Login(w, r, "user-ada"); err != nil {
				t.Fatal(err)
			}
		})
		b.do(func(_ http.ResponseWriter, _ *http.Request, _ string, data map[string]any) {
			data["name"] = values[0]
			data["payment"] = map[string]string{"card": values[1]}
			data["roles"] = []string{values[2]}
			a.m.Flash(data, "notice", values[3])
		})
		found := rawStore(t, st)
		if len(found) == 0 {
			t.Fatal("read nothing from the store")
		}
		for _, art := range found {
			for _, v := range values {
				if bytes.Contains(art.value, []byte(v)) {
					t.Errorf("%s holds the session value %q in clear", art.where, v)
				}
			}
			for _, key := range []string{"payment", "roles", "notice"} {
				if bytes.Contains(art.value, []byte(key)) {
					t.Errorf("%s holds the session key %q in clear", art.where, key)
				}
			}
		}
		_, data, err := a.start(header(b.cookie))
		if err != nil || data["name"] != values[0] || session.UserID(data) != "user-ada" {
			t.Fatalf("the encrypted session does not load: %v %v", data, err)
		}
		list, err := a.m.UserSessions(context.Background(), "user-ada")
		if err != nil || len(list) != 1 {
			t.Fatalf("the encrypted session is not listed: %v, %v", list, err)
		}
	})
}
