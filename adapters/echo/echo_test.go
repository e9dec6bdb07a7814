package sessionecho_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/labstack/echo/v4"

	"github.com/seed-699a33a2/session"
	sessionecho "github.com/seed-699a33a2/session/adapters/echo"
	"github.com/seed-699a33a2/session/cookiestore"
	"github.com/seed-699a33a2/session/internal/mapid"
	"github.com/seed-699a33a2/session/memstore"
	"github.com/seed-699a33a2/session/store"
)

const secret = "q8Jz3V0mX9pL2rT7wY5uN1cB6hG4kD8sA0fE3jR7tZ2yQ9vM"

// flakyStore wraps a real store, counts saves and fails on demand.
type flakyStore struct {
	store.Store
	saves    atomic.Int64
	failLoad atomic.Bool
	failSave atomic.Bool
}

var errDown = errors.New("backend down")

func (s *flakyStore) Load(ctx context.Context, token string) (store.Record, error) {
	if s.failLoad.Load() {
		return store.Record{}, fmt.Errorf("%w: %w", store.ErrBackend, errDown)
	}
	return s.Store.Load(ctx, token)
}

func (s *flakyStore) Save(ctx context.Context, r store.Record) (string, error) {
	if s.failSave.Load() {
		return "", fmt.Errorf("%w: %w", store.ErrBackend, errDown)
	}
	s.saves.Add(1)
	return s.Store.Save(ctx, r)
}

// drivers are the stores that need no server: one keeps sessions in
// memory, the other in the cookie itself.
func drivers(t *testing.T) map[string]func() store.Store {
	return map[string]func() store.Store{
		"memory": func() store.Store {
			s := memstore.New(memstore.Options{})
			t.Cleanup(func() { s.Close() })
			return s
		},
		"cookie": func() store.Store {
			s, err := cookiestore.New(cookiestore.Options{Secret: []byte(secret), CookieName: session.DefaultCookieName})
			if err != nil {
				t.Fatal(err)
			}
			return s
		},
	}
}

// app is an Echo application on the adapter, with the routes the tests
// drive.
func app(t *testing.T, m *session.Manager, st *flakyStore) *echo.Echo {
	e := echo.New()
	e.HideBanner = true
	e.Use(sessionecho.Session(m))
	e.GET("/", func(c echo.Context) error {
		data := sessionecho.Data(c)
		n, _ := data["visits"].(int)
		data["visits"] = n + 1
		msg, _ := m.GetFlash(data, "success")
		user, _ := data["user_id"].(uint)
		return c.String(http.StatusOK, fmt.Sprintf("visits=%d user=%d flash=%v", n+1, user, msg))
	})
	e.POST("/login", func(c echo.Context) error {
		data := sessionecho.Data(c)
		old := sessionecho.ID(c)
		if id, _, _ := m.Start(c.Request()); id != old {
			return c.String(http.StatusInternalServerError, "Start disagrees with the context")
		}
		newID, err := m.Regenerate(c.Response(), old, data)
		if err != nil {
			return err
		}
		if newID == old || sessionecho.ID(c) != newID || c.Get("session_id") != newID {
			return c.String(http.StatusInternalServerError, "session_id not updated")
		}
		if id, _, _ := session.FromContext(c.Request().Context()); id != newID {
			return c.String(http.StatusInternalServerError, "FromContext not updated")
		}
		data["user_id"] = uint(42)
		m.Flash(data, "success", "Welcome back.")
		return c.Redirect(http.StatusSeeOther, "/")
	})
	e.POST("/logout", func(c echo.Context) error {
		old := sessionecho.ID(c)
		if err := m.Destroy(c.Response(), old); err != nil {
			return err
		}
		if sessionecho.ID(c) == old {
			return c.String(http.StatusInternalServerError, "session_id not updated")
		}
		m.Flash(sessionecho.Data(c), "success", "Signed out.")
		return c.Redirect(http.StatusSeeOther, "/")
	})
	// Each /commit/* route changes the session, answers, and then checks
	// that the session was saved before the answer's first byte, and that
	// later changes are refused.
	commitRoute := func(path string, answer func(c echo.Context) error) {
		e.GET(path, func(c echo.Context) error {
			data := sessionecho.Data(c)
			data["via"] = path
			before := st.saves.Load()
			if err := answer(c); err != nil {
				return err
			}
			if st.saves.Load() != before+1 {
				t.Errorf("%s: the session was not saved before the first byte", path)
			}
			if err := m.Save(c.Response(), sessionecho.ID(c), data); !errors.Is(err, session.ErrHeadersWritten) {
				t.Errorf("%s: Save after the answer = %v, want ErrHeadersWritten", path, err)
			}
			return nil
		})
	}
	commitRoute("/commit/string", func(c echo.Context) error { return c.String(http.StatusOK, "ok") })
	commitRoute("/commit/redirect", func(c echo.Context) error { return c.Redirect(http.StatusFound, "/via") })
	commitRoute("/commit/nocontent", func(c echo.Context) error { return c.NoContent(http.StatusNoContent) })
	e.GET("/via", func(c echo.Context) error {
		return c.String(http.StatusOK, fmt.Sprintf("via=%v", sessionecho.Data(c)["via"]))
	})
	e.GET("/fail", func(c echo.Context) error {
		sessionecho.Data(c)["x"] = "y"
		return echo.NewHTTPError(http.StatusTeapot, "short and stout")
	})
	return e
}

type client struct {
	t   *testing.T
	srv *httptest.Server
	c   *http.Client
}

func newClient(t *testing.T, h http.Handler) *client {
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	jar, _ := cookiejar.New(nil)
	return &client{t, srv, &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

func (c *client) do(method, path string) (*http.Response, string) {
	c.t.Helper()
	req, _ := http.NewRequest(method, c.srv.URL+path, nil)
	res, err := c.c.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res, string(b)
}

func (c *client) cookie() string { return c.cookieNamed(session.DefaultCookieName) }

func (c *client) cookieNamed(name string) string {
	req, _ := http.NewRequest("GET", c.srv.URL, nil)
	for _, ck := range c.c.Jar.Cookies(req.URL) {
		if ck.Name == name {
			return ck.Value
		}
	}
	return ""
}

func setup(t *testing.T, newStore func() store.Store) (*client, *flakyStore) {
	st := &flakyStore{Store: newStore()}
	m, err := session.New(st, session.Config{})
	if err != nil {
		t.Fatal(err)
	}
	return newClient(t, app(t, m, st)), st
}

func TestEchoEndToEnd(t *testing.T) {
	for name, newStore := range drivers(t) {
		t.Run(name, func(t *testing.T) {
			c, _ := setup(t, newStore)

			// Visit counter.
			for i := 1; i <= 3; i++ {
				res, body := c.do("GET", "/")
				if want := fmt.Sprintf("visits=%d user=0 flash=<nil>", i); body != want {
					t.Fatalf("visit %d: %q, want %q", i, body, want)
				}
				if !strings.Contains(strings.Join(res.Header.Values("Vary"), ","), "Cookie") {
					t.Fatalf("Vary = %q", res.Header.Values("Vary"))
				}
			}

			// Regenerate: a new cookie, one Set-Cookie, the old ID dead.
			before := c.cookie()
			res, body := c.do("POST", "/login")
			if res.StatusCode != http.StatusSeeOther {
				t.Fatalf("login: %d %q", res.StatusCode, body)
			}
			if n := len(res.Header.Values("Set-Cookie")); n != 1 {
				t.Fatalf("login sent %d Set-Cookie headers: %q", n, res.Header.Values("Set-Cookie"))
			}
			if after := c.cookie(); after == "" || after == before {
				t.Fatal("login did not change the session cookie")
			}

			// The flash after the redirect shows once; the data moved along.
			if _, body := c.do("GET", "/"); body != "visits=4 user=42 flash=Welcome back." {
				t.Fatalf("after login: %q", body)
			}
			if _, body := c.do("GET", "/"); body != "visits=5 user=42 flash=<nil>" {
				t.Fatalf("flash shown twice: %q", body)
			}

			// Destroy, then a flash in a fresh, anonymous session.
			signedIn := c.cookie()
			res, _ = c.do("POST", "/logout")
			if res.StatusCode != http.StatusSeeOther {
				t.Fatalf("logout: %d", res.StatusCode)
			}
			if c.cookie() == signedIn || c.cookie() == "" {
				t.Fatal("logout kept the signed-in cookie")
			}
			if _, body := c.do("GET", "/"); body != "visits=1 user=0 flash=Signed out." {
				t.Fatalf("after logout: %q", body)
			}
			if _, body := c.do("GET", "/"); body != "visits=2 user=0 flash=<nil>" {
				t.Fatalf("after logout, again: %q", body)
			}
		})
	}
}

func TestOldIDIsDeadAfterRegenerate(t *testing.T) {
	c, _ := setup(t, drivers(t)["memory"])
	c.do("GET", "/")
	old := c.cookie()
	c.do("POST", "/login")
	// Replay the pre-login cookie: a fresh session, not the signed-in one.
	req, _ := http.NewRequest("GET", c.srv.URL+"/", nil)
	req.AddCookie(&http.Cookie{Name: session.DefaultCookieName, Value: old})
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if string(b) != "visits=1 user=0 flash=<nil>" {
		t.Fatalf("old ID still loads: %q", b)
	}
}

func TestCommitBeforeFirstByte(t *testing.T) {
	for name, newStore := range drivers(t) {
		t.Run(name, func(t *testing.T) {
			for _, tc := range []struct {
				path   string
				status int
			}{
				{"/commit/string", http.StatusOK},
				{"/commit/redirect", http.StatusFound},
				{"/commit/nocontent", http.StatusNoContent},
			} {
				c, _ := setup(t, newStore)
				res, _ := c.do("GET", tc.path)
				if res.StatusCode != tc.status {
					t.Fatalf("%s: status %d, want %d", tc.path, res.StatusCode, tc.status)
				}
				if len(res.Header.Values("Set-Cookie")) != 1 {
					t.Fatalf("%s: Set-Cookie %q", tc.path, res.Header.Values("Set-Cookie"))
				}
				if _, body := c.do("GET", "/via"); body != "via="+tc.path {
					t.Fatalf("%s: next request sees %q", tc.path, body)
				}
			}
		})
	}
}

func TestHandlerErrorStillSaves(t *testing.T) {
	c, _ := setup(t, drivers(t)["memory"])
	res, body := c.do("GET", "/fail")
	if res.StatusCode != http.StatusTeapot || !strings.Contains(body, "short and stout") {
		t.Fatalf("status %d, body %q", res.StatusCode, body)
	}
	if c.cookie() == "" {
		t.Fatal("the session changed before the error was not saved")
	}
}

func TestLoadFailure(t *testing.T) {
	st := &flakyStore{Store: memstore.New(memstore.Options{})}
	m, _ := session.New(st, session.Config{})
	e := echo.New()
	var status int
	var committed bool
	e.Use(func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			err := next(c)
			status, committed = c.Response().Status, c.Response().Committed
			return err
		}
	})
	e.Use(sessionecho.Session(m))
	ran := false
	e.GET("/", func(c echo.Context) error { ran = true; return c.String(http.StatusOK, "handler") })

	st.failLoad.Store(true)
	w := httptest.NewRecorder()
	req := httptest.NewRequest("GET", "/", nil)
	req.AddCookie(&http.Cookie{Name: session.DefaultCookieName, Value: store.NewID()})
	e.ServeHTTP(w, req)
	if ran || w.Code != http.StatusInternalServerError || strings.Contains(w.Body.String(), "down") {
		t.Fatalf("ran %v, status %d, body %q", ran, w.Code, w.Body.String())
	}
	if status != http.StatusInternalServerError || !committed {
		t.Fatalf("echo sees status %d, committed %v", status, committed)
	}
}

func TestSaveFailure(t *testing.T) {
	st := &flakyStore{Store: memstore.New(memstore.Options{})}
	m, _ := session.New(st, session.Config{})
	e := echo.New()
	var status int
	e.Use(func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			err := next(c)
			status = c.Response().Status
			return err
		}
	})
	e.Use(sessionecho.Session(m))
	e.GET("/write", func(c echo.Context) error {
		sessionecho.Data(c)["k"] = "v"
		return c.String(http.StatusOK, "handler body")
	})
	e.GET("/quiet", func(c echo.Context) error {
		sessionecho.Data(c)["k"] = "v"
		return nil
	})
	e.GET("/error", func(c echo.Context) error {
		sessionecho.Data(c)["k"] = "v"
		return echo.NewHTTPError(http.StatusTeapot)
	})

	st.failSave.Store(true)
	for _, path := range []string{"/write", "/quiet", "/error"} {
		w := httptest.NewRecorder()
		e.ServeHTTP(w, httptest.NewRequest("GET", path, nil))
		if w.Code != http.StatusInternalServerError || strings.Contains(w.Body.String(), "handler body") ||
			w.Header().Get("Set-Cookie") != "" {
			t.Fatalf("%s: status %d, body %q, Set-Cookie %q", path, w.Code, w.Body.String(), w.Header().Get("Set-Cookie"))
		}
		if status != http.StatusInternalServerError {
			t.Fatalf("%s: echo sees status %d", path, status)
		}
	}
}

func TestFlushAndHelpersOutside(t *testing.T) {
	m, _ := session.New(memstore.New(memstore.Options{}), session.Config{})
	e := echo.New()
	e.GET("/outside", func(c echo.Context) error {
		if sessionecho.Data(c) != nil || sessionecho.ID(c) != "" || sessionecho.Manager(c) != nil {
			return c.String(http.StatusInternalServerError, "helpers outside the middleware")
		}
		return c.String(http.StatusOK, "ok")
	})
	g := e.Group("", sessionecho.Session(m))
	g.GET("/stream", func(c echo.Context) error {
		if sessionecho.Manager(c) != m {
			return c.String(http.StatusInternalServerError, "no manager")
		}
		sessionecho.Data(c)["streamed"] = true
		c.Response().WriteHeader(http.StatusOK)
		c.Response().Flush()
		_, err := c.Response().Write([]byte("chunk"))
		return err
	})
	c := newClient(t, e)
	if res, body := c.do("GET", "/outside"); res.StatusCode != 200 {
		t.Fatalf("outside: %d %q", res.StatusCode, body)
	}
	res, body := c.do("GET", "/stream")
	if res.StatusCode != 200 || body != "chunk" || res.Header.Get("Set-Cookie") == "" {
		t.Fatalf("stream: %d %q %q", res.StatusCode, body, res.Header.Get("Set-Cookie"))
	}
}

func TestNilManagerPanics(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Fatal("no panic")
		}
	}()
	sessionecho.Session(nil)
}

// TestTwoManagersNestedEachSaveTheirOwn: two Session middlewares with
// different cookie names on one route each load and save their own session
// with their own cookie; Data, ID and the context keys are the first
// installed manager's, DataFor and IDFor reach each.
func TestTwoManagersNestedEachSaveTheirOwn(t *testing.T) {
	for name, newStore := range map[string]func(cookie string) store.Store{
		"memory": func(string) store.Store {
			s := memstore.New(memstore.Options{})
			t.Cleanup(func() { s.Close() })
			return s
		},
		"cookie": func(cookie string) store.Store {
			s, err := cookiestore.New(cookiestore.Options{Secret: []byte(secret), CookieName: cookie})
			if err != nil {
				t.Fatal(err)
			}
			return s
		},
	} {
		t.Run(name, func(t *testing.T) {
			mainStore := &flakyStore{Store: newStore(session.DefaultCookieName)}
			main, err := session.New(mainStore, session.Config{})
			if err != nil {
				t.Fatal(err)
			}
			cartStore := &flakyStore{Store: newStore("cart")}
			cart, err := session.New(cartStore, session.Config{CookieName: "cart"})
			if err != nil {
				t.Fatal(err)
			}
			e := echo.New()
			e.HideBanner = true
			e.Use(sessionecho.Session(main), sessionecho.Session(cart))
			e.GET("/", func(c echo.Context) error {
				mainData, cartData := sessionecho.DataFor(c, main), sessionecho.DataFor(c, cart)
				if mainData == nil || cartData == nil {
					return c.String(http.StatusInternalServerError, "DataFor gave nil")
				}
				if !mapid.Same(sessionecho.Data(c), mainData) || sessionecho.ID(c) != sessionecho.IDFor(c, main) ||
					sessionecho.Manager(c) != main || mapid.Same(cartData, mainData) || sessionecho.IDFor(c, cart) == sessionecho.ID(c) {
					return c.String(http.StatusInternalServerError, "the context keys are not the first manager's session")
				}
				if _, d, _ := cart.Start(c.Request()); !mapid.Same(d, cartData) {
					return c.String(http.StatusInternalServerError, "cart.Start gave another session")
				}
				n, _ := mainData["n"].(int)
				mainData["n"] = n + 1
				items, _ := cartData["items"].(int)
				cartData["items"] = items + 2
				return c.String(http.StatusOK, fmt.Sprintf("n=%d items=%d", n+1, items+2))
			})
			c := newClient(t, e)
			for i := 1; i <= 3; i++ {
				res, body := c.do("GET", "/")
				if want := fmt.Sprintf("n=%d items=%d", i, 2*i); body != want {
					t.Fatalf("request %d: %d %q, want %q", i, res.StatusCode, body, want)
				}
				if n := len(res.Header.Values("Set-Cookie")); n != 2 {
					t.Fatalf("request %d: %d Set-Cookie lines, want 2 (one per manager): %q", i, n, res.Header.Values("Set-Cookie"))
				}
			}
			if c.cookie() == "" || c.cookieNamed("cart") == "" {
				t.Fatalf("cookies: main %q, cart %q", c.cookie(), c.cookieNamed("cart"))
			}
			if mainStore.saves.Load() != 3 || cartStore.saves.Load() != 3 {
				t.Fatalf("saves: main %d, cart %d, want 3 each", mainStore.saves.Load(), cartStore.saves.Load())
			}
		})
	}
}
