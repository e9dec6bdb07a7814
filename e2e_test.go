package session_test

import (
	"net/url"
	"strings"
	"testing"

	"github.com/seed-699a33a2/session"
	"github.com/seed-699a33a2/session/internal/backends"
	"github.com/seed-699a33a2/session/store/storetest"
)

func TestEndToEnd(t *testing.T) {
	forEachDriver(t, func(t *testing.T, d backends.Driver) {
		clock := storetest.NewClock(timeNow(d))
		m := newManager(t, d.New(t, clock.Now), session.Config{Now: clock.Now})
		c := newClient(t, testApp(m))
		name := session.DefaultCookieName

		t.Run("SignInFlashOnce", func(t *testing.T) {
			if r := c.get("/"); !strings.Contains(r.body, "visits=1 user=0 flash=<nil>") {
				t.Fatalf("first visit: %q", r.body)
			}
			before := c.cookieValue(name)
			if before == "" {
				t.Fatal("visit counter did not set a cookie")
			}
			r := c.post("/login", nil)
			if r.status != 303 {
				t.Fatalf("login: status %d %q", r.status, r.body)
			}
			if n := len(r.header.Values("Set-Cookie")); n != 1 {
				t.Errorf("login sent %d Set-Cookie headers, want 1", n)
			}
			after := c.cookieValue(name)
			if after == before {
				t.Fatal("sign-in kept the cookie value: the ID was not regenerated")
			}
			if r := c.get("/"); !strings.Contains(r.body, "user=42 flash=Welcome back.") {
				t.Fatalf("after redirect: %q", r.body)
			}
			if r := c.get("/"); !strings.Contains(r.body, "user=42 flash=<nil>") {
				t.Fatalf("flash shown twice: %q", r.body)
			}
			if r := c.get("/private"); r.status != 200 {
				t.Fatalf("private page when signed in: %d", r.status)
			}
			// The pre-sign-in ID no longer opens anything.
			if !d.ClientSide {
				c.setCookie(name, before)
				if r := c.get("/peek"); !strings.Contains(r.body, "user=0") {
					t.Fatalf("old ID still loads after sign-in: %q", r.body)
				}
				c.setCookie(name, after)
			}
		})

		t.Run("FailedFormShowsInputAndErrorsOnce", func(t *testing.T) {
			form := url.Values{"name": {""}, "email": {"not-an-email"}, "password": {"hunter2"}}
			if r := c.post("/profile", form); r.status != 303 {
				t.Fatalf("post profile: %d", r.status)
			}
			r := c.get("/profile")
			want := `name="" email="not-an-email" password="" errors=email:Email is not valid.;name:Name is required.;`
			if r.body != want {
				t.Fatalf("profile after failed post:\n got %s\nwant %s", r.body, want)
			}
			if r := c.get("/profile"); r.body != `name="" email="" password="" errors=` {
				t.Fatalf("old input shown twice: %s", r.body)
			}
			form = url.Values{"name": {"Ada"}, "email": {"ada@example.com"}}
			c.post("/profile", form)
			if r := c.get("/"); !strings.Contains(r.body, "flash=Profile saved.") {
				t.Fatalf("success flash: %q", r.body)
			}
		})

		t.Run("SignOutLogsOut", func(t *testing.T) {
			before := c.cookieValue(name)
			r := c.post("/logout", nil)
			if n := len(r.header.Values("Set-Cookie")); n != 1 {
				t.Errorf("logout sent %d Set-Cookie headers, want 1: %q", n, r.header.Values("Set-Cookie"))
			}
			if r := c.get("/"); !strings.Contains(r.body, "user=0 flash=Signed out.") {
				t.Fatalf("after logout: %q", r.body)
			}
			if r := c.get("/private"); r.status != 403 {
				t.Fatalf("private page after logout: %d", r.status)
			}
			if !d.ClientSide {
				c.setCookie(name, before)
				if r := c.get("/private"); r.status != 403 {
					t.Fatalf("destroyed session's cookie still opens the private page: %d", r.status)
				}
			}
		})
	})
}
