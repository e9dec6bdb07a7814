// Package quickstart walks the README's quick-start programs (examples/
// nethttp and examples/gin) as a browser would, so that the tests run the
// very files the README shows.
package quickstart

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"
)

// Run is a quick start's run: serve on addr until ctx is done.
type Run func(ctx context.Context, addr string) error

// Walk starts run on a free port of 127.0.0.1 for each of the memory,
// file and cookie drivers, and signs in (after a failed attempt that shows
// the input and the errors again), reads the flash once, signs out, and
// checks that a POST without the session's token or from another site is
// refused; then it stops the program and checks that it shut down cleanly.
func Walk(t *testing.T, run Run) {
	for _, driver := range []string{"memory", "file", "cookie"} {
		t.Run(driver, func(t *testing.T) {
			t.Setenv("SESSION_DRIVER", driver)
			t.Setenv("SESSION_FILE_PATH", t.TempDir())
			t.Setenv("SESSION_SECRET", "k3Vq9ZrT1xLp7Wm2Nc8Bd5Hf0Jg4Ys6Ua1Qe3Ti9Ro7Pl2Mn")
			walk(t, run)
		})
	}
}

func walk(t *testing.T, run Run) {
	addr := freeAddr(t)
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- run(ctx, addr) }()
	t.Cleanup(stop)
	waitListening(t, addr, done)

	b := newBrowser(t, "http://"+addr)
	home := b.get("/")
	if !strings.Contains(home, `action="/login"`) {
		t.Fatalf("the home page has no sign-in form:\n%s", home)
	}
	if code, _ := b.post("/login", url.Values{"email": {"ada@example.com"}, "password": {"demo"}}, nil); code != http.StatusForbidden {
		t.Fatalf("a sign-in without the form's CSRF token: %d, want 403", code)
	}

	// A failed sign-in: the email comes back with both errors, the
	// password does not; a reload shows them no more.
	_, page := b.submit(home, "/login", url.Values{"email": {"ada"}, "password": {"wrong"}})
	for _, want := range []string{`value="ada"`, "Enter an email address.", "Wrong password."} {
		if !strings.Contains(page, want) {
			t.Fatalf("the page after a failed sign-in lacks %q:\n%s", want, page)
		}
	}
	if strings.Contains(page, "wrong") {
		t.Fatalf("the password came back:\n%s", page)
	}
	if again := b.get("/"); strings.Contains(again, "Wrong password.") || strings.Contains(again, `value="ada"`) {
		t.Fatalf("the errors came back after a reload:\n%s", again)
	}

	// Sign in: a new session ID, the flash once.
	before := b.cookie()
	_, page = b.submit(b.get("/"), "/login", url.Values{"email": {"ada@example.com"}, "password": {"demo"}})
	if !strings.Contains(page, "Welcome, ada@example.com.") || !strings.Contains(page, "Signed in as ada@example.com.") {
		t.Fatalf("after signing in:\n%s", page)
	}
	if after := b.cookie(); after == "" || after == before {
		t.Fatal("signing in kept the session's ID")
	}
	page = b.get("/")
	if strings.Contains(page, "Welcome") || !strings.Contains(page, "Signed in as ada@example.com.") {
		t.Fatalf("after a reload:\n%s", page)
	}

	// A form posted from another site is refused, token or not.
	token := tokenOf(t, page)
	if code, _ := b.post("/logout", url.Values{"csrf_token": {token}}, http.Header{"Origin": {"https://evil.example"}, "Sec-Fetch-Site": {"cross-site"}}); code != http.StatusForbidden {
		t.Fatalf("a cross-site sign-out: %d, want 403", code)
	}

	// Sign out.
	_, page = b.submit(page, "/logout", nil)
	if !strings.Contains(page, "Signed out.") || strings.Contains(page, "Signed in as") {
		t.Fatalf("after signing out:\n%s", page)
	}

	// Stop: the server shuts down and run returns without an error.
	stop()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("run after its context ended: %v", err)
		}
	case <-time.After(15 * time.Second):
		t.Fatal("run did not return after its context ended")
	}
}

type browser struct {
	t    *testing.T
	base string
	c    *http.Client
}

func newBrowser(t *testing.T, base string) *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{t: t, base: base, c: &http.Client{Jar: jar, Timeout: 10 * time.Second}}
}

func (b *browser) get(path string) string {
	b.t.Helper()
	res, err := b.c.Get(b.base + path)
	if err != nil {
		b.t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusOK {
		b.t.Fatalf("GET %s: %d\n%s", path, res.StatusCode, body)
	}
	return string(body)
}

func (b *browser) post(path string, form url.Values, h http.Header) (int, string) {
	b.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, b.base+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for k, v := range h {
		req.Header[k] = v
	}
	res, err := b.c.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(body)
}

// submit posts form to path with the CSRF token of page, as the browser
// submitting the form on page does, and follows the redirect.
func (b *browser) submit(page, path string, form url.Values) (int, string) {
	b.t.Helper()
	if form == nil {
		form = url.Values{}
	}
	form.Set("csrf_token", tokenOf(b.t, page))
	code, body := b.post(path, form, nil)
	if code != http.StatusOK {
		b.t.Fatalf("POST %s: %d\n%s", path, code, body)
	}
	return code, body
}

// cookie is the value of the session cookie the browser holds.
func (b *browser) cookie() string {
	u, _ := url.Parse(b.base)
	for _, c := range b.c.Jar.Cookies(u) {
		if c.Name == "rapidgo_session" {
			return c.Value
		}
	}
	return ""
}

var tokenField = regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)

func tokenOf(t *testing.T, page string) string {
	t.Helper()
	m := tokenField.FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no CSRF token in:\n%s", page)
	}
	return m[1]
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// waitListening waits until addr accepts connections, failing when the
// program ends first.
func waitListening(t *testing.T, addr string, done <-chan error) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case err := <-done:
			t.Fatalf("the program ended before it listened: %v", err)
		default:
		}
		if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
			c.Close()
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("nothing listens on %s", addr)
}
