package session_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/seed-699a33a2/session"
	"github.com/seed-699a33a2/session/internal/backends"
	"github.com/seed-699a33a2/session/store"
	"github.com/seed-699a33a2/session/store/storetest"
)

// testSecret is a random-looking 48-byte secret for the cookie driver.
const testSecret = "q8Jz3V0mX9pL2rT7wY5uN1cB6hG4kD8sA0fE3jR7tZ2yQ9vM"

// forEachDriver runs fn once per driver (memory, file, cookie, and every real
// backend that scripts/test.sh starts), each with a fresh store whose clock
// is clock.Now where the driver takes one.
func forEachDriver(t *testing.T, fn func(t *testing.T, d backends.Driver)) {
	t.Helper()
	for _, d := range backends.All(testSecret, session.DefaultCookieName) {
		t.Run(d.Name, func(t *testing.T) { fn(t, d) })
	}
}

// newManager builds a manager on st with cfg, failing the test on error.
func newManager(t *testing.T, st store.Store, cfg session.Config) *session.Manager {
	t.Helper()
	m, err := session.New(st, cfg)
	if err != nil {
		t.Fatalf("session.New: %v", err)
	}
	return m
}

// client is an HTTP client with a cookie jar against one test server.
type client struct {
	t   *testing.T
	srv *httptest.Server
	c   *http.Client
}

func newClient(t *testing.T, h http.Handler) *client {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	jar, _ := cookiejar.New(nil)
	return &client{t: t, srv: srv, c: &http.Client{
		Jar:           jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

type response struct {
	status int
	body   string
	header http.Header
}

func (c *client) do(method, path string, form url.Values) response {
	c.t.Helper()
	var body *strings.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	} else {
		body = strings.NewReader("")
	}
	req, err := http.NewRequest(method, c.srv.URL+path, body)
	if err != nil {
		c.t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	res, err := c.c.Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	var sb strings.Builder
	buf := make([]byte, 4096)
	for {
		n, err := res.Body.Read(buf)
		sb.Write(buf[:n])
		if err != nil {
			break
		}
	}
	return response{status: res.StatusCode, body: sb.String(), header: res.Header}
}

func (c *client) get(path string) response { c.t.Helper(); return c.do("GET", path, nil) }
func (c *client) post(path string, form url.Values) response {
	c.t.Helper()
	if form == nil {
		form = url.Values{}
	}
	return c.do("POST", path, form)
}

// cookieValue returns the session cookie the jar holds ("" for none).
func (c *client) cookieValue(name string) string {
	u, _ := url.Parse(c.srv.URL)
	for _, ck := range c.c.Jar.Cookies(u) {
		if ck.Name == name {
			return ck.Value
		}
	}
	return ""
}

// setCookie replaces the jar's session cookie.
func (c *client) setCookie(name, value string) {
	u, _ := url.Parse(c.srv.URL)
	c.c.Jar.SetCookies(u, []*http.Cookie{{Name: name, Value: value, Path: "/"}})
}

// counting wraps a store and counts its calls.
type counting struct {
	store.Store
	loads, saves, deletes, touches atomic.Int64
}

func (c *counting) Load(ctx context.Context, tok string) (store.Record, error) {
	c.loads.Add(1)
	return c.Store.Load(ctx, tok)
}

func (c *counting) Save(ctx context.Context, r store.Record) (string, error) {
	c.saves.Add(1)
	return c.Store.Save(ctx, r)
}

func (c *counting) Delete(ctx context.Context, id string) error {
	c.deletes.Add(1)
	return c.Store.Delete(ctx, id)
}

// countingToucher is counting for stores that can touch.
type countingToucher struct{ *counting }

func (c countingToucher) Touch(ctx context.Context, id string, exp time.Time) error {
	c.touches.Add(1)
	return c.Store.(store.Toucher).Touch(ctx, id, exp)
}

func count(st store.Store) (store.Store, *counting) {
	c := &counting{Store: st}
	if _, ok := st.(store.Toucher); ok {
		return countingToucher{c}, c
	}
	return c, c
}

// failing is a store whose backend is down: every call fails with an error
// wrapping store.ErrBackend, unless ok is set.
type failing struct {
	store.Store
	mu   sync.Mutex
	down bool
}

var errDown = errors.New("connection refused (test)")

func (f *failing) setDown(v bool) { f.mu.Lock(); f.down = v; f.mu.Unlock() }
func (f *failing) isDown() bool   { f.mu.Lock(); defer f.mu.Unlock(); return f.down }

func (f *failing) Load(ctx context.Context, tok string) (store.Record, error) {
	if f.isDown() {
		return store.Record{}, errors.Join(store.ErrBackend, errDown)
	}
	return f.Store.Load(ctx, tok)
}

func (f *failing) Save(ctx context.Context, r store.Record) (string, error) {
	if f.isDown() {
		return "", errors.Join(store.ErrBackend, errDown)
	}
	return f.Store.Save(ctx, r)
}

func (f *failing) Delete(ctx context.Context, id string) error {
	if f.isDown() {
		return errors.Join(store.ErrBackend, errDown)
	}
	return f.Store.Delete(ctx, id)
}

var _ = storetest.NewClock

func memStore(t *testing.T) store.Store {
	t.Helper()
	return backends.All(testSecret, session.DefaultCookieName)[0].New(t, time.Now)
}

// aroundAnother serves a request carrying cookie through m's middleware
// whose handler loads the session, waits while meanwhile runs (another
// request saving the same session, so that this one's save conflicts and
// merges), then changes its map with change. It returns the response.
func aroundAnother(m *session.Manager, cookie *http.Cookie, meanwhile func(), change func(map[string]any)) *httptest.ResponseRecorder {
	started, proceed := make(chan struct{}), make(chan struct{})
	slow := m.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, data, _ := m.Start(r)
		close(started)
		<-proceed
		change(data)
	}))
	rec := httptest.NewRecorder()
	done := make(chan struct{})
	go func() {
		defer close(done)
		r := httptest.NewRequest("GET", "/", nil)
		r.AddCookie(cookie)
		slow.ServeHTTP(rec, r)
	}()
	<-started
	meanwhile()
	close(proceed)
	<-done
	return rec
}
