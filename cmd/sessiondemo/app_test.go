package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/seed-699a33a2/session"
	"github.com/seed-699a33a2/session/internal/backends"
	"github.com/seed-699a33a2/session/store"
)

const secret = "q8Jz3V0mX9pL2rT7wY5uN1cB6hG4kD8sA0fE3jR7tZ2yQ9vM"

func init() { gin.SetMode(gin.TestMode) }

// quiet is the demo's logger in tests.
var quiet = slog.New(slog.DiscardHandler)

type visitor struct {
	t   *testing.T
	srv *httptest.Server
	c   *http.Client
	ua  string // the User-Agent header, when set
}

func (v *visitor) do(method, path string, form url.Values) (int, string) {
	v.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, _ := http.NewRequest(method, v.srv.URL+path, body)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if v.ua != "" {
		req.Header.Set("User-Agent", v.ua)
	}
	res, err := v.c.Do(req)
	if err != nil {
		v.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

var tokenField = regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)

// submit posts form to action with the CSRF token of the form on page, as a
// browser submitting that form does.
func (v *visitor) submit(page, action string, form url.Values) (int, string) {
	v.t.Helper()
	body := v.page(page)
	m := tokenField.FindStringSubmatch(body)
	if m == nil {
		v.t.Fatalf("no CSRF token in the form on %s:\n%s", page, body)
	}
	if form == nil {
		form = url.Values{}
	}
	form.Set("csrf_token", m[1])
	return v.do("POST", action, form)
}

func (v *visitor) page(path string, want ...string) string {
	v.t.Helper()
	code, body := v.do("GET", path, nil)
	if code != 200 {
		v.t.Fatalf("GET %s: %d", path, code)
	}
	for _, w := range want {
		if !strings.Contains(body, w) {
			v.t.Fatalf("GET %s lacks %q:\n%s", path, w, body)
		}
	}
	return body
}

// TestDemoWalkthrough is what a person does with the demo, on every driver.
func TestDemoWalkthrough(t *testing.T) {
	for _, d := range backends.All(secret, session.DefaultCookieName) {
		t.Run(d.Name, func(t *testing.T) {
			m, err := session.New(d.New(t, nil), session.Config{})
			if err != nil {
				t.Fatal(err)
			}
			jar, _ := cookiejar.New(nil)
			srv := httptest.NewServer(newApp(m, nil, quiet))
			t.Cleanup(srv.Close)
			v := &visitor{t: t, srv: srv, c: &http.Client{Jar: jar}} // follows redirects, like a browser

			v.page("/", `id="visits">1<`, "Sign in")
			if code, _ := v.do("GET", "/favicon.ico", nil); code != http.StatusNoContent {
				t.Fatalf("favicon: %d", code)
			}
			v.page("/", `id="visits">2<`)

			// A failed sign-in shows the name again, never the password.
			if code, _ := v.do("POST", "/login", url.Values{"name": {"ada"}, "password": {demoPassword}}); code != http.StatusForbidden {
				t.Fatalf("sign-in without the form's CSRF token: %d, want 403", code)
			}
			_, body := v.submit("/login", "/login", url.Values{"name": {"ada"}, "password": {"wrong"}})
			if !strings.Contains(body, `value="ada"`) || !strings.Contains(body, "Wrong password") || strings.Contains(body, `value="wrong"`) {
				t.Fatalf("failed sign-in page:\n%s", body)
			}
			_, body = v.submit("/login", "/login", url.Values{"name": {"ada"}, "password": {demoPassword}})
			if !strings.Contains(body, "Signed in as ada.") || !strings.Contains(body, `id="visits">3<`) {
				t.Fatalf("after sign-in:\n%s", body)
			}
			if body := v.page("/", "Signed in as <b>ada</b>"); strings.Contains(body, "flash-success") {
				t.Fatal("flash shown twice")
			}

			_, body = v.submit("/profile", "/profile", url.Values{"display_name": {""}, "email": {"ada@"}, "website": {"ftp://x"}})
			for _, want := range []string{"Please correct the errors below.", "Display name is required.", `value="ada@"`, `value="ftp://x"`, "A website starts with"} {
				if !strings.Contains(body, want) {
					t.Fatalf("invalid profile lacks %q:\n%s", want, body)
				}
			}
			if body := v.page("/profile"); strings.Contains(body, "Display name is required.") || strings.Contains(body, `value="ada@"`) {
				t.Fatal("errors or old input shown twice")
			}
			_, body = v.submit("/profile", "/profile", url.Values{"display_name": {"Ada L."}, "email": {"ada@example.com"}})
			if !strings.Contains(body, "Profile saved.") || !strings.Contains(body, `id="saved-name">Ada L.<`) {
				t.Fatalf("valid profile:\n%s", body)
			}

			_, body = v.submit("/", "/logout", nil)
			if !strings.Contains(body, "You have been signed out.") || strings.Contains(body, "Signed in as") {
				t.Fatalf("after sign-out:\n%s", body)
			}
			if _, body := v.do("GET", "/profile", nil); !strings.Contains(body, "Please sign in first.") {
				t.Fatalf("profile after sign-out:\n%s", body)
			}
		})
	}
}

// TestFaviconDoesNotAgeFlashes: browsers fetch /favicon.ico on their own;
// if it passed through the session middleware, it would eat the flash meant
// for the page after a redirect.
func TestFaviconDoesNotAgeFlashes(t *testing.T) {
	m, err := session.New(backends.All(secret, session.DefaultCookieName)[0].New(t, nil), session.Config{})
	if err != nil {
		t.Fatal(err)
	}
	jar, _ := cookiejar.New(nil)
	srv := httptest.NewServer(newApp(m, nil, quiet))
	t.Cleanup(srv.Close)
	v := &visitor{t: t, srv: srv, c: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
	if code, _ := v.submit("/login", "/login", url.Values{"name": {"ada"}, "password": {demoPassword}}); code != http.StatusSeeOther {
		t.Fatalf("sign-in: %d", code)
	}
	for i := 0; i < 2; i++ {
		res, err := v.c.Get(srv.URL + "/favicon.ico")
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusNoContent || res.Header.Get("Set-Cookie") != "" || res.Header.Get("Vary") != "" {
			t.Fatalf("favicon: %d, headers %v", res.StatusCode, res.Header)
		}
	}
	v.page("/", "Signed in as ada.")
}

// TestRememberMeKeepsOneCookie: under SESSION_EXPIRE_ON_CLOSE=true a
// sign-in without "remember me" gives a browser-session cookie (no
// Max-Age, no Expires); with it, a cookie for 30 days.
func TestRememberMeKeepsOneCookie(t *testing.T) {
	for _, remember := range []bool{false, true} {
		m, err := session.New(backends.All(secret, session.DefaultCookieName)[0].New(t, nil), session.Config{ExpireOnClose: true})
		if err != nil {
			t.Fatal(err)
		}
		srv := httptest.NewServer(newApp(m, nil, quiet))
		t.Cleanup(srv.Close)
		jar, _ := cookiejar.New(nil)
		v := &visitor{t: t, srv: srv, c: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
		form := url.Values{"name": {"ada"}, "password": {demoPassword}, "csrf_token": {tokenField.FindStringSubmatch(v.page("/login"))[1]}}
		if remember {
			form.Set("remember", "1")
		}
		req, _ := http.NewRequest("POST", srv.URL+"/login", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		res, err := v.c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		var line string
		for _, l := range res.Header.Values("Set-Cookie") {
			if strings.HasPrefix(l, session.DefaultCookieName+"=") && !strings.Contains(l, "Max-Age=0") {
				line = l
			}
		}
		persistent := strings.Contains(line, "Max-Age=") || strings.Contains(line, "Expires=")
		switch {
		case line == "":
			t.Fatalf("remember %v: no session cookie in %v", remember, res.Header.Values("Set-Cookie"))
		case persistent != remember:
			t.Errorf("remember %v: cookie %q", remember, line)
		case remember && !strings.Contains(line, fmt.Sprintf("Max-Age=%d", int(rememberFor/time.Second))):
			t.Errorf("remember-me cookie %q, want Max-Age=%d", line, int(rememberFor/time.Second))
		}
	}
}

func newVisitor(t *testing.T, srv *httptest.Server) *visitor {
	jar, _ := cookiejar.New(nil)
	return &visitor{t: t, srv: srv, c: &http.Client{Jar: jar}}
}

// TestDevicesPage: sign in on two devices, see both, sign out the other.
func TestDevicesPage(t *testing.T) {
	for _, d := range backends.All(secret, session.DefaultCookieName) {
		t.Run(d.Name, func(t *testing.T) {
			m, err := session.New(d.New(t, nil), session.Config{})
			if err != nil {
				t.Fatal(err)
			}
			srv := httptest.NewServer(newApp(m, nil, quiet))
			t.Cleanup(srv.Close)
			laptop, phone := newVisitor(t, srv), newVisitor(t, srv)
			laptop.ua = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"
			phone.ua = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.2 Mobile/15E148 Safari/604.1"
			for _, v := range []*visitor{laptop, phone} {
				v.submit("/login", "/login", url.Values{"name": {"ada"}, "password": {demoPassword}})
			}
			body := laptop.page("/devices")
			if d.ClientSide {
				if !strings.Contains(body, "cannot list") {
					t.Fatalf("cookie driver devices page:\n%s", body)
				}
				return
			}
			if n := strings.Count(body, `action="/devices/end"`); n != 2 || strings.Count(body, "(this device)") != 1 {
				t.Fatalf("devices page lists %d sessions:\n%s", n, body)
			}
			for _, want := range []string{">Chrome on Linux</b>", ">Safari on iPhone</b>", "last active "} {
				if !strings.Contains(body, want) {
					t.Fatalf("devices page lacks %q:\n%s", want, body)
				}
			}
			_, body = laptop.submit("/devices", "/devices/others", nil)
			if !strings.Contains(body, "Signed out 1 other device(s).") {
				t.Fatalf("after signing out the others:\n%s", body)
			}
			if body := phone.page("/"); strings.Contains(body, "Signed in as") {
				t.Fatal("the other device is still signed in")
			}
			laptop.page("/", "Signed in as <b>ada</b>")
		})
	}
}

func TestMetricsPage(t *testing.T) {
	met := newMetrics()
	m, err := session.New(backends.All(secret, session.DefaultCookieName)[0].New(t, nil), session.Config{OnStoreEvent: met.record})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(newApp(m, met, quiet))
	t.Cleanup(srv.Close)
	v := newVisitor(t, srv)
	v.page("/")
	v.page("/")
	body := v.page("/metrics", `session_store_operations_total{op="save",driver="memstore",outcome="ok"} 2`,
		`session_store_operations_total{op="load",driver="memstore",outcome="ok"} 1`, "session_store_duration_seconds_count")
	if strings.Contains(body, v.c.Jar.Cookies(mustURL(srv.URL))[0].Value) {
		t.Fatal("a session ID in the metrics")
	}
}

func mustURL(s string) *url.URL {
	u, err := url.Parse(s)
	if err != nil {
		panic(err)
	}
	return u
}

// brokenStore is a store whose backend is down.
type brokenStore struct{}

var errDown = fmt.Errorf("%w: dial tcp 127.0.0.1:6390: connect: connection refused", session.ErrBackend)

func (brokenStore) Load(context.Context, string) (store.Record, error) {
	return store.Record{}, errDown
}
func (brokenStore) Save(context.Context, store.Record) (string, error) { return "", errDown }
func (brokenStore) Delete(context.Context, string) error               { return errDown }

// TestErrorPagesSpeakInWords: a store that is down, a form without its
// token and an unknown path each get a page in the demo's style that says
// what happened; the details stay in the log.
func TestErrorPagesSpeakInWords(t *testing.T) {
	var log strings.Builder
	logger := slog.New(slog.NewTextHandler(&log, nil))
	down, err := session.New(brokenStore{}, session.Config{Logger: quiet, ErrorHandler: sessionError(logger)})
	if err != nil {
		t.Fatal(err)
	}
	fine, err := session.New(backends.All(secret, session.DefaultCookieName)[0].New(t, nil), session.Config{Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name   string
		m      *session.Manager
		method string
		path   string
		status int
		words  string
	}{
		{"store down", down, "GET", "/", http.StatusServiceUnavailable, "The session store is unreachable."},
		{"no CSRF token", fine, "POST", "/login", http.StatusForbidden, "This form has expired"},
		{"unknown path", fine, "GET", "/nowhere", http.StatusNotFound, "There is no page at this address."},
	} {
		srv := httptest.NewServer(newApp(c.m, nil, logger))
		v := newVisitor(t, srv)
		var form url.Values
		if c.method == "POST" {
			form = url.Values{"name": {"ada"}}
		}
		code, body := v.do(c.method, c.path, form)
		srv.Close()
		if code != c.status || !strings.Contains(body, c.words) || !strings.Contains(body, `href="/style.css"`) {
			t.Errorf("%s: %d, want %d with %q in the demo's page:\n%s", c.name, code, c.status, c.words, body)
		}
		if strings.Contains(body, "connection refused") || strings.Contains(body, "Internal Server Error") {
			t.Errorf("%s: the page shows details:\n%s", c.name, body)
		}
	}
	if !strings.Contains(log.String(), "connection refused") {
		t.Errorf("the log lacks the store's error:\n%s", log.String())
	}
}
