package session_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/seed-699a33a2/session"
	"github.com/seed-699a33a2/session/internal/backends"
	"github.com/seed-699a33a2/session/store/storetest"
)

// device is one browser of a user.
type device struct {
	cookie string
	ua     string
}

func (d *device) do(t *testing.T, m *session.Manager, fn func(w http.ResponseWriter, r *http.Request)) {
	t.Helper()
	r := httptest.NewRequest("POST", "/", nil)
	r.RemoteAddr = "203.0.113.7:4242"
	r.Header.Set("User-Agent", d.ua)
	if d.cookie != "" {
		r.AddCookie(&http.Cookie{Name: m.Config().CookieName, Value: d.cookie})
	}
	w := httptest.NewRecorder()
	m.Middleware(http.HandlerFunc(fn)).ServeHTTP(w, r)
	for _, c := range w.Result().Cookies() {
		if c.Name == m.Config().CookieName {
			d.cookie = c.Value
		}
	}
}

func (d *device) user(t *testing.T, m *session.Manager) string {
	var u string
	d.do(t, m, func(w http.ResponseWriter, r *http.Request) {
		_, data, _ := m.Start(r)
		u = session.UserID(data)
	})
	return u
}

func TestUserSessions(t *testing.T) {
	forEachDriver(t, func(t *testing.T, d backends.Driver) {
		clock := storetest.NewClock(timeNow(d))
		m := newManager(t, d.New(t, clock.Now), session.Config{Now: clock.Now})
		ctx := context.Background()
		if d.ClientSide {
			if _, err := m.UserSessions(ctx, "alice"); !errors.Is(err, session.ErrNoUserIndex) {
				t.Fatalf("cookie driver: %v, want ErrNoUserIndex", err)
			}
			return
		}
		login := func(dev *device, user string) string {
			var id string
			dev.do(t, m, func(w http.ResponseWriter, r *http.Request) {
				var err error
				if id, err = m.Login(w, r, user); err != nil {
					t.Fatal(err)
				}
			})
			return id
		}
		laptop, phone, tablet, bobs := &device{ua: "Laptop/1.0"}, &device{ua: "Phone/2.0"}, &device{ua: "Tablet/3.0"}, &device{ua: "Bob/1.0"}
		laptopID := login(laptop, "alice")
		login(phone, "alice")
		login(tablet, "alice")
		login(bobs, "bob")

		list, err := m.UserSessions(ctx, "alice")
		if err != nil || len(list) != 3 {
			t.Fatalf("alice's sessions: %d, %v", len(list), err)
		}
		agents := ""
		for _, s := range list {
			agents += s.UserAgent + " "
			if s.IPAddress != "203.0.113.7" || s.Created.IsZero() || s.Expires.IsZero() || strings.Contains(s.Handle, laptopID) {
				t.Errorf("session info %+v", s)
			}
		}
		for _, ua := range []string{"Laptop/1.0", "Phone/2.0", "Tablet/3.0"} {
			if !strings.Contains(agents, ua) {
				t.Errorf("user agent %s not listed: %s", ua, agents)
			}
		}

		// Log out other devices: the laptop stays.
		n, err := m.EndUserSessions(ctx, "alice", laptopID)
		if err != nil || n != 2 {
			t.Fatalf("EndUserSessions = %d, %v", n, err)
		}
		if laptop.user(t, m) != "alice" || phone.user(t, m) != "" || tablet.user(t, m) != "" {
			t.Fatal("other devices still signed in, or this one signed out")
		}
		if bobs.user(t, m) != "bob" {
			t.Fatal("another user's session ended")
		}
		// Sign out one device by handle.
		if err := m.EndUserSession(ctx, "alice", session.Handle(laptopID)); err != nil {
			t.Fatal(err)
		}
		if laptop.user(t, m) != "" {
			t.Fatal("ended session still signed in")
		}
		if list, _ := m.UserSessions(ctx, "alice"); len(list) != 0 {
			t.Fatalf("alice still has %d sessions", len(list))
		}
	})
}

// TestClearingASignedInSessionLeavesItsUsersIndex: a save whose user
// binding became empty (the map cleared after Login) removes the session
// from its former user's sessions; a new Login ties it to the new user only.
func TestClearingASignedInSessionLeavesItsUsersIndex(t *testing.T) {
	forEachDriver(t, func(t *testing.T, d backends.Driver) {
		if d.ClientSide {
			t.Skip("the cookie driver keeps no index (ErrNoUserIndex)")
		}
		clock := storetest.NewClock(timeNow(d))
		m := newManager(t, d.New(t, clock.Now), session.Config{Now: clock.Now})
		ctx := context.Background()
		count := func(user string) int {
			t.Helper()
			list, err := m.UserSessions(ctx, user)
			if err != nil {
				t.Fatal(err)
			}
			return len(list)
		}
		dev := &device{ua: "Laptop/1.0"}
		dev.do(t, m, func(w http.ResponseWriter, r *http.Request) {
			if _, err := m.Login(w, r, "alice"); err != nil {
				t.Fatal(err)
			}
		})
		if count("alice") != 1 {
			t.Fatal("Login did not index the session")
		}
		dev.do(t, m, func(w http.ResponseWriter, r *http.Request) {
			_, data, _ := m.Start(r)
			clear(data)
			data["theme"] = "dark"
		})
		if n := count("alice"); n != 0 {
			t.Fatalf("after the clear alice still has %d sessions", n)
		}
		if dev.user(t, m) != "" {
			t.Fatal("the cleared session is still signed in")
		}
		dev.do(t, m, func(w http.ResponseWriter, r *http.Request) {
			if _, err := m.Login(w, r, "bob"); err != nil {
				t.Fatal(err)
			}
		})
		if count("alice") != 0 || count("bob") != 1 {
			t.Fatalf("after bob's sign-in: alice %d, bob %d", count("alice"), count("bob"))
		}
	})
}
