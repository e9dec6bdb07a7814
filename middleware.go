package session

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"time"

	"github.com/seed-699a33a2/session/store"
)

// unlockTimeout bounds the release of a blocking-mode lock.
const unlockTimeout = 5 * time.Second

// Middleware loads the session before next runs and saves it when next is
// done, or earlier, just before the first byte of the response: when the
// handler writes a body, calls WriteHeader, flushes, or hijacks the
// connection. Handlers reach the session with m.Start(r) (the same ID and
// map, no second load), FromContext(r.Context()) or FromContextFor.
//
// Each manager's middleware keeps its own session: with several managers
// (and cookie names), one middleware inside the other, a request carries
// one session per manager, each loaded, tracked and saved by its own
// middleware.
//
// A change to the session after the first byte cannot be saved any more:
// the middleware logs it once at Warn through Config.Logger, naming the
// keys (never their values), and reports a StoreEvent with Op "late_change"
// and Err ErrLateChange.
//
// Responses carry "Vary: Cookie", and those that set the cookie also
// `Cache-Control: no-cache="Set-Cookie"`. A handler that panics saves
// nothing. When the store fails, Config.ErrorHandler answers the request
// (by default: logged, and a bare 500). http.Flusher, http.Hijacker and
// http.ResponseController keep working through the wrapped writer.
func (m *Manager) Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		outer := innermost(r.Context()) // one walk of the context for both uses
		if m.stateFrom(outer) != nil {
			next.ServeHTTP(w, r) // already inside this manager's middleware
			return
		}
		rs := &reqState{Context: r.Context(), m: m, outer: outer}
		if h := w.Header(); !slices.Contains(h["Vary"], "Cookie") {
			var slot *[1]string
			if len(h["Vary"]) == 0 {
				slot = &rs.vary
			}
			addValue(h, "Vary", "Cookie", slot)
		}
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
		rs.st = &rs.state
		data, err := m.load(r, rs.st)
		if err != nil {
			m.handleError(w, r, err)
			return
		}
		rs.data = data
		rs.r = r.WithContext(rs)
		rs.writer = responseWriter{ResponseWriter: w, rs: rs}
		rs.w = &rs.writer
		next.ServeHTTP(rs.w, rs.r)
		// Not reached when next panics: a panicking handler saves nothing.
		switch {
		case !rs.w.wroteHeader:
			rs.w.commit()
		case !rs.w.failed:
			m.checkLate(rs)
		}
	})
}

// lock takes the lock of the session the request's cookie names, for the
// blocking mode. A request without a valid ID has nothing to wait for.
func (m *Manager) lock(r *http.Request) (func(context.Context) error, error) {
	tokens, n := sessionCookies(r, m.cfg.CookieName)
	if n == 0 || !store.ValidID(tokens[0]) {
		return func(context.Context) error { return nil }, nil
	}
	ctx, cancel := context.WithTimeout(r.Context(), m.cfg.BlockWait)
	defer cancel()
	t0 := m.begin()
	unlock, err := m.store.(store.Locker).Lock(ctx, tokens[0], m.cfg.BlockLease)
	m.observe(ctx, "lock", t0, 0, err)
	if err != nil {
		if errors.Is(err, store.ErrLockTimeout) {
			return nil, &opError{op: "lock", err: fmt.Errorf("%w (waited %s)", err, m.cfg.BlockWait)}
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
