package session_test

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/seed-699a33a2/session"
	"github.com/seed-699a33a2/session/internal/backends"
	"github.com/seed-699a33a2/session/store/storetest"
)

// dump writes the session's ID and its keys (the library's own excepted)
// with their values, sorted: "id=... a=1 b=2".
func dump(w http.ResponseWriter, id string, data map[string]any) {
	var keys []string
	for k := range data {
		if !strings.HasPrefix(k, session.ReservedPrefix) {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	fmt.Fprintf(w, "id=%s", id)
	for _, k := range keys {
		fmt.Fprintf(w, " %s=%v", k, data[k])
	}
}

// mapApp is a small app on m's middleware: /set sets the query's keys,
// /clear empties the session with clear (or, with ?how=delete, by deleting
// each key while ranging), then sets the query's keys and a flash given
// as ?flash=; every response is the dump of the session as it ends.
func mapApp(m *session.Manager) http.Handler {
	mux := http.NewServeMux()
	set := func(r *http.Request, data map[string]any) {
		for k, v := range r.URL.Query() {
			if k != "how" && k != "flash" {
				data[k] = v[0]
			}
		}
		if f := r.URL.Query().Get("flash"); f != "" {
			m.Flash(data, "note", f)
		}
	}
	mux.HandleFunc("/set", func(w http.ResponseWriter, r *http.Request) {
		id, data, _ := m.Start(r)
		set(r, data)
		dump(w, id, data)
	})
	mux.HandleFunc("/clear", func(w http.ResponseWriter, r *http.Request) {
		id, data, _ := m.Start(r)
		if r.URL.Query().Get("how") == "delete" {
			for k := range data {
				delete(data, k)
			}
		} else {
			clear(data)
		}
		set(r, data)
		dump(w, id, data)
	})
	mux.HandleFunc("/show", func(w http.ResponseWriter, r *http.Request) {
		id, data, _ := m.Start(r)
		flash, _ := m.GetFlash(data, "note")
		dump(w, id, data)
		fmt.Fprintf(w, " flash=%v", flash)
	})
	return m.Middleware(mux)
}

// idOf returns the id= part of a dump.
func idOf(body string) string {
	id, _, _ := strings.Cut(strings.TrimPrefix(body, "id="), " ")
	return id
}

// TestClearInsideTheMiddleware: clear(data), or deleting every key while
// ranging, empties the session for good; the session keeps its ID and its
// cookie; what is set after the clear is stored, flashes included.
func TestClearInsideTheMiddleware(t *testing.T) {
	for _, how := range []string{"clear", "delete"} {
		t.Run(how, func(t *testing.T) {
			forEachDriver(t, func(t *testing.T, d backends.Driver) {
				clock := storetest.NewClock(timeNow(d))
				m := newManager(t, d.New(t, clock.Now), session.Config{Now: clock.Now})
				c := newClient(t, mapApp(m))
				name := m.Config().CookieName

				r := c.get("/set?a=1&b=2")
				id := idOf(r.body)
				if r := c.get("/show"); r.body != "id="+id+" a=1 b=2 flash=<nil>" {
					t.Fatalf("before the clear: %q", r.body)
				}
				// Emptied, nothing set after: the session stays, empty, under
				// its ID, and the browser keeps a cookie for it.
				if r := c.get("/clear?how=" + how); r.status != 200 || r.body != "id="+id {
					t.Fatalf("clear: %d %q", r.status, r.body)
				}
				if c.cookieValue(name) == "" {
					t.Fatal("the clear dropped the cookie")
				}
				if r := c.get("/show"); r.body != "id="+id+" flash=<nil>" {
					t.Fatalf("after the clear the old keys came back: %q", r.body)
				}
				// Values set after a clear are stored, a flash included.
				c.get("/set?a=1&b=2")
				if r := c.get("/clear?how=" + how + "&c=3&flash=emptied"); r.status != 200 {
					t.Fatalf("clear and set: %d %q", r.status, r.body)
				}
				if r := c.get("/show"); r.body != "id="+id+" c=3 flash=emptied" {
					t.Fatalf("after clear and set: %q", r.body)
				}
				if r := c.get("/show"); r.body != "id="+id+" c=3 flash=<nil>" {
					t.Fatalf("the flash set after a clear lived on: %q", r.body)
				}
			})
		})
	}
}

// TestClearKeepsAConcurrentRequestsAddition: a clear removes what this
// request loaded, not a key that a concurrent request added after this
// request's Start (the merge rule).
func TestClearKeepsAConcurrentRequestsAddition(t *testing.T) {
	mergingDrivers(t, func(t *testing.T, m *session.Manager) {
		c := newClient(t, mapApp(m))
		c.get("/set?a=1&b=2")
		cookie := &http.Cookie{Name: m.Config().CookieName, Value: c.cookieValue(m.Config().CookieName)}

		rec := aroundAnother(m, cookie, func() {
			if r := c.get("/set?x=added"); r.status != 200 {
				t.Errorf("concurrent request: %d %q", r.status, r.body)
			}
		}, func(data map[string]any) {
			clear(data)
			data["c"] = "3"
		})
		if rec.Code != 200 {
			t.Fatalf("clearing request: %d %q", rec.Code, rec.Body)
		}
		if r := c.get("/show"); !strings.HasSuffix(r.body, " c=3 x=added flash=<nil>") {
			t.Fatalf("after the clear: %q, want c=3 and the concurrent x=added only", r.body)
		}
	})
}

// TestClearOutsideTheMiddleware: with Start and Save called by hand, a map
// that lost the library's handle is the session's complete content: Save
// writes it over the record, and an empty one empties the session.
func TestClearOutsideTheMiddleware(t *testing.T) {
	for _, how := range []string{"clear", "delete"} {
		t.Run(how, func(t *testing.T) {
			forEachDriver(t, func(t *testing.T, d backends.Driver) {
				clock := storetest.NewClock(timeNow(d))
				m := newManager(t, d.New(t, clock.Now), session.Config{Now: clock.Now})
				empty := func(data map[string]any) {
					if how == "clear" {
						clear(data)
						return
					}
					for k := range data {
						delete(data, k)
					}
				}
				b := newBrowser(t, m)
				b.request(func(_ string, data map[string]any, _ http.ResponseWriter) { data["a"], data["b"] = 1, 2 })
				b.request(func(_ string, data map[string]any, _ http.ResponseWriter) { empty(data) })
				b.request(func(_ string, data map[string]any, _ http.ResponseWriter) {
					if len(data) != 0 {
						t.Fatalf("after emptying: %v", data)
					}
					data["a"], data["b"] = 1, 2
				})
				b.request(func(_ string, data map[string]any, _ http.ResponseWriter) {
					empty(data)
					data["c"] = 3
					m.Flash(data, "note", "emptied")
				})
				b.request(func(_ string, data map[string]any, _ http.ResponseWriter) {
					flash, _ := m.GetFlash(data, "note")
					if data["c"] != 3 || data["a"] != nil || data["b"] != nil || flash != "emptied" {
						t.Fatalf("after emptying and setting: %v, flash %v", data, flash)
					}
				})
			})
		})
	}
}

// TestUntouchedFreshSessionOutsideTheMiddlewareCostsOneDelete: a fresh
// map carries no handle, so Save takes it for the whole session, empty,
// and empties the session with one idempotent store call (and an expired
// cookie, which a browser without one ignores).
func TestUntouchedFreshSessionOutsideTheMiddlewareCostsOneDelete(t *testing.T) {
	st, calls := count(memStore(t))
	m := newManager(t, st, session.Config{})
	b := newBrowser(t, m)
	b.request(nil)
	if calls.loads.Load() != 0 || calls.saves.Load() != 0 || calls.deletes.Load() != 1 || b.cookie != "" {
		t.Fatalf("untouched fresh session: %d loads, %d saves, %d deletes, cookie %q; want one delete and no cookie",
			calls.loads.Load(), calls.saves.Load(), calls.deletes.Load(), b.cookie)
	}
}
