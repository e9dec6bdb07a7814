package session

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"

	"github.com/seed-699a33a2/session/store"
)

// reqState is the middleware's session for one request.
type reqState struct {
	m    *Manager
	r    *http.Request
	w    *responseWriter
	id   string
	data map[string]interface{}
	// onID is told the new ID after Regenerate or Destroy (adapters keep
	// their own copies of the ID, such as gin's "session_id").
	onID []func(id string)
}

type ctxKey struct{}

// unlockTimeout bounds the release of a blocking-mode lock.
const unlockTimeout = 5 * time.Second

func requestState(ctx context.Context, m *Manager) *reqState {
	rs, _ := ctx.Value(ctxKey{}).(*reqState)
	if rs == nil || (m != nil && rs.m != m) {
		return nil
	}
	return rs
}

// FromContext returns the session the middleware started for the request
// whose context is ctx: its ID (which follows Regenerate and Destroy) and its
// data map, which the handler may read and change; the middleware saves it.
// ok is false outside the middleware.
func FromContext(ctx context.Context) (id string, data map[string]interface{}, ok bool) {
	rs := requestState(ctx, nil)
	if rs == nil {
		return "", nil, false
	}
	return rs.id, rs.data, true
}

// OnIDChange registers f to be called with the new ID whenever Regenerate or
// Destroy changes the ID of the middleware-managed request whose context is
// ctx; every registered function is called, in order. Framework adapters use
// it to keep their copy of the ID current. It reports whether ctx belongs to
// such a request.
func OnIDChange(ctx context.Context, f func(id string)) bool {
	rs := requestState(ctx, nil)
	if rs == nil {
		return false
	}
	rs.onID = append(rs.onID, f)
	return true
}

func (rs *reqState) setID(id string) {
	rs.id = id
	for _, f := range rs.onID {
		f(id)
	}
}

func (rs *reqState) headersSent() bool { return rs.w.wroteHeader }

// writerState finds the middleware's state behind w, unwrapping wrappers
// that have an Unwrap method as http.ResponseController does.
func writerState(w http.ResponseWriter, m *Manager) *reqState {
	for w != nil {
		if sw, ok := w.(*responseWriter); ok {
			if sw.rs.m == m {
				return sw.rs
			}
		}
		u, ok := w.(interface{ Unwrap() http.ResponseWriter })
		if !ok {
			return nil
		}
		w = u.Unwrap()
	}
	return nil
}

// Middleware loads the session before next runs and saves it when next is
// done, or earlier, just before the first byte of the response: when the
// handler writes a body, calls WriteHeader, flushes, or hijacks the
// connection. Handlers reach the session with m.Start(r) (the same ID and
// map, no second load) or FromContext(r.Context()).
//
// Responses carry "Vary: Cookie", and those that set the cookie also
// `Cache-Control: no-cache="Set-Cookie"`. A handler that panics saves
// nothing. When the store fails, Config.ErrorHandler answers the request
// (by default: logged, and a bare 500). http.Flusher, http.Hijacker and
// http.ResponseController keep working through the wrapped writer.
func (m *Manager) Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if requestState(r.Context(), m) != nil {
			next.ServeHTTP(w, r) // already inside this manager's middleware
			return
		}
		w.Header().Add("Vary", "Cookie")
		if m.cfg.Blocking != nil && m.cfg.Blocking(r) {
			unlock, err := m.lock(r)
			if err != nil {
				m.handleError(w, r, err)
				return
			}
			// Deferred: released after the commit, and on a panic too.
			defer func() {
				// Its own timeout: the lock must go even when the
				// request's deadline has passed.
				ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), unlockTimeout)
				defer cancel()
				_ = unlock(ctx) // a lock not released expires with its lease
			}()
		}
		id, data, err := m.load(r)
		if err != nil {
			m.handleError(w, r, err)
			return
		}
		rs := &reqState{m: m, id: id, data: data}
		rs.r = r.WithContext(context.WithValue(r.Context(), ctxKey{}, rs))
		rs.w = &responseWriter{ResponseWriter: w, rs: rs}
		next.ServeHTTP(rs.w, rs.r)
		// Not reached when next panics: a panicking handler saves nothing.
		if !rs.w.wroteHeader {
			rs.w.commit()
		}
	})
}

// lock takes the lock of the session the request's cookie names, for the
// blocking mode. A request without a valid ID has nothing to wait for.
func (m *Manager) lock(r *http.Request) (func(context.Context) error, error) {
	c, err := r.Cookie(m.cfg.CookieName)
	if err != nil || !store.ValidID(c.Value) {
		return func(context.Context) error { return nil }, nil
	}
	ctx, cancel := context.WithTimeout(r.Context(), m.cfg.BlockWait)
	defer cancel()
	t0 := m.begin()
	unlock, err := m.store.(store.Locker).Lock(ctx, c.Value, m.cfg.BlockLease)
	m.observe(ctx, "lock", t0, 0, err)
	if err != nil {
		if errors.Is(err, store.ErrLockTimeout) {
			return nil, fmt.Errorf("session: waited %s: %w", m.cfg.BlockWait, err)
		}
		return nil, backendErr("lock", err)
	}
	return unlock, nil
}

func (m *Manager) handleError(w http.ResponseWriter, r *http.Request, err error) {
	if m.cfg.ErrorHandler != nil {
		m.cfg.ErrorHandler(w, r, err)
		return
	}
	if errors.Is(err, ErrLockTimeout) {
		m.logger().WarnContext(r.Context(), "session: request gave up waiting for its session", "err", err, "method", r.Method, "path", r.URL.Path)
		w.Header().Set("Retry-After", "1")
		http.Error(w, http.StatusText(http.StatusServiceUnavailable), http.StatusServiceUnavailable)
		return
	}
	m.logger().ErrorContext(r.Context(), "session: store failed", "err", err, "method", r.Method, "path", r.URL.Path)
	http.Error(w, http.StatusText(http.StatusInternalServerError), http.StatusInternalServerError)
}

// responseWriter commits the session before the response's first byte.
type responseWriter struct {
	http.ResponseWriter
	rs          *reqState
	wroteHeader bool // the session was committed, or failed and answered
	failed      bool // the commit failed and the error handler answered
}

// commit saves the session and reports whether the response may go on.
func (w *responseWriter) commit() bool {
	if w.wroteHeader {
		return !w.failed
	}
	rs := w.rs
	ctx, cancel := detach(rs.r.Context())
	defer cancel()
	err := rs.m.commit(ctx, w.Header(), rs.id, rs.data)
	w.wroteHeader = true
	if err != nil {
		w.failed = true
		rs.m.handleError(w.ResponseWriter, rs.r, err)
		return false
	}
	return true
}

func (w *responseWriter) WriteHeader(code int) {
	if code >= 100 && code < 200 && code != http.StatusSwitchingProtocols {
		w.ResponseWriter.WriteHeader(code) // informational: the real header comes later
		return
	}
	if w.wroteHeader {
		if !w.failed {
			w.ResponseWriter.WriteHeader(code)
		}
		return
	}
	if w.commit() {
		w.ResponseWriter.WriteHeader(code)
	}
}

func (w *responseWriter) Write(p []byte) (int, error) {
	if !w.wroteHeader {
		w.WriteHeader(http.StatusOK)
	}
	if w.failed {
		return 0, ErrCommitFailed
	}
	return w.ResponseWriter.Write(p)
}

// ReadFrom keeps io.Copy's fast paths (sendfile) working.
func (w *responseWriter) ReadFrom(src io.Reader) (int64, error) {
	if !w.wroteHeader {
		w.WriteHeader(http.StatusOK)
	}
	if w.failed {
		return 0, ErrCommitFailed
	}
	if rf, ok := w.ResponseWriter.(io.ReaderFrom); ok {
		return rf.ReadFrom(src)
	}
	return io.Copy(writerOnly{w.ResponseWriter}, src)
}

type writerOnly struct{ io.Writer }

func (w *responseWriter) Flush() { _ = w.FlushError() }

// FlushError is Flush for http.ResponseController.
func (w *responseWriter) FlushError() error {
	if !w.wroteHeader {
		w.WriteHeader(http.StatusOK)
	}
	if w.failed {
		return ErrCommitFailed
	}
	return http.NewResponseController(w.ResponseWriter).Flush()
}

func (w *responseWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	if !w.commit() {
		return nil, nil, ErrCommitFailed
	}
	return http.NewResponseController(w.ResponseWriter).Hijack()
}

// Unwrap returns the wrapped writer, for http.ResponseController.
func (w *responseWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
