package session_test

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/seed-699a33a2/session"
	"github.com/seed-699a33a2/session/store"
)

func serve(m *session.Manager, h http.HandlerFunc, cookie string) *httptest.ResponseRecorder {
	r := httptest.NewRequest("GET", "/", nil)
	if cookie != "" {
		r.AddCookie(&http.Cookie{Name: m.Config().CookieName, Value: cookie})
	}
	w := httptest.NewRecorder()
	m.Middleware(h).ServeHTTP(w, r)
	return w
}

func cookieOf(t *testing.T, w *httptest.ResponseRecorder) string {
	t.Helper()
	for _, c := range w.Result().Cookies() {
		if c.Name == session.DefaultCookieName {
			return c.Value
		}
	}
	return ""
}

func TestMiddlewareCommitsBeforeFirstByte(t *testing.T) {
	cases := map[string]func(w http.ResponseWriter, r *http.Request){
		"Write":       func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "body") },
		"WriteHeader": func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusCreated) },
		"Redirect":    func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/next", http.StatusSeeOther) },
		"Flush":       func(w http.ResponseWriter, r *http.Request) { w.(http.Flusher).Flush() },
		"ResponseController": func(w http.ResponseWriter, r *http.Request) {
			if err := http.NewResponseController(w).Flush(); err != nil {
				panic(err)
			}
		},
		"ReadFrom": func(w http.ResponseWriter, r *http.Request) { io.Copy(w, strings.NewReader("body")) },
		"NoOutput": func(w http.ResponseWriter, r *http.Request) {},
	}
	for name, write := range cases {
		t.Run(name, func(t *testing.T) {
			st, calls := count(memStore(t))
			m := newManager(t, st, session.Config{})
			w := serve(m, func(w http.ResponseWriter, r *http.Request) {
				_, data, _ := m.Start(r)
				data["user"] = "ada"
				write(w, r)
				data["late"] = "after the first byte: not saved"
			}, "")
			if cookieOf(t, w) == "" {
				t.Fatalf("no session cookie; headers %v", w.Header())
			}
			if n := len(w.Header().Values("Set-Cookie")); n != 1 {
				t.Errorf("%d Set-Cookie headers", n)
			}
			if calls.saves.Load() != 1 {
				t.Errorf("saves = %d, want 1", calls.saves.Load())
			}
			if got := w.Header().Get("Vary"); got != "Cookie" {
				t.Errorf("Vary = %q", got)
			}
		})
	}
}

func TestMiddlewareStartReturnsSameMap(t *testing.T) {
	st, calls := count(memStore(t))
	m := newManager(t, st, session.Config{})
	serve(m, func(w http.ResponseWriter, r *http.Request) {
		id1, d1, _ := m.Start(r)
		id2, d2, _ := m.Start(r)
		id3, d3, ok := session.FromContext(r.Context())
		d1["x"] = 1
		if id1 != id2 || id1 != id3 || !ok || d2["x"] != 1 || d3["x"] != 1 {
			t.Errorf("Start inside the middleware returned another session")
		}
	}, "")
	if calls.loads.Load() != 0 {
		t.Errorf("loads = %d without a cookie", calls.loads.Load())
	}
}

func TestMiddlewareSaveThenLaterChanges(t *testing.T) {
	st, calls := count(memStore(t))
	m := newManager(t, st, session.Config{})
	w := serve(m, func(w http.ResponseWriter, r *http.Request) {
		id, data, _ := m.Start(r)
		data["a"] = 1
		if err := m.Save(w, id, data); err != nil {
			t.Fatal(err)
		}
		data["b"] = 2
	}, "")
	if calls.saves.Load() != 2 {
		t.Fatalf("saves = %d, want 2 (the handler's and the later change)", calls.saves.Load())
	}
	calls.saves.Store(0)
	serve(m, func(w http.ResponseWriter, r *http.Request) {
		id, data, _ := m.Start(r)
		if data["a"] != 1 || data["b"] != 2 {
			t.Errorf("loaded %v", data)
		}
		data["a"] = 1
		if err := m.Save(w, id, data); err != nil {
			t.Fatal(err)
		}
	}, cookieOf(t, w))
	if calls.saves.Load() != 0 {
		t.Fatalf("unchanged session saved %d times", calls.saves.Load())
	}
}

func TestMiddlewareSaveAfterHeadersIsAnError(t *testing.T) {
	m := newManager(t, memStore(t), session.Config{})
	serve(m, func(w http.ResponseWriter, r *http.Request) {
		id, data, _ := m.Start(r)
		io.WriteString(w, "hello")
		data["x"] = 1
		if err := m.Save(w, id, data); !errors.Is(err, session.ErrHeadersWritten) {
			t.Errorf("Save after the body: %v", err)
		}
		if _, err := m.Regenerate(w, id, data); !errors.Is(err, session.ErrHeadersWritten) {
			t.Errorf("Regenerate after the body: %v", err)
		}
		if err := m.Destroy(w, id); !errors.Is(err, session.ErrHeadersWritten) {
			t.Errorf("Destroy after the body: %v", err)
		}
	}, "")
}

func TestMiddlewareRegenerate(t *testing.T) {
	st, _ := count(memStore(t))
	m := newManager(t, st, session.Config{})
	first := serve(m, func(w http.ResponseWriter, r *http.Request) {
		_, data, _ := m.Start(r)
		data["cart"] = []string{"book"}
	}, "")
	old := cookieOf(t, first)
	var newID string
	w := serve(m, func(w http.ResponseWriter, r *http.Request) {
		id, data, _ := m.Start(r)
		var err error
		if newID, err = m.Regenerate(w, id, data); err != nil {
			t.Fatal(err)
		}
		if ctxID, _, _ := session.FromContext(r.Context()); ctxID != newID {
			t.Errorf("context ID not updated after Regenerate")
		}
		if again, _, _ := m.Start(r); again != newID {
			t.Errorf("Start ID not updated after Regenerate")
		}
		data["user"] = "ada" // goes to the new ID
	}, old)
	if n := len(w.Header().Values("Set-Cookie")); n != 1 {
		t.Fatalf("%d Set-Cookie headers", n)
	}
	if got := cookieOf(t, w); got != newID || got == old {
		t.Fatalf("cookie %q, want the new ID", got)
	}
	serve(m, func(w http.ResponseWriter, r *http.Request) {
		_, data, _ := m.Start(r)
		if len(data) != 0 {
			t.Errorf("old ID still loads %v", data)
		}
	}, old)
	serve(m, func(w http.ResponseWriter, r *http.Request) {
		_, data, _ := m.Start(r)
		if data["user"] != "ada" || fmt.Sprint(data["cart"]) != "[book]" {
			t.Errorf("new ID loads %v", data)
		}
	}, newID)
}

// TestFlaw09_DestroyLogsOut: in RapidGo's session package, the middleware's write-back
// after Destroy brought the destroyed session back.
func TestFlaw09_DestroyLogsOut(t *testing.T) {
	st, calls := count(memStore(t))
	m := newManager(t, st, session.Config{})
	login := serve(m, func(w http.ResponseWriter, r *http.Request) {
		_, data, _ := m.Start(r)
		data["user"] = "ada"
	}, "")
	old := cookieOf(t, login)

	t.Run("NothingWrittenAfter", func(t *testing.T) {
		calls.saves.Store(0)
		w := serve(m, func(w http.ResponseWriter, r *http.Request) {
			id, data, _ := m.Start(r)
			data["touched"] = true // changes made before Destroy are dropped with it
			if err := m.Destroy(w, id); err != nil {
				t.Fatal(err)
			}
		}, old)
		if calls.saves.Load() != 0 {
			t.Errorf("destroyed session written back (%d saves)", calls.saves.Load())
		}
		c := w.Result().Cookies()
		if len(c) != 1 || c[0].MaxAge >= 0 {
			t.Errorf("want one deletion cookie, got %v", w.Header().Values("Set-Cookie"))
		}
		serve(m, func(w http.ResponseWriter, r *http.Request) {
			_, data, _ := m.Start(r)
			if len(data) != 0 {
				t.Errorf("destroyed session loads: %v", data)
			}
		}, old)
	})
	t.Run("FlashAfterStartsNewSession", func(t *testing.T) {
		again := cookieOf(t, serve(m, func(w http.ResponseWriter, r *http.Request) {
			_, data, _ := m.Start(r)
			data["user"] = "ada"
		}, ""))
		w := serve(m, func(w http.ResponseWriter, r *http.Request) {
			id, _, _ := m.Start(r)
			if err := m.Destroy(w, id); err != nil {
				t.Fatal(err)
			}
			newID, data, _ := m.Start(r)
			if newID == id || len(data) != 0 {
				t.Errorf("after Destroy: same ID or data left %v", data)
			}
			m.Flash(data, "success", "Signed out.")
		}, again)
		fresh := cookieOf(t, w)
		if fresh == "" || fresh == again {
			t.Fatalf("cookie after destroy+flash = %q", fresh)
		}
		if n := len(w.Header().Values("Set-Cookie")); n != 1 {
			t.Errorf("%d Set-Cookie headers", n)
		}
		serve(m, func(w http.ResponseWriter, r *http.Request) {
			_, data, _ := m.Start(r)
			if v, _ := m.GetFlash(data, "success"); v != "Signed out." || data["user"] != nil {
				t.Errorf("new session: %v", data)
			}
		}, fresh)
	})
}

func TestMiddlewarePanicSavesNothing(t *testing.T) {
	st, calls := count(memStore(t))
	m := newManager(t, st, session.Config{})
	func() {
		defer func() { recover() }()
		serve(m, func(w http.ResponseWriter, r *http.Request) {
			_, data, _ := m.Start(r)
			data["x"] = 1
			panic("handler bug")
		}, "")
	}()
	if calls.saves.Load() != 0 {
		t.Fatalf("a panicking handler's session was saved")
	}
}

// TestFlaw10_StoreErrorsAreNotEmptySessions: RapidGo's session package swallowed read
// errors as "empty session" and ignored write errors.
func TestFlaw10_StoreErrorsAreNotEmptySessions(t *testing.T) {
	f := &failing{Store: memStore(t)}
	var logged strings.Builder
	m := newManager(t, f, session.Config{Logger: slog.New(slog.NewTextHandler(&logged, nil))})
	w := serve(m, func(w http.ResponseWriter, r *http.Request) {
		_, data, _ := m.Start(r)
		data["user"] = "ada"
	}, "")
	tok := cookieOf(t, w)
	f.setDown(true)

	r := httptest.NewRequest("GET", "/", nil)
	r.AddCookie(&http.Cookie{Name: session.DefaultCookieName, Value: tok})
	if _, data, err := m.Start(r); !errors.Is(err, session.ErrBackend) || data != nil {
		t.Fatalf("Start with the store down: data %v, err %v", data, err)
	}
	ran := false
	w = serve(m, func(w http.ResponseWriter, r *http.Request) { ran = true }, tok)
	if ran || w.Code != 500 || strings.Contains(w.Body.String(), "refused") {
		t.Fatalf("load failure: handler ran %v, status %d, body %q", ran, w.Code, w.Body.String())
	}
	if !strings.Contains(logged.String(), "refused") {
		t.Errorf("error not logged: %q", logged.String())
	}

	// Save failing at the first byte: the error handler answers instead.
	f.setDown(false)
	w = serve(m, func(w http.ResponseWriter, r *http.Request) {
		_, data, _ := m.Start(r)
		data["user"] = "grace"
		f.setDown(true)
		w.WriteHeader(http.StatusOK)
		io.WriteString(w, "secret page")
	}, tok)
	if w.Code != 500 || strings.Contains(w.Body.String(), "secret page") {
		t.Fatalf("save failure: status %d body %q", w.Code, w.Body.String())
	}
	// Save failing at the end of the handler.
	f.setDown(false)
	called := false
	m2 := newManager(t, f, session.Config{ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
		called = errors.Is(err, session.ErrBackend)
		w.WriteHeader(http.StatusServiceUnavailable)
	}})
	w = serve(m2, func(w http.ResponseWriter, r *http.Request) {
		_, data, _ := m2.Start(r)
		data["user"] = "lin"
		f.setDown(true)
	}, tok)
	if !called || w.Code != http.StatusServiceUnavailable {
		t.Fatalf("custom error handler: called %v, status %d", called, w.Code)
	}
}

func TestMiddlewareHijack(t *testing.T) {
	m := newManager(t, memStore(t), session.Config{})
	srv := httptest.NewServer(m.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, data, _ := m.Start(r)
		data["ws"] = true
		conn, rw, err := w.(http.Hijacker).Hijack()
		if err != nil {
			t.Errorf("Hijack: %v", err)
			return
		}
		defer conn.Close()
		rw.WriteString("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok")
		rw.Flush()
	})))
	defer srv.Close()
	conn, err := net.Dial("tcp", srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
	res, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil || res.StatusCode != 200 {
		t.Fatalf("hijacked response: %v %v", res, err)
	}
}

var _ = store.ErrNotFound

func TestMiddlewareTwiceLoadsAndSavesOnce(t *testing.T) {
	st, calls := count(memStore(t))
	m := newManager(t, st, session.Config{})
	h := m.Middleware(m.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, data, _ := m.Start(r)
		n, _ := data["n"].(int)
		data["n"] = n + 1
	})))
	first := httptest.NewRecorder()
	h.ServeHTTP(first, httptest.NewRequest("GET", "/", nil))
	r := httptest.NewRequest("GET", "/", nil)
	r.AddCookie(first.Result().Cookies()[0])
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	if calls.loads.Load() != 1 || calls.saves.Load() != 2 || len(w.Header().Values("Set-Cookie")) > 1 || len(w.Header().Values("Vary")) != 1 {
		t.Fatalf("loads %d, saves %d, headers %v", calls.loads.Load(), calls.saves.Load(), w.Header())
	}
}
