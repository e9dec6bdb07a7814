package hardening_test

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"net/http"
	"strings"
	"testing"

	"github.com/seed-699a33a2/session"
	"github.com/seed-699a33a2/session/internal/backends"
	"github.com/seed-699a33a2/session/store"
)

// idEncodings returns the ways a session ID could sit in a store: the ID
// itself (any case), its 32 bytes, their hex (any case), their standard and
// URL base64 with and without padding, and the hex of the ID's text.
func idEncodings(t *testing.T, id string) map[string][]byte {
	t.Helper()
	raw, err := store.Encoding.DecodeString(id)
	if err != nil || len(raw) != 32 {
		t.Fatalf("ID %q does not decode to 32 bytes: %v", id, err)
	}
	return map[string][]byte{
		"raw string":              []byte(id),
		"decoded bytes":           raw,
		"hex of the bytes":        []byte(hex.EncodeToString(raw)),
		"std base64 of the bytes": []byte(base64.StdEncoding.EncodeToString(raw)),
		"std base64, unpadded":    []byte(base64.RawStdEncoding.EncodeToString(raw)),
		"url base64, padded":      []byte(base64.URLEncoding.EncodeToString(raw)),
		"hex of the string":       []byte(hex.EncodeToString([]byte(id))),
	}
}

// findID reports every encoding of id that value contains. Text encodings
// are compared without regard to case, so that an upper-cased hex or ID
// counts too.
func findID(encodings map[string][]byte, value []byte) []string {
	var found []string
	lower := bytes.ToLower(value)
	for name, enc := range encodings {
		if bytes.Contains(value, enc) {
			found = append(found, name)
			continue
		}
		if name != "decoded bytes" && bytes.Contains(lower, bytes.ToLower(enc)) {
			found = append(found, name+" (other case)")
		}
	}
	return found
}

// replays returns what an attacker could try as a cookie after reading
// value from the store: the value itself, trimmed, its base64url, and
// every ID-sized window of it.
func replays(value []byte) []string {
	s := string(value)
	out := []string{s, strings.TrimSpace(s), store.Encoding.EncodeToString(value)}
	if len(value) == 32 {
		out = append(out, base64.URLEncoding.EncodeToString(value))
	}
	for i := 0; i+store.IDLen <= len(s) && i < 256; i++ {
		if w := s[i : i+store.IDLen]; store.ValidID(w) {
			out = append(out, w)
		}
	}
	return out
}

// TestIDsAtRestAreNotCookies: for every server-side driver, whoever reads
// the raw store (file names and contents, Redis keys and values on every
// master, every column of every row) finds the session ID in no encoding,
// and nothing they read opens the session when sent back as the cookie.
func TestIDsAtRestAreNotCookies(t *testing.T) {
	forEachDriver(t, func(t *testing.T, d backends.Driver) {
		if !d.ServerSide {
			t.Skipf("%s keeps no server-side record to read", d.Name)
		}
		st, clock := newStore(t, d)
		a := newApp(t, st, session.Config{Now: clock.Now})
		b := &browser{a: a}
		var ids []string
		// Two sessions, the first one written twice, so that both the
		// insert and the update paths leave what they leave.
		b.do(func(_ http.ResponseWriter, _ *http.Request, id string, data map[string]any) {
			ids = append(ids, id)
			data["user_id"] = uint(42)
			a.m.Flash(data, "status", "signed in")
		})
		victimCookie := b.cookie
		b.do(func(_ http.ResponseWriter, _ *http.Request, _ string, data map[string]any) {
			data["cart"] = []string{"book"}
		})
		other := &browser{a: a}
		other.do(func(_ http.ResponseWriter, _ *http.Request, id string, data map[string]any) {
			ids = append(ids, id)
			data["theme"] = "dark"
		})
		if victimCookie != ids[0] {
			t.Fatalf("server-side driver's cookie %q is not the session ID %q", victimCookie, ids[0])
		}

		found := rawStore(t, st)
		if len(found) == 0 {
			t.Fatal("read nothing from the store: the sessions were not stored where the test looks")
		}
		for _, id := range ids {
			enc := idEncodings(t, id)
			for _, art := range found {
				if hits := findID(enc, art.value); len(hits) > 0 {
					t.Errorf("%s holds session ID %s as %v: %.200q", art.where, id, hits, art.value)
				}
			}
		}

		// Replay everything read as the cookie: nothing opens a session.
		tried := map[string]bool{}
		for _, art := range found {
			for _, tok := range replays(art.value) {
				if tried[tok] {
					continue
				}
				tried[tok] = true
				id, data, err := a.start(header(tok))
				if err != nil || len(data) != 0 || !store.ValidID(id) || id == tok {
					t.Errorf("cookie made of %s (%.80q) opened: id %q, data %v, err %v", art.where, tok, id, data, err)
				}
				for _, known := range ids {
					if id == known {
						t.Errorf("cookie made of %s opened session %s", art.where, known)
					}
				}
			}
		}
		t.Logf("%d artifacts read, %d cookies replayed", len(found), len(tried))

		// The real cookie still opens: the replays above proved something.
		id, data, err := a.start(header(victimCookie))
		if err != nil || id != ids[0] || data["user_id"] != uint(42) {
			t.Fatalf("the real cookie no longer opens its session: %q %v %v", id, data, err)
		}
	})
}

// TestFindIDSeesEveryEncoding checks the checker: an ID planted in each
// encoding, amid other bytes, is found.
func TestFindIDSeesEveryEncoding(t *testing.T) {
	id := store.NewID()
	enc := idEncodings(t, id)
	for name, e := range enc {
		v := append(append([]byte("prefix\x00"), e...), "\xffsuffix"...)
		if hits := findID(enc, v); len(hits) == 0 {
			t.Errorf("%s not found", name)
		}
		if name != "decoded bytes" {
			if hits := findID(enc, bytes.ToUpper(v)); len(hits) == 0 {
				t.Errorf("upper-cased %s not found", name)
			}
		}
	}
	if hits := findID(enc, []byte(store.HashID(id))); len(hits) != 0 {
		t.Errorf("the hash of the ID counts as the ID: %v", hits)
	}
}
