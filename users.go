package session

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/seed-699a33a2/session/internal/codec"
	"github.com/seed-699a33a2/session/store"
)

// Reserved keys Login writes: the user, and where they signed in from.
const (
	userKey      = ReservedPrefix + "user"
	ipKey        = ReservedPrefix + "ip"
	userAgentKey = ReservedPrefix + "ua"
)

// ErrNoUserIndex reports a user-sessions call on a store that cannot find a
// user's sessions (the cookie driver keeps nothing on the server).
var ErrNoUserIndex = errors.New("session: the store cannot list a user's sessions")

// SessionInfo describes one of a user's sessions, for a "your devices"
// page. It never holds the session's ID.
type SessionInfo struct {
	// Handle names the session for EndUserSession; it opens nothing.
	// Handle(id) gives the handle of the current request's session.
	Handle       string
	Created      time.Time
	LastActivity time.Time // the last write or touch, to TouchInterval
	Expires      time.Time
	IPAddress    string // where Login was called from
	UserAgent    string // the browser Login was called from
}

// Handle returns the handle of the session with the given ID, to compare
// with SessionInfo.Handle (to mark "this device").
func Handle(id string) string { return store.HashID(id) }

// UserID returns the user the session is tied to by Login, or "".
func UserID(data map[string]any) string {
	u, _ := data[userKey].(string)
	return u
}

// Login ties the request's session to userID on sign-in: it records the
// user, the client's IP address and user agent, and regenerates the session
// ID (so an ID known before sign-in is worthless after). It returns the new
// ID. With a store that implements store.UserIndex, the user's sessions can
// then be listed and ended (UserSessions, EndUserSession, EndUserSessions).
// Inside the middleware it uses the middleware's session.
func (m *Manager) Login(w http.ResponseWriter, r *http.Request, userID string) (string, error) {
	if userID == "" {
		return "", fmt.Errorf("%w: Login needs a user ID", ErrConfig)
	}
	id, data, err := m.Start(r)
	if err != nil {
		return "", err
	}
	data[userKey] = userID
	data[ipKey] = clientIP(r)
	data[userAgentKey] = r.UserAgent()
	return m.Regenerate(w, id, data)
}

func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
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
		data := map[string]any{}
		if err := codec.Decode(us.Record.Data, data, nil); err != nil {
			continue // undecodable: not shown (Start would not open it either)
		}
		info := SessionInfo{Handle: us.Handle, Created: us.Record.Created, Expires: us.Record.Expires}
		info.IPAddress, _ = data[ipKey].(string)
		info.UserAgent, _ = data[userAgentKey].(string)
		idle, _ := m.lifetimes(data)
		info.LastActivity = us.Record.Expires.Add(-idle)
		if info.LastActivity.Before(info.Created) {
			info.LastActivity = info.Created
		}
		out = append(out, info)
	}
	sortNewestFirst(out)
	return out, nil
}

func sortNewestFirst(s []SessionInfo) {
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && s[j].LastActivity.After(s[j-1].LastActivity); j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
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
