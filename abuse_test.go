package session_test

import (
	"bytes"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/seed-699a33a2/session"
	"github.com/seed-699a33a2/session/memstore"
)

// TestNewStoreGivesTheMemoryDriverABudget: the memory store NewStore builds
// has a byte budget, 64 MiB unless SESSION_MEMORY_LIMIT says otherwise
// (bytes, or a size with a unit; 0 turns it off, an explicit choice).
func TestNewStoreGivesTheMemoryDriverABudget(t *testing.T) {
	for value, want := range map[string]int64{
		"":        64 << 20,
		"64MiB":   64 << 20,
		"1GB":     1e9,
		"512 KiB": 512 << 10,
		"1048576": 1 << 20,
		"1.5GiB":  3 << 29,
		"0":       0,
	} {
		t.Setenv("SESSION_MEMORY_LIMIT", value)
		st, err := session.NewStore(nil)
		if err != nil {
			t.Fatalf("SESSION_MEMORY_LIMIT=%q: %v", value, err)
		}
		if _, got := st.(*memstore.Store).Limits(); got != want {
			t.Errorf("SESSION_MEMORY_LIMIT=%q: budget %d, want %d", value, got, want)
		}
	}
	for _, bad := range []string{"lots", "-1", "64XB", "1e9"} {
		t.Setenv("SESSION_MEMORY_LIMIT", bad)
		_, err := session.NewStore(nil)
		if !errors.Is(err, session.ErrConfig) || !strings.Contains(err.Error(), `SESSION_MEMORY_LIMIT="`+bad+`"`) {
			t.Errorf("SESSION_MEMORY_LIMIT=%q: %v, want an error naming the variable and the value", bad, err)
		}
	}
}

// TestAnonymousFloodDoesNotSignAnyoneOut: through the middleware, with a
// 1 MiB budget, a visitor signs in; then anonymous visitors whose sessions
// add up to ten times the budget pour in; the signed-in visitor is still
// signed in, and the store holds no more than its budget.
func TestAnonymousFloodDoesNotSignAnyoneOut(t *testing.T) {
	const budget = 1 << 20
	st := memstore.New(memstore.Options{MaxBytes: budget})
	t.Cleanup(func() { st.Close() })
	m := newManager(t, st, session.Config{})
	h := m.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/login":
			if _, err := m.Login(w, r, "ada"); err != nil {
				http.Error(w, err.Error(), http.StatusInternalServerError)
			}
		case "/signin-form": // what a sign-in page stores for every visitor
			_, data, _ := m.Start(r)
			m.CSRFToken(data)
			m.FlashOldInput(data, map[string]string{"username": strings.Repeat("u", 300)})
		case "/whoami":
			_, data, _ := m.Start(r)
			io.WriteString(w, session.UserID(data))
		}
	}))
	dev := &device{ua: "Laptop/1.0"}
	dev.do(t, m, func(w http.ResponseWriter, r *http.Request) { h.ServeHTTP(w, withPath(r, "/login")) })
	for range budget * 10 / 400 {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", "/signin-form", nil))
		if rec.Code != 200 {
			t.Fatalf("an anonymous visit: %d %s", rec.Code, rec.Body)
		}
		if st.Bytes() > budget {
			t.Fatalf("the store holds %d bytes, over its budget", st.Bytes())
		}
	}
	var who string
	dev.do(t, m, func(w http.ResponseWriter, r *http.Request) {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, withPath(r, "/whoami"))
		who = rec.Body.String()
	})
	if who != "ada" {
		t.Fatalf("after the flood the signed-in visitor is %q, want ada", who)
	}
}

func withPath(r *http.Request, path string) *http.Request {
	r.URL.Path = path
	return r
}

// countingBody is a request body that counts the bytes read from it.
type countingBody struct {
	r    io.Reader
	read atomic.Int64
}

func (b *countingBody) Read(p []byte) (int, error) {
	n, err := b.r.Read(p)
	b.read.Add(int64(n))
	return n, err
}
func (b *countingBody) Close() error { return nil }

// TestCSRFRejectsATokenlessRequestBeforeReadingItsBody: an unsafe request
// whose session holds no token is rejected without reading a byte of its
// body (64 MB of multipart would otherwise be parsed before the 403).
func TestCSRFRejectsATokenlessRequestBeforeReadingItsBody(t *testing.T) {
	m := newManager(t, memStore(t), session.Config{})
	ran := false
	h := m.Middleware(m.CSRF(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { ran = true })))
	for _, method := range []string{"POST", "PUT", "DELETE", "PATCH", "TRACE"} {
		body := &countingBody{r: strings.NewReader("csrf_token=x&" + strings.Repeat("a", 8<<20))}
		r := httptest.NewRequest(method, "/", nil)
		r.Body = body
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		if rec.Code != http.StatusForbidden || ran || body.read.Load() != 0 {
			t.Errorf("%s without a session token: %d, handler ran %v, %d body bytes read; want 403 before any byte",
				method, rec.Code, ran, body.read.Load())
		}
	}
}

// TestFileFolderOthersCanWriteIntoIsAConfigurationError: NewStore refuses
// a session folder its group or everyone may write into, naming
// SESSION_FILE_PATH and the mode.
func TestFileFolderOthersCanWriteIntoIsAConfigurationError(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "sessions")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, 0o777); err != nil {
		t.Fatal(err)
	}
	_, err := session.NewStoreFromConfig(session.Config{Driver: "file", FilePath: dir}, nil)
	if err == nil || !strings.Contains(err.Error(), `SESSION_FILE_PATH="`+dir+`"`) || !strings.Contains(err.Error(), "drwxrwxrwx") {
		t.Fatalf("a world-writable folder: %v", err)
	}
}

// TestSaveRefusesWhatDecodingWouldRefuse: data whose decoding would
// allocate more than 16 bytes a byte (thousands of empty slices) is
// ErrTooLarge at Save, never stored to fail every later load.
func TestSaveRefusesWhatDecodingWouldRefuse(t *testing.T) {
	m := newManager(t, memStore(t), session.Config{})
	id, data, _ := m.Start(httptest.NewRequest("GET", "/", nil))
	empties := make([]any, 5000)
	for i := range empties {
		empties[i] = []any{}
	}
	data["empties"] = empties
	if err := m.Save(httptest.NewRecorder(), id, data); !errors.Is(err, session.ErrTooLarge) {
		t.Fatalf("Save = %v, want ErrTooLarge", err)
	}
}

// TestRedisDownAtStartIsAWarningNotAFailure: NewStore pings Redis once;
// when nothing answers it logs a warning naming the address (never the
// password) and returns the store, so that an application may start
// before its Redis.
func TestRedisDownAtStartIsAWarningNotAFailure(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	t.Setenv("SESSION_REDIS_URL", "redis://:hunter2@"+addr+"/0")
	var logs bytes.Buffer
	t0 := time.Now()
	st, err := session.NewStoreFromConfig(session.Config{Driver: "redis", Logger: slog.New(slog.NewTextHandler(&logs, nil))}, nil)
	if err != nil {
		t.Fatalf("NewStore with Redis down: %v", err)
	}
	defer st.(io.Closer).Close()
	out := logs.String()
	if !strings.Contains(out, "level=WARN") || !strings.Contains(out, addr) || strings.Contains(out, "hunter2") || time.Since(t0) > 2*time.Second {
		t.Fatalf("after %v the log says:\n%s", time.Since(t0), out)
	}
}
