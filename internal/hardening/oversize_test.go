package hardening_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/seed-699a33a2/session"
	"github.com/seed-699a33a2/session/internal/backends"
)

// TestOversizedSessionIsASaveErrorOnEveryDriver: with Config.MaxDataSize
// set small, a Save over it fails with an error matching ErrTooLarge,
// stores nothing (the store is not called, the raw store stays empty or
// keeps the previous version) and sends no Set-Cookie; through the
// middleware the error handler answers. A session that grows over the limit
// keeps its last good version.
func TestOversizedSessionIsASaveErrorOnEveryDriver(t *testing.T) {
	const limit = 256
	forEachDriver(t, func(t *testing.T, d backends.Driver) {
		raw, clock := newStore(t, d)
		st, sp := watch(raw)
		a := newApp(t, st, session.Config{Now: clock.Now, MaxDataSize: limit})
		big := strings.Repeat("x", limit+1)

		// A new session, outside the middleware.
		id, data, err := a.start("")
		if err != nil {
			t.Fatal(err)
		}
		data["blob"] = big
		w := httptest.NewRecorder()
		err = a.m.Save(w, id, data)
		if !errors.Is(err, session.ErrTooLarge) {
			t.Fatalf("Save of %d bytes with MaxDataSize %d = %v, want ErrTooLarge", len(big), limit, err)
		}
		if c := w.Header().Values("Set-Cookie"); len(c) != 0 {
			t.Errorf("a failed Save sent Set-Cookie %v", c)
		}
		if n := sp.saves.Load(); n != 0 {
			t.Errorf("the store was asked to save %d times", n)
		}
		if d.ServerSide {
			if got := rawStore(t, raw); len(got) != 0 {
				t.Errorf("the store holds %d artifacts after a refused Save", len(got))
			}
		}

		// Through the middleware: the error handler answers, no cookie.
		w = a.serve(t.Context(), "", func(_ http.ResponseWriter, _ *http.Request, _ string, data map[string]any) {
			data["blob"] = big
		})
		if w.Code != http.StatusInternalServerError || !errors.Is(a.err(), session.ErrTooLarge) {
			t.Errorf("middleware: status %d, error %v; want the error handler's 500 with ErrTooLarge", w.Code, a.err())
		}
		if c := sessionCookies(w.Header()); len(c) != 0 {
			t.Errorf("middleware sent Set-Cookie %v for a session it did not store", w.Header().Values("Set-Cookie"))
		}

		// A stored session that grows over the limit keeps its last version.
		b := &browser{a: a}
		b.do(func(_ http.ResponseWriter, _ *http.Request, _ string, data map[string]any) { data["small"] = "ok" })
		good := b.cookie
		saves := sp.saves.Load()
		w = a.serve(t.Context(), header(good), func(_ http.ResponseWriter, _ *http.Request, _ string, data map[string]any) {
			data["blob"] = big
		})
		if w.Code != http.StatusInternalServerError || len(sessionCookies(w.Header())) != 0 {
			t.Errorf("growing over the limit: status %d, Set-Cookie %v", w.Code, w.Header().Values("Set-Cookie"))
		}
		if sp.saves.Load() != saves {
			t.Errorf("the store was asked to save the oversized session")
		}
		_, data, err = a.start(header(good))
		if err != nil || data["small"] != "ok" || data["blob"] != nil {
			t.Errorf("after the refused Save the session is %v, %v; want its last good version", data, err)
		}
	})
}
