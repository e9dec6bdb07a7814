package session

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/seed-699a33a2/session/internal/codec"
	"github.com/seed-699a33a2/session/store"
)

// ErrNoUserIndex reports a user-sessions call on a store that cannot find a
// user's sessions (the cookie driver keeps nothing on the server).
var ErrNoUserIndex = errors.New("session: the store cannot list a user's sessions")

// ErrNoListing reports a listing of every session on a store that cannot
// walk its sessions (the cookie driver keeps nothing on the server).
var ErrNoListing = errors.New("session: the store cannot list its sessions")

// SessionInfo describes one session, for a "your devices" page or an
// operator's listing. It never holds the session's ID.
type SessionInfo struct {
	// Handle names the session for EndUserSession and EndSession; it
	// opens nothing. Handle(id) gives the handle of the current request's
	// session.
	Handle string
	// User is who the session is tied to by Login ("" for nobody).
	User         string
	Created      time.Time
	LastActivity time.Time // the last write or touch (to TouchInterval): the expiry less the idle timeout
	Expires      time.Time
	IPAddress    string // where Login was called from
	UserAgent    string // the browser Login was called from
}

// Handle returns the handle of the session with the given ID, to compare
// with SessionInfo.Handle (to mark "this device").
func Handle(id string) string { return store.HashID(id) }

// info describes a listed session. ok is false for one whose data does not
// decode (Start would not open it either).
func (m *Manager) info(us store.UserSession) (SessionInfo, bool) {
	r := us.Record
	enc, _, err := m.unseal(us.Handle, r.Data)
	if err != nil {
		return SessionInfo{}, false // not a session under this manager's encryption
	}
	data := map[string]any{}
	if err := codec.Decode(enc, data, nil); err != nil {
		return SessionInfo{}, false
	}
	idle, _ := m.lifetimes(data) // the session's own, where SetLifetime set one
	last := r.Expires.Add(-idle)
	if last.Before(r.Created) {
		last = r.Created
	}
	return SessionInfo{Handle: us.Handle, User: r.UserID, Created: r.Created, LastActivity: last, Expires: r.Expires,
		IPAddress: r.IPAddress, UserAgent: r.UserAgent}, true
}

func (m *Manager) userIndex() (store.UserIndex, error) {
	ui, ok := m.store.(store.UserIndex)
	if !ok {
		return nil, fmt.Errorf("%w (%T)", ErrNoUserIndex, m.store)
	}
	return ui, nil
}

// UserSessions lists the live sessions of userID, newest first.
func (m *Manager) UserSessions(ctx context.Context, userID string) ([]SessionInfo, error) {
	ui, err := m.userIndex()
	if err != nil {
		return nil, err
	}
	list, err := ui.UserSessions(ctx, userID)
	if err != nil {
		return nil, backendErr("user sessions", err)
	}
	out := make([]SessionInfo, 0, len(list))
	for _, us := range list {
		if info, ok := m.info(us); ok {
			out = append(out, info)
		}
	}
	slices.SortStableFunc(out, func(a, b SessionInfo) int { return b.LastActivity.Compare(a.LastActivity) })
	return out, nil
}

// EndUserSession ends the session with the given handle if it belongs to
// userID ("sign out that device").
func (m *Manager) EndUserSession(ctx context.Context, userID, handle string) error {
	ui, err := m.userIndex()
	if err != nil {
		return err
	}
	if err := ui.DeleteUserSession(ctx, userID, handle); err != nil {
		return backendErr("end user session", err)
	}
	return nil
}

// EndUserSessions ends every session of userID except the one with the ID
// keep ("" ends them all): "log out other devices", or revoking a user's
// access. It returns how many it ended.
func (m *Manager) EndUserSessions(ctx context.Context, userID, keep string) (int, error) {
	ui, err := m.userIndex()
	if err != nil {
		return 0, err
	}
	list, err := ui.UserSessions(ctx, userID)
	if err != nil {
		return 0, backendErr("end user sessions", err)
	}
	keepHandle := ""
	if keep != "" {
		keepHandle = Handle(keep)
	}
	n := 0
	for _, us := range list {
		if us.Handle == keepHandle {
			continue
		}
		if err := ui.DeleteUserSession(ctx, userID, us.Handle); err != nil {
			return n, backendErr("end user sessions", err)
		}
		n++
	}
	return n, nil
}

func (m *Manager) lister() (store.Lister, error) {
	l, ok := m.store.(store.Lister)
	if !ok {
		return nil, fmt.Errorf("%w (%T)", ErrNoListing, m.store)
	}
	return l, nil
}

// Sessions calls fn with every live session of the store, in no particular
// order, until fn returns false: for operators (sessionctl list) and admin
// pages. It streams, so that memory does not grow with the number of
// sessions. A store that cannot walk its sessions (the cookie driver) is an
// error wrapping ErrNoListing.
func (m *Manager) Sessions(ctx context.Context, fn func(SessionInfo) bool) error {
	l, err := m.lister()
	if err != nil {
		return err
	}
	err = l.List(ctx, func(us store.UserSession) bool {
		info, ok := m.info(us)
		return !ok || fn(info)
	})
	if err != nil {
		return backendErr("sessions", err)
	}
	return nil
}

// EndSession ends the session with the given handle, whoever's it is: for
// operators. A handle that names no session is no error.
func (m *Manager) EndSession(ctx context.Context, handle string) error {
	l, err := m.lister()
	if err != nil {
		return err
	}
	if err := l.DeleteHandle(ctx, handle); err != nil {
		return backendErr("end session", err)
	}
	return nil
}
