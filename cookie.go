package session

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
	"unsafe"
)

// maxCookieLen is the size browsers guarantee for one cookie, counted over
// the whole Set-Cookie value (name, value and attributes).
const maxCookieLen = 4096

// noCacheCookie keeps shared caches from storing a response's Set-Cookie.
const noCacheCookie = `no-cache="Set-Cookie"`

func (m *Manager) cookie(value string, maxAge int, expires time.Time) *http.Cookie {
	return &http.Cookie{
		Name:        m.cfg.CookieName,
		Value:       value,
		Path:        m.cfg.Path,
		Domain:      m.cfg.Domain,
		MaxAge:      maxAge,
		Expires:     expires,
		Secure:      m.cfg.Secure,
		HttpOnly:    !m.cfg.DisableHTTPOnly,
		SameSite:    m.cfg.SameSite,
		Partitioned: m.cfg.Partitioned,
	}
}

// cookieParts are the constant parts of the session's Set-Cookie line, as
// http.Cookie.String writes them: after the value, the Path and Domain;
// after Max-Age, the flags (HttpOnly, Secure, SameSite).
type cookieParts struct {
	scope, flags string
}

func (m *Manager) cookieParts() cookieParts {
	name := m.cfg.CookieName
	scope := (&http.Cookie{Name: name, Path: m.cfg.Path, Domain: m.cfg.Domain}).String()
	flags := (&http.Cookie{Name: name, Secure: m.cfg.Secure, HttpOnly: !m.cfg.DisableHTTPOnly, SameSite: m.cfg.SameSite, Partitioned: m.cfg.Partitioned}).String()
	return cookieParts{scope: scope[len(name)+1:], flags: flags[len(name)+1:]}
}

// cookieLine is m.cookie(token, maxAge, expires).String() without its
// per-call validation and formatting costs: the name, path, domain and
// flags were checked when the manager was made, and tokens are base64url,
// which needs no escaping. A maxAge of 0 (with the zero expires) is a
// browser-session cookie, without Expires or Max-Age.
// TestCookieLineMatchesNetHTTP holds the two equal.
func (m *Manager) cookieLine(token string, maxAge int, expires time.Time) string {
	// The line's length at most, with the Expires date and Max-Age at
	// their longest for years of four digits (a longer one only grows b).
	n := len(m.cfg.CookieName) + 1 + len(token) + len(m.parts.scope) + len(m.parts.flags) +
		len("; Expires=") + len(http.TimeFormat) + len("; Max-Age=") + 19
	if n <= shortLine {
		// A server-side session's line: built on the stack, one
		// allocation, the string.
		var buf [shortLine]byte
		return string(m.appendLine(buf[:0], token, maxAge, expires))
	}
	// A sealed cookie's line, kilobytes long: built where it stays, one
	// allocation (appending to the stack's buffer would grow it on the
	// heap, then copy it into the string).
	b := m.appendLine(make([]byte, 0, n), token, maxAge, expires)
	return unsafe.String(unsafe.SliceData(b), len(b))
}

// shortLine is the longest Set-Cookie line cookieLine builds on the stack.
const shortLine = 512

// appendLine appends the Set-Cookie line of cookieLine to b.
func (m *Manager) appendLine(b []byte, token string, maxAge int, expires time.Time) []byte {
	b = append(b, m.cfg.CookieName...)
	b = append(b, '=')
	b = append(b, token...)
	b = append(b, m.parts.scope...)
	if maxAge > 0 {
		b = append(b, "; Expires="...)
		b = m.appendExpires(b, expires)
		b = append(b, "; Max-Age="...)
		b = strconv.AppendInt(b, int64(maxAge), 10)
	}
	return append(b, m.parts.flags...)
}

// expiresText is a cookie's Expires date, as http.TimeFormat writes it,
// for the second sec.
type expiresText struct {
	sec  int64
	text string
}

// appendExpires appends t as a cookie's Expires date. Formatting a date
// costs more than the rest of the line, and the cookies set within one
// second share theirs: the last one formatted is kept.
func (m *Manager) appendExpires(b []byte, t time.Time) []byte {
	sec := t.Unix()
	if e := m.expires.Load(); e != nil && e.sec == sec {
		return append(b, e.text...)
	}
	start := len(b)
	b = t.UTC().AppendFormat(b, http.TimeFormat)
	m.expires.Store(&expiresText{sec: sec, text: string(b[start:])})
	return b
}

// setCookie sets the session cookie on h, replacing one set earlier in the
// same response, with Max-Age the whole seconds left until expires (rounded
// up, at least 1) and a matching Expires; or, for a session the browser is
// to drop when it closes (Config.ExpireOnClose, not RememberMe), neither.
func (m *Manager) setCookie(h http.Header, slots *headerSlots, token string, expires, now time.Time, data map[string]any) error {
	left := expires.Sub(now)
	maxAge := int((left + time.Second - 1) / time.Second)
	if maxAge < 1 {
		maxAge = 1
	}
	at := now.Add(time.Duration(maxAge) * time.Second)
	if !m.persistent(data) {
		maxAge, at = 0, time.Time{}
	}
	v := m.cookieLine(token, maxAge, at)
	if len(v) > maxCookieLen {
		return &opError{op: "save", err: ErrCookieTooLarge}
	}
	m.putCookie(h, slots, v)
	m.noCache(h, slots)
	return nil
}

// noCache keeps shared caches from storing the response's Set-Cookie.
func (m *Manager) noCache(h http.Header, slots *headerSlots) {
	if !slices.Contains(h["Cache-Control"], noCacheCookie) {
		addValue(h, "Cache-Control", noCacheCookie, slots.slot(h, "Cache-Control"))
	}
}

// expireCookie sets a cookie that makes the browser drop the session
// cookie, and keeps shared caches from storing it.
func (m *Manager) expireCookie(h http.Header) {
	m.putCookie(h, nil, m.cookie("", -1, time.Unix(0, 0)).String())
	m.noCache(h, nil)
}

// putCookie sets v as the response's one session cookie, in slots when it
// is the response's only cookie.
func (m *Manager) putCookie(h http.Header, slots *headerSlots, v string) {
	prefix := m.cfg.CookieName + "="
	old := h["Set-Cookie"]
	kept := old[:0]
	for _, c := range old {
		if !strings.HasPrefix(c, prefix) {
			kept = append(kept, c)
		}
	}
	if len(kept) == 0 {
		delete(h, "Set-Cookie") // this session's own cookie, set before: replaced
		addValue(h, "Set-Cookie", v, slots.slot(h, "Set-Cookie"))
		return
	}
	h["Set-Cookie"] = append(kept, v)
}

// maxSessionCookies is how many cookies with the session's name a request
// may carry that are tried, in order: a sibling subdomain can plant one
// beside the real one.
const maxSessionCookies = 4

// sessionCookies returns the values of the request's cookies named name,
// in the order the client sent them, at most maxSessionCookies. It parses
// the Cookie headers as net/http does (pairs split at ';', spaces trimmed,
// a value in double quotes unquoted) without allocating.
func sessionCookies(r *http.Request, name string) (values [maxSessionCookies]string, n int) {
	for _, line := range r.Header["Cookie"] {
		for len(line) > 0 && n < maxSessionCookies {
			var part string
			part, line, _ = strings.Cut(line, ";")
			part = strings.TrimSpace(part)
			k, v, ok := strings.Cut(part, "=")
			if !ok || k != name {
				continue
			}
			if len(v) > 1 && v[0] == '"' && v[len(v)-1] == '"' {
				v = v[1 : len(v)-1]
			}
			values[n] = v
			n++
		}
	}
	return values, n
}
