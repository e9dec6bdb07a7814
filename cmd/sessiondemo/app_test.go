package main

import (
	"io"
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
)

const secret = "q8Jz3V0mX9pL2rT7wY5uN1cB6hG4kD8sA0fE3jR7tZ2yQ9vM"

func init() { gin.SetMode(gin.TestMode) }

type visitor struct {
	t   *testing.T
	srv *httptest.Server
	c   *http.Client
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
			srv := httptest.NewServer(newApp(m, nil))
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
	srv := httptest.NewServer(newApp(m, nil))
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

func TestRememberMe(t *testing.T) {
	m, err := session.New(backends.All(secret, session.DefaultCookieName)[0].New(t, nil), session.Config{})
	if err != nil {
		t.Fatal(err)
	}
	jar, _ := cookiejar.New(nil)
	srv := httptest.NewServer(newApp(m, nil))
	t.Cleanup(srv.Close)
	v := &visitor{t: t, srv: srv, c: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
	body := v.page("/login")
	token := tokenField.FindStringSubmatch(body)[1]
	req, _ := http.NewRequest("POST", srv.URL+"/login", strings.NewReader(url.Values{"name": {"ada"}, "password": {demoPassword}, "remember": {"1"}, "csrf_token": {token}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	res, err := v.c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	for _, c := range res.Cookies() {
		if c.Name == session.DefaultCookieName && c.MaxAge != int(rememberFor/time.Second) {
			t.Fatalf("remember-me cookie Max-Age = %d, want %d", c.MaxAge, int(rememberFor/time.Second))
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
			srv := httptest.NewServer(newApp(m, nil))
			t.Cleanup(srv.Close)
			laptop, phone := newVisitor(t, srv), newVisitor(t, srv)
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
	srv := httptest.NewServer(newApp(m, met))
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
