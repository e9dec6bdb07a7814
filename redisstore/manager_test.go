package redisstore_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/seed-699a33a2/session"
)

// TestAChangeThroughTheManagerIsTwoRoundTrips counts what one request
// costs on the wire through the middleware: a read is one GET; a change of
// the loaded session is the GET and one write, a SET ... IFEQ where the
// server takes it (Valkey) and the compare-and-set script elsewhere.
func TestAChangeThroughTheManagerIsTwoRoundTrips(t *testing.T) {
	for _, b := range backends {
		if b.name == "Sentinel" {
			continue // a failover client is a *redis.Client, as Single
		}
		t.Run(b.name, func(t *testing.T) {
			write := "evalsha"
			if b.name == "Valkey" {
				write = "set"
			}
			c := b.client(t)
			s, _ := newStore(t, c)
			m := session.NewManager(s)
			h := &countingHook{}
			c.AddHook(h)
			var cookie *http.Cookie
			request := func(change func(map[string]any)) {
				t.Helper()
				req := httptest.NewRequest(http.MethodGet, "/", nil)
				if cookie != nil {
					req.AddCookie(cookie)
				}
				rec := httptest.NewRecorder()
				m.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					_, data, ok := session.FromContext(r.Context())
					if !ok {
						t.Fatal("no session in the request's context")
					}
					change(data)
					w.WriteHeader(http.StatusNoContent)
				})).ServeHTTP(rec, req)
				if rec.Code != http.StatusNoContent {
					t.Fatalf("status %d: %s", rec.Code, rec.Body)
				}
				for _, ck := range rec.Result().Cookies() {
					cookie = ck
				}
			}
			request(func(d map[string]any) { d["n"] = 1 })
			if cookie == nil {
				t.Fatal("no session cookie after the first request")
			}
			for round := range 3 { // the first round learns whether the server takes IFEQ
				for _, step := range []struct {
					name, want string
					change     func(map[string]any)
				}{
					{"read", "get", func(d map[string]any) { _ = d["n"] }},
					{"change", "get, " + write, func(d map[string]any) { d["n"] = round + 2 }},
				} {
					h.reset()
					request(step.change)
					if n, cmds := h.reset(); round > 0 && cmds != step.want {
						t.Errorf("round %d, %s: %d round trips (%s), want %s", round, step.name, n, cmds, step.want)
					}
				}
			}
		})
	}
}
