package session

import (
	"context"
	"net/http"

	"github.com/seed-699a33a2/session/store"
)

// Destroy deletes the session from the store and expires the cookie (with
// the same Path, Domain, Secure and SameSite as the cookie it replaces), so
// the ID never loads again. The cookie driver cannot revoke a session on the
// server: there Destroy expires the cookie in the browser only.
//
// Inside the middleware, Destroy also empties the request's data map; what
// the handler writes to the map afterwards starts a new session under a new
// ID (so "signed out" can be flashed), and with no such writes nothing is
// stored.
func (m *Manager) Destroy(w http.ResponseWriter, id string) error {
	rs := m.writerState(w)
	ctx := context.Background()
	if rs != nil {
		if rs.headersSent() {
			return ErrHeadersWritten
		}
		var cancel context.CancelFunc
		ctx, cancel = detach(rs.r.Context())
		defer cancel()
	}
	if store.ValidID(id) {
		t0 := m.begin()
		err := m.store.Delete(ctx, id)
		m.observe(ctx, "delete", t0, 0, err)
		if err != nil {
			return backendErr("destroy", err)
		}
	}
	m.expireCookie(w.Header())
	if rs != nil {
		clear(rs.data)
		rs.st = &state{ctx: rs.r.Context()}
		rs.setID(store.NewID())
	}
	return nil
}

// Regenerate moves the session to a new ID: the new ID carries the same
// data, the old one is deleted and loads nothing, and later changes go to the
// new ID only. Call it on sign-in and on every change of privilege, so that
// an ID known to someone else before (session fixation) is worthless after.
// It returns the new ID; inside the middleware the request's ID changes too.
// The session's CSRF token, if it has one, is replaced.
func (m *Manager) Regenerate(w http.ResponseWriter, id string, data map[string]any) (string, error) {
	rs := m.writerState(w)
	var (
		st  *state
		err error
	)
	if rs != nil {
		if rs.headersSent() {
			return "", ErrHeadersWritten
		}
		if !rs.st.owns(id) {
			return "", ErrIDMismatch
		}
		rs.adopt(data)
		st, data = rs.st, rs.data
	} else if st, err = stateFor(id, data); err != nil {
		return "", err
	}
	ctx, cancel := detach(st.ctx)
	if rs != nil {
		ctx, cancel = detach(rs.r.Context())
	}
	defer cancel()

	created := st.created
	if created.IsZero() {
		created = m.cfg.Now()
	}
	next := &state{id: store.NewID(), previous: st.id, created: created, ctx: st.ctx}
	oldToken, hadToken := data[csrfKey]
	rotateCSRF(data) // a token seen before sign-in is worthless after
	delete(data, handleKey)
	if err := m.commit(ctx, w.Header(), next, data); err != nil {
		if hadToken {
			data[csrfKey] = oldToken
		}
		if !st.whole && rs == nil {
			data[handleKey] = st
		}
		return "", err
	}
	if st.stored || st.whole {
		t0 := m.begin()
		err := m.store.Delete(ctx, st.id)
		m.observe(ctx, "delete", t0, 0, err)
		if err != nil {
			return next.id, backendErr("regenerate: delete old session", err)
		}
	}
	switch {
	case rs != nil:
		rs.st = next
		rs.setID(next.id)
	case next.stored:
		data[handleKey] = next
	}
	return next.id, nil
}
