package middleware_test

import (
	"fmt"
	"net/url"
	"testing"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/seed-699a33a2/session"
	"github.com/seed-699a33a2/session/internal/backends"
	"github.com/seed-699a33a2/session/internal/mapid"
	"github.com/seed-699a33a2/session/middleware"
	"github.com/seed-699a33a2/session/store/storetest"
)

// TestTwoManagersNestedInGin: two SessionWith, each with its own manager
// and cookie, each save their own session; "session" and "session_id" are
// the first installed manager's, DataFor and IDFor reach either.
func TestTwoManagersNestedInGin(t *testing.T) {
	for _, d := range backends.All(secret, session.DefaultCookieName) {
		t.Run(d.Name, func(t *testing.T) {
			clock := storetest.NewClock(time.Now())
			main, err := session.New(d.New(t, clock.Now), session.Config{Now: clock.Now})
			if err != nil {
				t.Fatal(err)
			}
			cart, err := session.New(d.New(t, clock.Now), session.Config{Now: clock.Now, CookieName: "cart"})
			if err != nil {
				t.Fatal(err)
			}
			r := gin.New()
			r.Use(middleware.SessionWith(main), middleware.SessionWith(cart))
			r.GET("/", func(c *gin.Context) {
				data := c.MustGet("session").(map[string]any)
				if id := c.GetString("session_id"); id != middleware.IDFor(c, main) || id == middleware.IDFor(c, cart) {
					c.String(500, "session_id is not the first manager's")
					return
				}
				if middleware.Manager(c) != main {
					c.String(500, "session_manager is not the first manager")
					return
				}
				if !mapid.Same(data, middleware.DataFor(c, main)) || !mapid.Same(middleware.Data(c), data) {
					c.String(500, "session is not the first manager's map")
					return
				}
				cartData := middleware.DataFor(c, cart)
				if cartData == nil || mapid.Same(cartData, data) {
					c.String(500, "DataFor(cart) is not the cart's map")
					return
				}
				n, _ := data["n"].(int)
				data["n"] = n + 1
				items, _ := cartData["items"].(int)
				cartData["items"] = items + 2
				c.String(200, "n=%d items=%d", n+1, items+2)
			})
			c := newClient(t, r)
			for i := 1; i <= 3; i++ {
				_, body := c.do("GET", "/")
				if want := fmt.Sprintf("n=%d items=%d", i, 2*i); body != want {
					t.Fatalf("request %d: %q, want %q", i, body, want)
				}
			}
			u, _ := url.Parse(c.srv.URL)
			names := map[string]bool{}
			for _, ck := range c.c.Jar.Cookies(u) {
				names[ck.Name] = true
			}
			if !names[session.DefaultCookieName] || !names["cart"] {
				t.Fatalf("cookies %v, want both managers'", names)
			}
		})
	}
}
