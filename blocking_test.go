package session_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/seed-699a33a2/session"
	"github.com/seed-699a33a2/session/internal/backends"
	"github.com/seed-699a33a2/session/store/storetest"
)

func blockingDrivers(t *testing.T, cfg session.Config, fn func(t *testing.T, m *session.Manager)) {
	forEachDriver(t, func(t *testing.T, d backends.Driver) {
		clock := storetest.NewClock(timeNow(d))
		cfg := cfg
		cfg.Now = clock.Now
		st := d.New(t, clock.Now)
		m, err := session.New(st, cfg)
		if d.ClientSide {
			if !errors.Is(err, session.ErrConfig) {
				t.Fatalf("blocking mode on the cookie driver: err = %v, want ErrConfig", err)
			}
			return
		}
		if err != nil {
			t.Fatal(err)
		}
		fn(t, m)
	})
}

// TestBlockingRunsRequestsOneAtATime: read-modify-write of a counter from
// concurrent requests on one session; without the lock, increments would be
// lost (both read the same value).
func TestBlockingRunsRequestsOneAtATime(t *testing.T) {
	cfg := session.Config{Blocking: func(r *http.Request) bool { return strings.HasPrefix(r.URL.Path, "/pay") }}
	blockingDrivers(t, cfg, func(t *testing.T, m *session.Manager) {
		b := newBrowser(t, m)
		b.request(func(_ string, d map[string]interface{}, _ http.ResponseWriter) { d["n"] = 0 })
		h := m.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			_, data, _ := m.Start(r)
			n := data["n"].(int)
			time.Sleep(5 * time.Millisecond) // widen the race window
			data["n"] = n + 1
		}))
		const requests = 5
		var wg sync.WaitGroup
		for i := 0; i < requests; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				r := httptest.NewRequest("POST", "/pay", nil)
				r.AddCookie(&http.Cookie{Name: m.Config().CookieName, Value: b.cookie})
				w := httptest.NewRecorder()
				h.ServeHTTP(w, r)
				if w.Code != 200 {
					t.Errorf("status %d: %s", w.Code, w.Body.String())
				}
			}()
		}
		wg.Wait()
		b.request(func(_ string, d map[string]interface{}, _ http.ResponseWriter) {
			if d["n"] != requests {
				t.Fatalf("n = %v after %d blocking increments", d["n"], requests)
			}
		})
	})
}

func TestBlockingTimeoutIsAClearError(t *testing.T) {
	var got error
	cfg := session.Config{
		Blocking:  func(*http.Request) bool { return true },
		BlockWait: 50 * time.Millisecond,
		ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
			got = err
			w.WriteHeader(http.StatusServiceUnavailable)
		},
	}
	blockingDrivers(t, cfg, func(t *testing.T, m *session.Manager) {
		got = nil
		b := newBrowser(t, m)
		b.request(func(_ string, d map[string]interface{}, _ http.ResponseWriter) { d["x"] = 1 })
		entered, release := make(chan struct{}), make(chan struct{})
		h := m.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == "/slow" {
				close(entered)
				<-release
			}
		}))
		req := func(path string) *httptest.ResponseRecorder {
			r := httptest.NewRequest("GET", path, nil)
			r.AddCookie(&http.Cookie{Name: m.Config().CookieName, Value: b.cookie})
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			return w
		}
		done := make(chan struct{})
		go func() { req("/slow"); close(done) }()
		<-entered
		w := req("/fast")
		close(release)
		<-done
		if w.Code != http.StatusServiceUnavailable || !errors.Is(got, session.ErrLockTimeout) {
			t.Fatalf("second request: %d, err %v; want 503 and ErrLockTimeout", w.Code, got)
		}
		if w := req("/fast"); w.Code != 200 {
			t.Fatalf("after the lock was released: %d", w.Code)
		}
	})
}

func TestDefaultLockTimeoutAnswer(t *testing.T) {
	m := newManager(t, memStore(t), session.Config{Blocking: func(*http.Request) bool { return true }, BlockWait: 20 * time.Millisecond})
	b := newBrowser(t, m)
	b.request(func(_ string, d map[string]interface{}, _ http.ResponseWriter) { d["x"] = 1 })
	entered, release := make(chan struct{}), make(chan struct{})
	h := m.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/slow" {
			close(entered)
			<-release
		}
	}))
	go func() {
		r := httptest.NewRequest("GET", "/slow", nil)
		r.AddCookie(&http.Cookie{Name: m.Config().CookieName, Value: b.cookie})
		h.ServeHTTP(httptest.NewRecorder(), r)
	}()
	<-entered
	defer close(release)
	r := httptest.NewRequest("GET", "/", nil)
	r.AddCookie(&http.Cookie{Name: m.Config().CookieName, Value: b.cookie})
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	if w.Code != http.StatusServiceUnavailable || w.Header().Get("Retry-After") == "" {
		t.Fatalf("default answer to a lock timeout: %d %v", w.Code, w.Header())
	}
}
