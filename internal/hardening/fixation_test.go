package hardening_test

import (
	"net/http"
	"testing"

	"github.com/seed-699a33a2/session"
	"github.com/seed-699a33a2/session/internal/backends"
	"github.com/seed-699a33a2/session/store"
)

// signIn is the handler of a sign-in route as the README and the demo
// write it: regenerate the ID, then mark the session as signed in.
func signIn(t *testing.T, a *app, user string, newID *string) handlerFunc {
	return func(w http.ResponseWriter, _ *http.Request, id string, data map[string]any) {
		nid, err := a.m.Regenerate(w, id, data)
		if err != nil {
			t.Errorf("Regenerate: %v", err)
			return
		}
		data["user"] = user
		*newID = nid
	}
}

// TestFixationObtainedCookieDiesAtSignIn: an attacker gets a real
// pre-login session (with a cart) and plants its cookie in the victim's
// browser. The victim signs in through a handler that calls Regenerate:
// the victim's ID changes, and the attacker's cookie opens nothing
// afterwards, neither the victim's sign-in nor the old cart. The cookie
// driver cannot revoke a sealed cookie: there the new cookie differs and the
// old one never carries the sign-in, which the test shows and logs.
func TestFixationObtainedCookieDiesAtSignIn(t *testing.T) {
	forEachDriver(t, func(t *testing.T, d backends.Driver) {
		st, clock := newStore(t, d)
		a := newApp(t, st, session.Config{Now: clock.Now})

		attacker := &browser{a: a}
		var preID string
		attacker.do(func(_ http.ResponseWriter, _ *http.Request, id string, data map[string]any) {
			preID = id
			data["cart"] = []string{"book"}
		})
		stolen := attacker.cookie
		if stolen == "" {
			t.Fatal("the pre-login request set no cookie")
		}

		victim := &browser{a: a, cookie: stolen}
		victim.do(func(_ http.ResponseWriter, _ *http.Request, id string, data map[string]any) {
			if id != preID {
				t.Fatalf("the planted cookie did not open its session: %q, want %q", id, preID)
			}
		})
		var newID string
		victim.do(signIn(t, a, "victim", &newID))
		if newID == preID || !store.ValidID(newID) {
			t.Fatalf("ID after sign-in = %q, pre-login ID %q", newID, preID)
		}
		if victim.cookie == stolen || victim.cookie == "" {
			t.Fatalf("the sign-in response did not replace the planted cookie")
		}
		victim.do(func(_ http.ResponseWriter, _ *http.Request, id string, data map[string]any) {
			if id != newID || data["user"] != "victim" {
				t.Errorf("victim after sign-in: id %q data %v, want id %q signed in", id, data, newID)
			}
		})

		attacker.cookie = stolen
		attacker.do(func(_ http.ResponseWriter, _ *http.Request, id string, data map[string]any) {
			if id == newID || data["user"] != nil {
				t.Errorf("the attacker's cookie reaches the signed-in session: id %q data %v", id, data)
			}
			if d.ClientSide {
				t.Logf("cookie driver: the stolen pre-login cookie still opens its own sealed snapshot until it expires (id %q, cart %v); it cannot be revoked (README), but it never carries the sign-in", id, data["cart"])
				return
			}
			if id == preID || len(data) != 0 {
				t.Errorf("after the victim's sign-in the attacker's cookie opens id %q data %v, want a fresh empty session", id, data)
			}
		})
	})
}

// TestFixationChosenIDIsNeverAdopted: an attacker plants an ID of their
// own choosing (well-formed, never issued); the victim browses, then signs
// in. The victim never gets the planted ID, and the attacker's cookie opens
// nothing.
func TestFixationChosenIDIsNeverAdopted(t *testing.T) {
	forEachDriver(t, func(t *testing.T, d backends.Driver) {
		st, clock := newStore(t, d)
		a := newApp(t, st, session.Config{Now: clock.Now})
		planted := store.NewID()
		victim := &browser{a: a, cookie: planted}
		victim.do(func(_ http.ResponseWriter, _ *http.Request, id string, data map[string]any) {
			if id == planted {
				t.Errorf("the planted ID was adopted")
			}
			data["cart"] = []string{"book"}
		})
		var newID string
		victim.do(signIn(t, a, "victim", &newID))
		if newID == planted || victim.cookie == planted {
			t.Fatalf("the planted ID survived sign-in")
		}
		id, data, err := a.start(header(planted))
		if err != nil || id == planted || id == newID || len(data) != 0 {
			t.Errorf("the planted cookie opens id %q data %v err %v", id, data, err)
		}
	})
}
