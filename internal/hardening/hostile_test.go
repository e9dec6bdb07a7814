package hardening_test

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"net/http"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/seed-699a33a2/session"
	"github.com/seed-699a33a2/session/cookiestore"
	"github.com/seed-699a33a2/session/internal/backends"
	"github.com/seed-699a33a2/session/store"
	"github.com/seed-699a33a2/session/store/storetest"
)

const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"

func randomBytes(n int) []byte {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return b
}

// hostileCookies are cookie values no driver may open, beyond
// storetest.GarbageTokens (which they include).
func hostileCookies() map[string]string {
	id := store.NewID()
	raw := randomBytes(32)
	last := strings.IndexByte(alphabet, id[store.IDLen-1])
	in := map[string]string{
		"empty":                      "",
		"10KB":                       strings.Repeat("A", 10<<10),
		"10KB random base64url":      store.Encoding.EncodeToString(randomBytes(7680)),
		"NUL":                        "\x00",
		"NUL inside an ID":           id[:21] + "\x00" + id[22:],
		"NUL after an ID":            id + "\x00",
		"control bytes":              "\x01\x02\x03\x07\x08\x1b[0m\x7f",
		"tab":                        "a\tb",
		"non-ASCII":                  "séssion-ünïcode-日本語-😀",
		"invalid UTF-8":              "\xff\xfe\xc3\x28",
		"..":                         "..",
		"../../x":                    "../../x",
		"deep traversal":             strings.Repeat("../", 20) + "etc/passwd",
		"absolute path":              "/etc/passwd",
		"absolute tmp path":          "/tmp/x",
		"windows path":               `C:\Windows\win.ini`,
		"percent-encoded traversal":  "..%2F..%2Fx",
		"percent-encoded dots":       "%2e%2e%2f%2e%2e%2fx",
		"double percent-encoded":     "%252e%252e%252fx",
		"overlong UTF-8 slash":       "..\xc0\xaf..\xc0\xafx",
		"CR LF header injection":     "a\r\nSet-Cookie: injected=1",
		"CR":                         "a\rb",
		"LF":                         "a\nb",
		"1MB":                        strings.Repeat("A", 1<<20),
		"base64url padded":           base64.URLEncoding.EncodeToString(raw),
		"base64url unpadded unknown": store.Encoding.EncodeToString(raw),
		"base64 std padded":          base64.StdEncoding.EncodeToString(raw),
		"base64 std unpadded":        base64.RawStdEncoding.EncodeToString(raw),
		"base64 std with + and /":    "+/" + id[2:],
		"non-canonical last char":    id[:store.IDLen-1] + string(alphabet[last|1]),
		"exactly 4096 bytes":         strings.Repeat("A", session.MaxTokenLen),
		"4097 bytes":                 strings.Repeat("A", session.MaxTokenLen+1),
		"quoted ID":                  `"` + id + `"`,
		"ID with a space":            id[:20] + " " + id[21:],
	}
	for k, v := range storetest.GarbageTokens() {
		in["garbage "+k] = v
	}
	return in
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// expectFresh sends cookieHeader to the app twice: to Start outside the
// middleware, which must give a fresh session (empty map, valid new ID)
// with a nil error; and through the middleware with a handler that writes
// to the session, which must answer 200 and set one new, well-formed
// cookie. It returns the ID of the session the second request created.
func expectFresh(t *testing.T, a *app, cookieHeader, value string, live []string) string {
	t.Helper()
	id, data, err := a.start(cookieHeader)
	if err != nil || len(data) != 0 || !store.ValidID(id) || id == value || slices.Contains(live, id) {
		t.Errorf("Start = %q, %v, %v; want a fresh session and a nil error", id, data, err)
	}
	var created string
	w := a.serve(context.Background(), cookieHeader, func(_ http.ResponseWriter, _ *http.Request, id string, data map[string]any) {
		if len(data) != 0 || !store.ValidID(id) || id == value || slices.Contains(live, id) {
			t.Errorf("middleware session = %q, %v; want a fresh one", id, data)
		}
		created = id
		data["visited"] = true
	})
	if w.Code != http.StatusOK {
		t.Errorf("status %d, error handler saw %v", w.Code, a.err())
		return created
	}
	cs := sessionCookies(w.Header())
	if len(cs) != 1 || cs[0].Value == value || !store.ValidToken(cs[0].Value, 1<<20) || cs[0].MaxAge <= 0 {
		t.Errorf("Save after the hostile cookie set %v, want one new session cookie", w.Header().Values("Set-Cookie"))
	}
	return created
}

// TestHostileCookiesAreFreshSessionsAndSaveCleanly: every hostile cookie,
// on every driver, is a fresh session with a nil error, a Save after it
// stores a new session under a new ID, the live session of another user is
// untouched, and no store is handed a token over MaxTokenLen or an ID that
// fails ValidID.
func TestHostileCookiesAreFreshSessionsAndSaveCleanly(t *testing.T) {
	forEachDriver(t, func(t *testing.T, d backends.Driver) {
		raw, clock := newStore(t, d)
		st, sp := watch(raw)
		a := newApp(t, st, session.Config{Now: clock.Now})
		bystander := &browser{a: a}
		var liveID string
		bystander.do(func(_ http.ResponseWriter, _ *http.Request, id string, data map[string]any) {
			liveID = id
			data["user"] = "bystander"
		})
		inputs := hostileCookies()
		for _, name := range sortedKeys(inputs) {
			v := inputs[name]
			t.Run(name, func(t *testing.T) { expectFresh(t, a, header(v), v, []string{liveID}) })
		}
		// The same values, each also as the second of two session cookies
		// behind a garbage first one, and URL-quoted.
		for _, name := range []string{"CR LF header injection", "NUL", "1MB", "../../x"} {
			v := inputs[name]
			t.Run("quoted "+name, func(t *testing.T) { expectFresh(t, a, cookieName+`="`+v+`"`, v, []string{liveID}) })
			t.Run("second cookie "+name, func(t *testing.T) {
				expectFresh(t, a, header("..")+"; "+header(v), v, []string{liveID})
			})
		}
		if n := sp.longestToken.Load(); n > session.MaxTokenLen {
			t.Errorf("the store was handed a %d-byte token (MaxTokenLen is %d)", n, session.MaxTokenLen)
		}
		if n := sp.badIDs.Load(); n != 0 {
			t.Errorf("the store was handed %d IDs that fail ValidID", n)
		}
		bystander.do(func(_ http.ResponseWriter, _ *http.Request, id string, data map[string]any) {
			if id != liveID || data["user"] != "bystander" {
				t.Errorf("the live session changed: %q %v", id, data)
			}
		})
	})
}

// TestHostileSealedCookies: for the cookie driver, a real sealed cookie cut
// at every length, with every single bit flipped, sealed for another cookie
// name, or sealed under a secret since removed from the rotation, is a
// fresh session through the manager, never an error.
func TestHostileSealedCookies(t *testing.T) {
	secret, other := []byte(randomSecret()), []byte(randomSecret())
	newCookieApp := func(t *testing.T, name string, secret []byte, previous ...[]byte) (*app, *spy) {
		cs, err := cookiestore.New(cookiestore.Options{Secret: secret, PreviousSecrets: previous, CookieName: name})
		if err != nil {
			t.Fatal(err)
		}
		st, sp := watch(cs)
		return newApp(t, st, session.Config{CookieName: name}), sp
	}
	seal := func(t *testing.T, a *app) (string, string) {
		t.Helper()
		var id string
		w := a.serve(context.Background(), "", func(_ http.ResponseWriter, _ *http.Request, sid string, data map[string]any) {
			id = sid
			data["user_id"] = uint(42)
			data["role"] = "admin"
		})
		for _, line := range w.Header().Values("Set-Cookie") {
			if c, err := http.ParseSetCookie(line); err == nil && c.Name == a.m.Config().CookieName {
				return c.Value, id
			}
		}
		t.Fatalf("no cookie sealed: %v", w.Header())
		return "", ""
	}

	a, sp := newCookieApp(t, cookieName, secret)
	tok, liveID := seal(t, a)
	if id, data, err := a.start(header(tok)); err != nil || id != liveID || data["role"] != "admin" {
		t.Fatalf("the sealed cookie does not open: %q %v %v", id, data, err)
	}
	live := []string{liveID}
	check := func(t *testing.T, what, v string) {
		t.Helper()
		id, data, err := a.start(header(v))
		if err != nil || len(data) != 0 || !store.ValidID(id) || id == liveID {
			t.Errorf("%s: Start = %q, %v, %v; want a fresh session", what, id, data, err)
		}
	}

	t.Run("truncated", func(t *testing.T) {
		for n := 0; n < len(tok); n++ {
			check(t, fmt.Sprintf("cut to %d characters", n), tok[:n])
			check(t, fmt.Sprintf("first %d characters removed", n), tok[n+1:])
		}
		rawTok, err := store.Encoding.DecodeString(tok)
		if err != nil {
			t.Fatal(err)
		}
		for n := 0; n < len(rawTok); n++ {
			check(t, fmt.Sprintf("cut to %d bytes", n), store.Encoding.EncodeToString(rawTok[:n]))
		}
		expectFresh(t, a, header(tok[:len(tok)/2]), tok[:len(tok)/2], live)
	})
	t.Run("bit flips", func(t *testing.T) {
		rawTok, err := store.Encoding.DecodeString(tok)
		if err != nil {
			t.Fatal(err)
		}
		for i := range rawTok {
			for bit := range 8 {
				b := slices.Clone(rawTok)
				b[i] ^= 1 << bit
				check(t, fmt.Sprintf("byte %d bit %d flipped", i, bit), store.Encoding.EncodeToString(b))
			}
		}
		// One flipped cookie through the middleware, with a Save after it.
		b := slices.Clone(rawTok)
		b[len(b)/2] ^= 1
		v := store.Encoding.EncodeToString(b)
		expectFresh(t, a, header(v), v, live)
	})
	t.Run("other cookie name", func(t *testing.T) {
		admin, _ := newCookieApp(t, "admin_session", secret)
		v, _ := seal(t, admin)
		check(t, "sealed for admin_session", v)
		expectFresh(t, a, header(v), v, live)
	})
	t.Run("removed secret", func(t *testing.T) {
		old, _ := newCookieApp(t, cookieName, other)
		v, oldID := seal(t, old)
		rotating, _ := newCookieApp(t, cookieName, secret, other)
		if id, _, err := rotating.start(header(v)); err != nil || id != oldID {
			t.Fatalf("during the rotation the old secret's cookie does not open: %q %v", id, err)
		}
		// a knows only secret: other was removed.
		check(t, "sealed under a removed secret", v)
		expectFresh(t, a, header(v), v, live)
	})
	if n := sp.longestToken.Load(); n > session.MaxTokenLen {
		t.Errorf("the store was handed a %d-byte token", n)
	}
}
