package session_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/seed-699a33a2/session"
	"github.com/seed-699a33a2/session/internal/backends"
	"github.com/seed-699a33a2/session/store/storetest"
)

// TestLateChangeIsLoggedOnceWithItsKeys: a change to the session after
// the response started cannot be saved; it is logged once per request at
// Warn, naming the keys and never a value or an ID, and reported as a
// StoreEvent with ErrLateChange.
func TestLateChangeIsLoggedOnceWithItsKeys(t *testing.T) {
	forEachDriver(t, func(t *testing.T, d backends.Driver) {
		clock := storetest.NewClock(timeNow(d))
		var logs bytes.Buffer
		var mu sync.Mutex
		var events []session.StoreEvent
		m := newManager(t, d.New(t, clock.Now), session.Config{
			Now:    clock.Now,
			Logger: slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
			OnStoreEvent: func(_ context.Context, e session.StoreEvent) {
				mu.Lock()
				events = append(events, e)
				mu.Unlock()
			},
		})
		var id string
		h := m.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			var data map[string]any
			id, data, _ = m.Start(r)
			switch r.URL.Path {
			case "/late":
				fmt.Fprint(w, "body first")
				data["visits"] = 1
				data["token"] = "do-not-log-this-value"
				if err := m.Save(w, id, data); !errors.Is(err, session.ErrHeadersWritten) {
					t.Errorf("Save after the body: %v, want ErrHeadersWritten", err)
				}
				data["visits"] = 98765
			case "/early":
				data["visits"] = 1
				fmt.Fprint(w, "saved before the body")
			case "/read":
				fmt.Fprint(w, data["visits"])
			}
		}))
		c := newClient(t, h)
		c.get("/late")
		lateEvents := func() (n int) {
			mu.Lock()
			defer mu.Unlock()
			for _, e := range events {
				if e.Op == "late_change" {
					n++
					if !errors.Is(e.Err, session.ErrLateChange) || e.Duration != 0 {
						t.Errorf("late_change event %+v", e)
					}
				}
			}
			return n
		}
		if n := lateEvents(); n != 1 {
			t.Fatalf("%d late_change events, want 1", n)
		}
		out := logs.String()
		if n := strings.Count(out, "level=WARN"); n != 1 {
			t.Fatalf("%d warnings, want 1:\n%s", n, out)
		}
		if !strings.Contains(out, "token") || !strings.Contains(out, "visits") {
			t.Errorf("the warning does not name the keys:\n%s", out)
		}
		if strings.Contains(out, "do-not-log-this-value") || strings.Contains(out, id) || strings.Contains(out, "98765") {
			t.Errorf("the warning holds a value or the ID:\n%s", out)
		}
		if r := c.get("/read"); r.body != "<nil>" {
			t.Fatalf("the late change was saved after all: %q", r.body)
		}

		// A change before the first byte is no late change.
		logs.Reset()
		c.get("/early")
		if r := c.get("/read"); r.body != "1" || lateEvents() != 1 || strings.Contains(logs.String(), "level=WARN") {
			t.Fatalf("an early change: read %q, %d late events, logs:\n%s", r.body, lateEvents(), logs.String())
		}
	})
}

// TestLateChangeCheckCostsNoAllocation: a request whose handler changes
// nothing after the body pays no allocation for the check.
func TestLateChangeCheckCostsNoAllocation(t *testing.T) {
	m := newManager(t, memStore(t), session.Config{})
	b := newBrowser(t, m)
	b.request(func(_ string, data map[string]any, _ http.ResponseWriter) {
		data["user"], data["roles"] = uint(7), []string{"admin"}
	})
	body := func(write bool) http.Handler {
		return m.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			_, data, _ := m.Start(r)
			_ = data["user"]
			if write {
				w.WriteHeader(200)
			}
		}))
	}
	measure := func(h http.Handler) float64 {
		r := httptest.NewRequest("GET", "/", nil)
		r.AddCookie(&http.Cookie{Name: session.DefaultCookieName, Value: b.cookie})
		return testing.AllocsPerRun(200, func() { h.ServeHTTP(discard{}, r) })
	}
	without, with := measure(body(false)), measure(body(true))
	if with > without {
		t.Fatalf("a response written before the handler returned costs %v allocations, one committed after %v: the late-change check allocates", with, without)
	}
}

// discard is a ResponseWriter that keeps nothing but a reusable header.
type discard struct{}

var discardHeader = http.Header{}

func (discard) Header() http.Header {
	clear(discardHeader)
	return discardHeader
}
func (discard) Write(p []byte) (int, error) { return len(p), nil }
func (discard) WriteHeader(int)             {}
