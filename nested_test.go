package session_test

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/seed-699a33a2/session"
	"github.com/seed-699a33a2/session/internal/backends"
	"github.com/seed-699a33a2/session/internal/mapid"
	"github.com/seed-699a33a2/session/store/storetest"
)

// TestTwoManagersNestedEachSaveTheirOwn: two managers with their own
// cookies, one middleware inside the other, each load, track and save their
// own session; FromContext is the outer (first installed) one's, and
// FromContextFor reaches either; Start inside the middleware hands out the
// middleware's map without loading again.
func TestTwoManagersNestedEachSaveTheirOwn(t *testing.T) {
	forEachDriver(t, func(t *testing.T, d backends.Driver) {
		clock := storetest.NewClock(timeNow(d))
		mainStore, mainCalls := count(d.New(t, clock.Now))
		main := newManager(t, mainStore, session.Config{Now: clock.Now})
		cartStore, cartCalls := count(d.New(t, clock.Now))
		cart := newManager(t, cartStore, session.Config{Now: clock.Now, CookieName: "cart", Lifetime: 10 * time.Minute})

		h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			outerID, outer, ok := session.FromContext(r.Context())
			mainID, mainData, okMain := session.FromContextFor(r.Context(), main)
			cartID, cartData, okCart := session.FromContextFor(r.Context(), cart)
			if !ok || !okMain || !okCart {
				t.Errorf("FromContext: %v, FromContextFor(main): %v, FromContextFor(cart): %v", ok, okMain, okCart)
				return
			}
			startID, startData, err := main.Start(r)
			if err != nil || startID != mainID || !mapid.Same(startData, mainData) {
				t.Errorf("main.Start inside the middleware gave another session (err %v)", err)
			}
			if _, cd, _ := cart.Start(r); !mapid.Same(cd, cartData) {
				t.Error("cart.Start inside the middleware gave another session")
			}
			if outerID != mainID || !mapid.Same(outer, mainData) || cartID == mainID {
				t.Error("FromContext is not the outer manager's session")
			}
			n, _ := mainData["n"].(int)
			mainData["n"] = n + 1
			items, _ := cartData["items"].(int)
			cartData["items"] = items + 2
			fmt.Fprintf(w, "n=%d items=%d", n+1, items+2)
		})
		c := newClient(t, main.Middleware(cart.Middleware(h)))
		for i := 1; i <= 3; i++ {
			r := c.get("/")
			if want := fmt.Sprintf("n=%d items=%d", i, 2*i); r.body != want {
				t.Fatalf("request %d: %q, want %q", i, r.body, want)
			}
			if c.cookieValue(session.DefaultCookieName) == "" || c.cookieValue("cart") == "" {
				t.Fatalf("request %d: cookies main=%q cart=%q", i, c.cookieValue(session.DefaultCookieName), c.cookieValue("cart"))
			}
		}
		if l := mainCalls.loads.Load(); l != 2 {
			t.Errorf("main store loaded %d times in 3 requests, want 2 (none for the first)", l)
		}
		if l := cartCalls.loads.Load(); l != 2 {
			t.Errorf("cart store loaded %d times in 3 requests, want 2", l)
		}
	})
}
