package hardening_test

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/seed-699a33a2/session"
	"github.com/seed-699a33a2/session/filestore"
	"github.com/seed-699a33a2/session/internal/backends"
	"github.com/seed-699a33a2/session/store"
	"github.com/seed-699a33a2/session/store/storetest"
)

// cookieName is the session cookie's name in every test app.
const cookieName = session.DefaultCookieName

// testSecret seals the cookie driver's sessions: random for every run.
var testSecret = randomSecret()

func randomSecret() string {
	b := make([]byte, 36)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// forEachDriver runs fn once per driver, in a subtest named after it.
func forEachDriver(t *testing.T, fn func(t *testing.T, d backends.Driver)) {
	t.Helper()
	for _, d := range backends.All(testSecret, cookieName) {
		t.Run(d.Name, func(t *testing.T) { fn(t, d) })
	}
}

// newStore builds a store of driver d with a clock: the real time for the
// drivers whose server enforces expiry, a fake one (starting now) elsewhere.
func newStore(t *testing.T, d backends.Driver) (store.Store, *storetest.Clock) {
	t.Helper()
	clock := storetest.NewClock(time.Now())
	now := clock.Now
	if d.RealClock {
		now = time.Now
	}
	return d.New(t, now), clock
}

// handlerFunc is one request's handler inside the app's middleware, with
// the session the middleware started.
type handlerFunc func(w http.ResponseWriter, r *http.Request, id string, data map[string]any)

type handlerKey struct{}

// app is an application: a manager and a handler wrapped in its
// middleware. Each request brings its own handlerFunc in its context, so
// that one app serves every step of a test.
type app struct {
	t       *testing.T
	m       *session.Manager
	h       http.Handler
	errs    atomic.Int64 // calls of the error handler
	mu      sync.Mutex
	lastErr error
}

func newApp(t *testing.T, st store.Store, cfg session.Config) *app {
	t.Helper()
	a := &app{t: t}
	if cfg.ErrorHandler == nil {
		cfg.ErrorHandler = func(w http.ResponseWriter, r *http.Request, err error) {
			a.errs.Add(1)
			a.mu.Lock()
			a.lastErr = err
			a.mu.Unlock()
			http.Error(w, "session store failed", http.StatusInternalServerError)
		}
	}
	m, err := session.New(st, cfg)
	if err != nil {
		t.Fatalf("session.New: %v", err)
	}
	a.m = m
	a.h = m.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id, data, err := m.Start(r)
		if err != nil {
			// Inside the middleware Start cannot fail: it returns the
			// middleware's session.
			t.Errorf("Start inside the middleware: %v", err)
			http.Error(w, "start failed", http.StatusTeapot)
			return
		}
		if fn, _ := r.Context().Value(handlerKey{}).(handlerFunc); fn != nil {
			fn(w, r, id, data)
		}
	}))
	return a
}

func (a *app) err() error {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.lastErr
}

// newRequest returns a GET request carrying cookieHeader as its raw Cookie
// header (none when empty) and fn for the app's handler.
func newRequest(ctx context.Context, cookieHeader string, fn handlerFunc) *http.Request {
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	r = r.WithContext(context.WithValue(ctx, handlerKey{}, fn))
	if cookieHeader != "" {
		// Set, not AddCookie: AddCookie would sanitize the value, and the
		// point is to send whatever a hostile client sends.
		r.Header["Cookie"] = []string{cookieHeader}
	}
	return r
}

// serve runs one request through the middleware.
func (a *app) serve(ctx context.Context, cookieHeader string, fn handlerFunc) *httptest.ResponseRecorder {
	w := httptest.NewRecorder()
	a.h.ServeHTTP(w, newRequest(ctx, cookieHeader, fn))
	return w
}

// start calls the manager's Start outside the middleware, as code without
// it would.
func (a *app) start(cookieHeader string) (string, map[string]any, error) {
	return a.m.Start(newRequest(context.Background(), cookieHeader, nil))
}

// header is the raw Cookie header that sends value as the session cookie.
func header(value string) string { return cookieName + "=" + value }

// sessionCookies returns the session cookies set in h.
func sessionCookies(h http.Header) []*http.Cookie {
	var out []*http.Cookie
	for _, line := range h.Values("Set-Cookie") {
		c, err := http.ParseSetCookie(line)
		if err == nil && c.Name == cookieName {
			out = append(out, c)
		}
	}
	return out
}

// browser is one client of an app: it keeps the session cookie.
type browser struct {
	a      *app
	cookie string
}

// do sends one request with the browser's cookie and keeps the cookie the
// response sets. It fails the test unless the response is a 200.
func (b *browser) do(fn handlerFunc) *httptest.ResponseRecorder {
	b.a.t.Helper()
	h := ""
	if b.cookie != "" {
		h = header(b.cookie)
	}
	w := b.a.serve(context.Background(), h, fn)
	if w.Code != http.StatusOK {
		b.a.t.Fatalf("status %d (%s), error handler saw: %v", w.Code, strings.TrimSpace(w.Body.String()), b.a.err())
	}
	for _, c := range sessionCookies(w.Header()) {
		if c.MaxAge < 0 {
			b.cookie = ""
		} else {
			b.cookie = c.Value
		}
	}
	return w
}

// spy wraps a store and records what the manager hands it.
type spy struct {
	store.Store
	loads, saves, deletes, touches atomic.Int64
	longestToken                   atomic.Int64 // longest token passed to Load
	badIDs                         atomic.Int64 // Save, Delete or Touch with an ID that fails ValidID
}

func (s *spy) Load(ctx context.Context, tok string) (store.Record, error) {
	s.loads.Add(1)
	for {
		old := s.longestToken.Load()
		if int64(len(tok)) <= old || s.longestToken.CompareAndSwap(old, int64(len(tok))) {
			break
		}
	}
	return s.Store.Load(ctx, tok)
}

func (s *spy) Save(ctx context.Context, r store.Record) (string, error) {
	s.saves.Add(1)
	if !store.ValidID(r.ID) {
		s.badIDs.Add(1)
	}
	return s.Store.Save(ctx, r)
}

func (s *spy) Delete(ctx context.Context, id string) error {
	s.deletes.Add(1)
	if !store.ValidID(id) {
		s.badIDs.Add(1)
	}
	return s.Store.Delete(ctx, id)
}

// spyToucher is spy for stores that implement store.Toucher, so that the
// manager keeps using Touch through the wrapper.
type spyToucher struct{ *spy }

func (s spyToucher) Touch(ctx context.Context, id string, exp time.Time) error {
	s.touches.Add(1)
	if !store.ValidID(id) {
		s.badIDs.Add(1)
	}
	return s.Store.(store.Toucher).Touch(ctx, id, exp)
}

func watch(st store.Store) (store.Store, *spy) {
	s := &spy{Store: st}
	if _, ok := st.(store.Toucher); ok {
		return spyToucher{s}, s
	}
	return s, s
}

// artifact is one thing read from a store's backend: a file name, a file's
// contents, a Redis key or value, a column of a row.
type artifact struct {
	where string
	value []byte
}

// rawStore reads everything a server-side store holds, the way someone
// with access to the backend (a backup, a replica, a shared folder) would.
// It fails the test for a driver it cannot read.
func rawStore(t *testing.T, st store.Store) []artifact {
	t.Helper()
	switch s := st.(type) {
	case *filestore.Store:
		return rawFiles(t, s.Dir())
	case backends.Redis:
		return rawRedis(t, s.Client(), s.Prefix())
	case backends.SQL:
		return rawRows(t, s)
	}
	t.Fatalf("cannot read the raw contents of a %T", st)
	return nil
}

func rawFiles(t *testing.T, dir string) []artifact {
	t.Helper()
	var out []artifact
	err := filepath.WalkDir(dir, func(p string, e os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if p == dir {
			return nil
		}
		rel, _ := filepath.Rel(dir, p)
		out = append(out, artifact{"file name " + rel, []byte(e.Name())})
		if e.Type().IsRegular() {
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			out = append(out, artifact{"contents of " + rel, b})
		}
		return nil
	})
	if err != nil {
		t.Fatalf("walking %s: %v", dir, err)
	}
	return out
}

// redisNodes returns the nodes that hold keys: every master of a cluster,
// or the one server (or the current master behind Sentinel).
func redisNodes(t *testing.T, c redis.UniversalClient) []*redis.Client {
	t.Helper()
	ctx := context.Background()
	if cc, ok := c.(*redis.ClusterClient); ok {
		var mu sync.Mutex
		var nodes []*redis.Client
		if err := cc.ForEachMaster(ctx, func(_ context.Context, n *redis.Client) error {
			mu.Lock()
			nodes = append(nodes, n)
			mu.Unlock()
			return nil
		}); err != nil {
			t.Fatalf("listing cluster masters: %v", err)
		}
		return nodes
	}
	n, ok := c.(*redis.Client)
	if !ok {
		t.Fatalf("unexpected redis client %T", c)
	}
	return []*redis.Client{n}
}

func rawRedis(t *testing.T, c redis.UniversalClient, prefix string) []artifact {
	t.Helper()
	ctx := context.Background()
	var out []artifact
	for _, n := range redisNodes(t, c) {
		iter := n.Scan(ctx, 0, prefix+"*", 100).Iterator()
		for iter.Next(ctx) {
			key := iter.Val()
			out = append(out,
				artifact{"key " + key, []byte(key)},
				artifact{"key suffix of " + key, []byte(strings.TrimPrefix(key, prefix))})
			typ, err := n.Type(ctx, key).Result()
			if err != nil {
				t.Fatalf("TYPE %s: %v", key, err)
			}
			var val []byte
			if typ == "string" {
				val, err = n.Get(ctx, key).Bytes()
			} else {
				// Whatever the type, DUMP gives every byte of the value.
				var s string
				s, err = n.Dump(ctx, key).Result()
				val = []byte(s)
			}
			if err != nil && !errors.Is(err, redis.Nil) {
				t.Fatalf("reading %s: %v", key, err)
			}
			out = append(out, artifact{"value of " + key + " (" + typ + ")", val})
		}
		if err := iter.Err(); err != nil {
			t.Fatalf("SCAN %s*: %v", prefix, err)
		}
	}
	return out
}

func rawRows(t *testing.T, s backends.SQL) []artifact {
	t.Helper()
	rows, err := s.DB().Table(s.Table()).Rows()
	if err != nil {
		t.Fatalf("SELECT * FROM %s: %v", s.Table(), err)
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		t.Fatal(err)
	}
	var out []artifact
	for n := 0; rows.Next(); n++ {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatalf("scan: %v", err)
		}
		for i, v := range vals {
			var b []byte
			switch v := v.(type) {
			case []byte:
				b = v
			case string:
				b = []byte(v)
			case time.Time:
				b = []byte(v.Format(time.RFC3339Nano))
			case nil:
			default:
				b = []byte(fmt.Sprint(v))
			}
			out = append(out, artifact{fmt.Sprintf("row %d column %s", n, cols[i]), b})
		}
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// listDir returns the sorted names in dir.
// sessionFiles is listDir of a file store's folder without the store's
// locks folder, which it checks holds only stripe and lock files.
func sessionFiles(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	for _, n := range listDir(t, dir) {
		if n != "locks" {
			out = append(out, n)
			continue
		}
		for _, l := range listDir(t, filepath.Join(dir, "locks")) {
			if !lockName.MatchString(l) {
				t.Errorf("the store's locks folder holds %q", l)
			}
		}
	}
	return out
}

var lockName = regexp.MustCompile(`^(stripes|stripe-[0-9a-f]{2}|[0-9a-f]{64}\.lock)$`)

func listDir(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	names := make([]string, len(entries))
	for i, e := range entries {
		names[i] = e.Name()
	}
	sort.Strings(names)
	return names
}
