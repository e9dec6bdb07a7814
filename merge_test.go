package session_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/seed-699a33a2/session"
	"github.com/seed-699a33a2/session/internal/backends"
	"github.com/seed-699a33a2/session/store/storetest"
)

// inflight is one request that has started but not saved yet.
type inflight struct {
	id   string
	data map[string]interface{}
	w    *httptest.ResponseRecorder
}

func begin(t *testing.T, m *session.Manager, cookie string) inflight {
	t.Helper()
	r := httptest.NewRequest("GET", "/", nil)
	if cookie != "" {
		r.AddCookie(&http.Cookie{Name: m.Config().CookieName, Value: cookie})
	}
	id, data, err := m.Start(r)
	if err != nil {
		t.Fatal(err)
	}
	return inflight{id, data, httptest.NewRecorder()}
}

func (f inflight) save(t *testing.T, m *session.Manager) {
	t.Helper()
	if err := m.Save(f.w, f.id, f.data); err != nil {
		t.Fatalf("Save: %v", err)
	}
}

func mergingDrivers(t *testing.T, fn func(t *testing.T, m *session.Manager)) {
	forEachDriver(t, func(t *testing.T, d backends.Driver) {
		if d.ClientSide {
			t.Skip("the cookie driver cannot merge: the client holds the state, last writer wins (documented)")
		}
		clock := storetest.NewClock(timeNow(d))
		fn(t, newManager(t, d.New(t, clock.Now), session.Config{Now: clock.Now}))
	})
}

func TestConcurrentRequestsLoseNothing(t *testing.T) {
	mergingDrivers(t, func(t *testing.T, m *session.Manager) {
		b := newBrowser(t, m)
		b.request(func(_ string, d map[string]interface{}, _ http.ResponseWriter) { d["x"] = "keep"; d["gone"] = "soon" })

		a, c := begin(t, m, b.cookie), begin(t, m, b.cookie)
		a.data["a"] = 1
		delete(a.data, "gone")
		a.save(t, m)
		c.data["c"] = 2 // c loaded "gone" and did not touch it
		c.save(t, m)
		if c.data["a"] != 1 || c.data["gone"] != nil {
			t.Errorf("the merged request's map was not brought up to date: %v", c.data)
		}
		b.request(func(_ string, d map[string]interface{}, _ http.ResponseWriter) {
			if d["a"] != 1 || d["c"] != 2 || d["x"] != "keep" {
				t.Errorf("lost update: %v", d)
			}
			if _, ok := d["gone"]; ok {
				t.Errorf("a key one request removed came back: %v", d)
			}
		})
	})
}

func TestConcurrentFlashReadIsNotBroughtBack(t *testing.T) {
	mergingDrivers(t, func(t *testing.T, m *session.Manager) {
		b := newBrowser(t, m)
		b.request(func(_ string, d map[string]interface{}, _ http.ResponseWriter) { m.Flash(d, "notice", "once") })
		reader, other := begin(t, m, b.cookie), begin(t, m, b.cookie)
		if v, ok := m.GetFlash(reader.data, "notice"); !ok || v != "once" {
			t.Fatalf("reader: %v %v", v, ok)
		}
		reader.save(t, m)
		other.data["unrelated"] = true
		other.save(t, m)
		b.request(func(_ string, d map[string]interface{}, _ http.ResponseWriter) {
			if v, ok := m.GetFlash(d, "notice"); ok {
				t.Errorf("flash shown twice: %v", v)
			}
			if d["unrelated"] != true {
				t.Errorf("the other request's change was lost: %v", d)
			}
		})
	})
}

func TestDestroyedSessionIsNotRecreatedByMerge(t *testing.T) {
	mergingDrivers(t, func(t *testing.T, m *session.Manager) {
		b := newBrowser(t, m)
		b.request(func(_ string, d map[string]interface{}, _ http.ResponseWriter) { d["user"] = "ada" })
		for _, end := range []string{"Destroy", "Regenerate"} {
			t.Run(end, func(t *testing.T) {
				nb := newBrowser(t, m)
				nb.request(func(_ string, d map[string]interface{}, _ http.ResponseWriter) { d["user"] = "ada" })
				old := nb.cookie
				ender, late := begin(t, m, old), begin(t, m, old)
				if end == "Destroy" {
					if err := m.Destroy(ender.w, ender.id); err != nil {
						t.Fatal(err)
					}
				} else if _, err := m.Regenerate(ender.w, ender.id, ender.data); err != nil {
					t.Fatal(err)
				}
				late.data["cart"] = "book"
				late.save(t, m)
				if c := late.w.Header().Values("Set-Cookie"); len(c) != 0 {
					t.Errorf("the late request sent %q, bringing the dead cookie back", c)
				}
				check := begin(t, m, old)
				if len(check.data) != 0 {
					t.Errorf("the %s session came back: %v", end, check.data)
				}
			})
		}
	})
}

// Test50ConcurrentRequestsEachSetOwnKey is the issue's own scenario, through
// the middleware, with real goroutines.
func Test50ConcurrentRequestsEachSetOwnKey(t *testing.T) {
	mergingDrivers(t, func(t *testing.T, m *session.Manager) {
		b := newBrowser(t, m)
		b.request(func(_ string, d map[string]interface{}, _ http.ResponseWriter) { d["start"] = true })
		h := m.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			_, data, _ := m.Start(r)
			data[r.URL.Query().Get("k")] = true
		}))
		var wg sync.WaitGroup
		for i := 0; i < 50; i++ {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				r := httptest.NewRequest("GET", fmt.Sprintf("/?k=key%02d", i), nil)
				r.AddCookie(&http.Cookie{Name: m.Config().CookieName, Value: b.cookie})
				w := httptest.NewRecorder()
				h.ServeHTTP(w, r)
				if w.Code != 200 {
					t.Errorf("request %d: %d %s", i, w.Code, w.Body.String())
				}
			}(i)
		}
		wg.Wait()
		b.request(func(_ string, d map[string]interface{}, _ http.ResponseWriter) {
			for i := 0; i < 50; i++ {
				if d[fmt.Sprintf("key%02d", i)] != true {
					t.Errorf("key%02d lost", i)
				}
			}
		})
	})
}
