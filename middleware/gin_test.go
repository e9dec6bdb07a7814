package middleware_test

import (
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/seed-699a33a2/session"
	"github.com/seed-699a33a2/session/internal/backends"
	"github.com/seed-699a33a2/session/middleware"
	"github.com/seed-699a33a2/session/store"
	"github.com/seed-699a33a2/session/store/storetest"
)

const secret = "q8Jz3V0mX9pL2rT7wY5uN1cB6hG4kD8sA0fE3jR7tZ2yQ9vM"

func init() { gin.SetMode(gin.TestMode) }

func router(m *session.Manager) *gin.Engine {
	r := gin.New()
	r.Use(middleware.SessionWith(m))
	r.GET("/", func(c *gin.Context) {
		data := c.MustGet("session").(map[string]interface{})
		n, _ := data["visits"].(int)
		data["visits"] = n + 1
		msg, _ := m.GetFlash(data, "success")
		user, _ := data["user_id"].(uint)
		c.String(200, "visits=%d user=%d flash=%v", n+1, user, msg)
	})
	r.POST("/login", func(c *gin.Context) {
		id := c.GetString("session_id")
		data := middleware.Data(c)
		newID, err := m.Regenerate(c.Writer, id, data)
		if err != nil {
			c.String(500, err.Error())
			return
		}
		if middleware.ID(c) != newID || c.GetString("session_id") != newID {
			c.String(500, "session_id not updated")
			return
		}
		data["user_id"] = uint(42)
		m.Flash(data, "success", "Welcome back.")
		c.Redirect(http.StatusSeeOther, "/")
	})
	r.POST("/logout", func(c *gin.Context) {
		if err := m.Destroy(c.Writer, middleware.ID(c)); err != nil {
			c.String(500, err.Error())
			return
		}
		m.Flash(middleware.Data(c), "success", "Signed out.")
		c.Redirect(http.StatusSeeOther, "/")
	})
	r.GET("/status-first", func(c *gin.Context) {
		c.Status(http.StatusAccepted)        // gin only records the status ...
		middleware.Data(c)["late"] = "saved" // ... so this change is still saved
	})
	r.GET("/late", func(c *gin.Context) {
		c.String(200, "late=%v", middleware.Data(c)["late"])
	})
	return r
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

func TestGinEndToEnd(t *testing.T) {
	for _, d := range backends.All(secret, session.DefaultCookieName) {
		t.Run(d.Name, func(t *testing.T) {
			clock := storetest.NewClock(time.Now())
			m, err := session.New(d.New(t, clock.Now), session.Config{Now: clock.Now})
			if err != nil {
				t.Fatal(err)
			}
			c := newClient(t, router(m))
			if _, body := c.do("GET", "/"); body != "visits=1 user=0 flash=<nil>" {
				t.Fatalf("first: %q", body)
			}
			res, body := c.do("POST", "/login")
			if res.StatusCode != 303 {
				t.Fatalf("login: %d %s", res.StatusCode, body)
			}
			if n := len(res.Header.Values("Set-Cookie")); n != 1 {
				t.Fatalf("login set %d cookies", n)
			}
			if res.Header.Get("Vary") != "Cookie" {
				t.Errorf("Vary = %q", res.Header.Get("Vary"))
			}
			if _, body := c.do("GET", "/"); body != "visits=2 user=42 flash=Welcome back." {
				t.Fatalf("after login: %q", body)
			}
			if _, body := c.do("GET", "/"); body != "visits=3 user=42 flash=<nil>" {
				t.Fatalf("flash twice: %q", body)
			}
			if res, _ := c.do("GET", "/status-first"); res.StatusCode != http.StatusAccepted {
				t.Fatalf("status-first: %d", res.StatusCode)
			}
			if _, body := c.do("GET", "/late"); body != "late=saved" {
				t.Fatalf("change after c.Status lost: %q", body)
			}
			c.do("POST", "/logout")
			if _, body := c.do("GET", "/"); body != "visits=1 user=0 flash=Signed out." {
				t.Fatalf("after logout: %q", body)
			}
		})
	}
}

func TestSessionFromEnvironment(t *testing.T) {
	t.Setenv("SESSION_DRIVER", "memory")
	r := gin.New()
	r.Use(middleware.Session())
	r.GET("/", func(c *gin.Context) {
		data := middleware.Data(c)
		n, _ := data["n"].(int)
		data["n"] = n + 1
		if middleware.Manager(c) == nil || !store.ValidID(middleware.ID(c)) {
			c.String(500, "helpers")
			return
		}
		c.String(200, "%d", n+1)
	})
	c := newClient(t, r)
	c.do("GET", "/")
	if _, body := c.do("GET", "/"); body != "2" {
		t.Fatalf("second visit: %q", body)
	}
}

func TestSessionPanicsOnBadEnvironment(t *testing.T) {
	cases := map[string]map[string]string{
		"db needs gorm":  {"SESSION_DRIVER": "db"},
		"unknown driver": {"SESSION_DRIVER": "mongo"},
		"bad samesite":   {"SESSION_SAMESITE": "none"},
	}
	for name, env := range cases {
		t.Run(name, func(t *testing.T) {
			for k, v := range env {
				t.Setenv(k, v)
			}
			defer func() {
				r := recover()
				msg, _ := r.(string)
				if !strings.HasPrefix(msg, "middleware.Session: ") || !strings.Contains(msg, "SESSION_") {
					t.Fatalf("panic %v", r)
				}
			}()
			middleware.Session()
		})
	}
}

func TestStoreFailureAbortsChain(t *testing.T) {
	st := &brokenStore{}
	m, _ := session.New(st, session.Config{})
	r := gin.New()
	ran := false
	r.Use(middleware.SessionWith(m))
	r.GET("/", func(c *gin.Context) { ran = true })
	w := httptest.NewRecorder()
	req := httptest.NewRequest("GET", "/", nil)
	req.AddCookie(&http.Cookie{Name: session.DefaultCookieName, Value: store.NewID()})
	r.ServeHTTP(w, req)
	if ran || w.Code != 500 || strings.Contains(w.Body.String(), "down") {
		t.Fatalf("ran %v, status %d, body %q", ran, w.Code, w.Body.String())
	}
}
