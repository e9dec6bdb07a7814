package session

import (
	"context"
	"net/http"
)

// reqState is one manager's session in one request inside its middleware:
// the user's map, the bookkeeping beside it, and the request and writer it
// is committed with. A request may carry the sessions of several managers
// (a middleware inside another): each reqState links to the one of the
// middleware installed outside it.
//
// A reqState is also the context of the request the handler sees: it
// answers its own key and hands every other to the request's context (one
// allocation for both), and it holds its response writer by value.
type reqState struct {
	context.Context // the request's context, as the middleware got it

	m    *Manager
	st   *state // its id is the session's current ID
	data map[string]any
	r    *http.Request // the request as the handler sees it
	w    *responseWriter
	// onID are told the new ID after Regenerate or Destroy (adapters keep
	// their own copies of the ID, such as gin's "session_id").
	onID  []func(id string)
	outer *reqState

	writer responseWriter // w points here
	state  state          // st points here at first (Regenerate and Destroy move it)
	vary   [1]string      // backs the response's Vary value when the middleware sets the first
}

type ctxKey struct{}

// Value returns the reqState for its key, and the request context's value
// for any other.
func (rs *reqState) Value(key any) any {
	if _, ok := key.(ctxKey); ok {
		return rs
	}
	return rs.Context.Value(key)
}

// innermost returns the session of the middleware installed last around
// the request whose context is ctx, or nil.
func innermost(ctx context.Context) *reqState {
	rs, _ := ctx.Value(ctxKey{}).(*reqState)
	return rs
}

// requestState returns m's session in the request whose context is ctx, or
// nil outside m's middleware.
func (m *Manager) requestState(ctx context.Context) *reqState {
	return m.stateFrom(innermost(ctx))
}

// stateFrom returns m's session among inner and the sessions around it,
// or nil.
func (m *Manager) stateFrom(inner *reqState) *reqState {
	for rs := inner; rs != nil; rs = rs.outer {
		if rs.m == m {
			return rs
		}
	}
	return nil
}

// outermost returns the session of the first middleware installed, or nil.
func outermost(ctx context.Context) *reqState {
	rs := innermost(ctx)
	for rs != nil && rs.outer != nil {
		rs = rs.outer
	}
	return rs
}

// FromContext returns the session the middleware started for the request
// whose context is ctx: its ID (which follows Regenerate and Destroy) and its
// data map, which the handler may read and change; the middleware saves it.
// ok is false outside the middleware. When several managers' middlewares
// wrap the request, it is the session of the outermost (first installed)
// one; FromContextFor reaches any of them.
func FromContext(ctx context.Context) (id string, data map[string]any, ok bool) {
	return fromState(outermost(ctx))
}

// FromContextFor is FromContext for the session of manager m, when several
// managers' middlewares wrap one request (a short-lived "cart" session
// beside the main one, say).
func FromContextFor(ctx context.Context, m *Manager) (id string, data map[string]any, ok bool) {
	return fromState(m.requestState(ctx))
}

func fromState(rs *reqState) (string, map[string]any, bool) {
	if rs == nil {
		return "", nil, false
	}
	return rs.st.id, rs.data, true
}

// OnIDChange registers f to be called with the new ID whenever Regenerate or
// Destroy changes the ID of the session FromContext returns for ctx (the
// outermost manager's); every registered function is called, in order.
// Framework adapters use it to keep their copy of the ID current. It
// reports whether ctx belongs to a request inside the middleware.
func OnIDChange(ctx context.Context, f func(id string)) bool {
	return onIDChange(outermost(ctx), f)
}

// OnIDChangeFor is OnIDChange for the session of manager m.
func OnIDChangeFor(ctx context.Context, m *Manager, f func(id string)) bool {
	return onIDChange(m.requestState(ctx), f)
}

func onIDChange(rs *reqState, f func(id string)) bool {
	if rs == nil {
		return false
	}
	rs.onID = append(rs.onID, f)
	return true
}

// setID moves the request's session to id (after Regenerate or Destroy).
func (rs *reqState) setID(id string) {
	rs.st.id = id
	for _, f := range rs.onID {
		f(id)
	}
}

func (rs *reqState) headersSent() bool { return rs.w.wroteHeader }

// writerState finds m's session behind w, unwrapping the writers that
// have an Unwrap method as http.ResponseController does (the session
// writers of other managers and the framework adapters' writers among
// them).
func (m *Manager) writerState(w http.ResponseWriter) *reqState {
	for w != nil {
		if sw, ok := w.(*responseWriter); ok && sw.rs.m == m {
			return sw.rs
		}
		u, ok := w.(interface{ Unwrap() http.ResponseWriter })
		if !ok {
			return nil
		}
		w = u.Unwrap()
	}
	return nil
}
