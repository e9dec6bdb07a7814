package session

import (
	"fmt"
	"net"
	"net/http"
	"unicode/utf8"
)

// Reserved keys Login writes: the user, and where they signed in from.
const (
	userKey      = ReservedPrefix + "user"
	ipKey        = ReservedPrefix + "ip"
	userAgentKey = ReservedPrefix + "ua"
)

// UserID returns the user the session is tied to by Login, or "".
func UserID(data map[string]any) string {
	u, _ := data[userKey].(string)
	return u
}

// Login ties the request's session to userID on sign-in: it records the
// user, the client's IP address and user agent (its first 512 bytes), and
// regenerates the session ID (so an ID known before sign-in is worthless
// after). It returns the new ID. With a store that implements
// store.UserIndex, the user's sessions can then be listed and ended
// (UserSessions, EndUserSession, EndUserSessions). Inside the middleware it
// uses the middleware's session.
func (m *Manager) Login(w http.ResponseWriter, r *http.Request, userID string) (string, error) {
	if userID == "" {
		return "", fmt.Errorf("%w: Login needs a user ID", ErrConfig)
	}
	id, data, err := m.Start(r)
	if err != nil {
		return "", err
	}
	data[userKey] = userID
	data[ipKey] = truncate(clientIP(r), maxIPLen)
	data[userAgentKey] = truncate(r.UserAgent(), maxUserAgentLen)
	return m.Regenerate(w, id, data)
}

// How much of the client's address and user agent Login keeps: an IPv6
// address with its zone, and more of a user agent than any browser sends.
const (
	maxIPLen        = 45
	maxUserAgentLen = 512
)

// truncate cuts s to at most n bytes, at a rune boundary.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// signIn returns what Login recorded in data: the user, and where they
// signed in from.
func signIn(data map[string]any) (user, ip, ua string) {
	user, _ = data[userKey].(string)
	ip, _ = data[ipKey].(string)
	ua, _ = data[userAgentKey].(string)
	return user, ip, ua
}

func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}
