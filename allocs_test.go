package session_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/seed-699a33a2/session"
	"github.com/seed-699a33a2/session/internal/testenv"
)

// TestMemoryAllocationBudget: through the middleware on the memory store,
// with every guarantee on, a read of a five-key session (a number, a
// string, a list of strings, bytes and a flash) allocates at most 13 times
// more than the same request without the middleware, and a change of one
// key at most 18 times more: the allocation targets of bench/RESULTS.md,
// held here so that they cannot slip unnoticed.
func TestMemoryAllocationBudget(t *testing.T) {
	if testenv.Race {
		t.Skip("allocation counts differ under the race detector")
	}
	m := newManager(t, memStore(t), session.Config{})
	b := newBrowser(t, m)
	b.request(func(_ string, data map[string]any, _ http.ResponseWriter) {
		data["user_id"], data["name"] = uint(7), "Ada Lovelace"
		data["roles"], data["token"] = []string{"admin", "editor"}, make([]byte, 32)
		m.Flash(data, "notice", "Welcome back")
	})
	b.request(func(string, map[string]any, http.ResponseWriter) {}) // the flash ages once
	serve := func(h http.Handler) float64 {
		return testing.AllocsPerRun(200, func() {
			r := httptest.NewRequest(http.MethodGet, "/", nil)
			r.AddCookie(&http.Cookie{Name: session.DefaultCookieName, Value: b.cookie})
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			if w.Code != http.StatusOK {
				t.Fatalf("status %d: %s", w.Code, w.Body)
			}
		})
	}
	bare := serve(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte("ok")) }))
	n := uint(0)
	for _, c := range []struct {
		work string
		max  float64
		fn   func(map[string]any)
	}{
		{"read", 13, func(data map[string]any) { _ = data["name"].(string) }},
		{"change", 18, func(data map[string]any) { n++; data["user_id"] = n }},
	} {
		got := serve(m.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			_, data, err := m.Start(r)
			if err != nil {
				t.Fatal(err)
			}
			c.fn(data)
			_, _ = w.Write([]byte("ok"))
		})))
		t.Logf("%s: %v allocations, %v more than the bare request", c.work, got, got-bare)
		if got-bare > c.max {
			t.Errorf("a %s allocates %v times more than the bare request, want at most %v", c.work, got-bare, c.max)
		}
	}
}
