package session

import (
	"net/http"
	"slices"
	"strings"
	"time"
)

// maxCookieLen is the size browsers guarantee for one cookie, counted over
// the whole Set-Cookie value (name, value and attributes).
const maxCookieLen = 4096

// noCacheCookie keeps shared caches from storing a response's Set-Cookie.
const noCacheCookie = `no-cache="Set-Cookie"`

func (m *Manager) cookie(value string, maxAge int, expires time.Time) *http.Cookie {
	return &http.Cookie{
		Name:     m.cfg.CookieName,
		Value:    value,
		Path:     m.cfg.Path,
		Domain:   m.cfg.Domain,
		MaxAge:   maxAge,
		Expires:  expires,
		Secure:   m.cfg.Secure,
		HttpOnly: !m.cfg.DisableHTTPOnly,
		SameSite: m.cfg.SameSite,
	}
}

// setCookie sets the session cookie on h, replacing one set earlier in the
// same response, with Max-Age the whole seconds left until expires (rounded
// up, at least 1) and a matching Expires.
func (m *Manager) setCookie(h http.Header, token string, expires, now time.Time) error {
	left := expires.Sub(now)
	maxAge := int((left + time.Second - 1) / time.Second)
	if maxAge < 1 {
		maxAge = 1
	}
	v := m.cookie(token, maxAge, now.Add(time.Duration(maxAge)*time.Second)).String()
	if len(v) > maxCookieLen {
		return ErrCookieTooLarge
	}
	m.putCookie(h, v)
	if !slices.Contains(h["Cache-Control"], noCacheCookie) {
		h.Add("Cache-Control", noCacheCookie)
	}
	return nil
}

// expireCookie sets a cookie that makes the browser drop the session cookie.
func (m *Manager) expireCookie(h http.Header) {
	m.putCookie(h, m.cookie("", -1, time.Unix(0, 0)).String())
}

// putCookie sets v as the response's one session cookie.
func (m *Manager) putCookie(h http.Header, v string) {
	prefix := m.cfg.CookieName + "="
	old := h["Set-Cookie"]
	kept := old[:0]
	for _, c := range old {
		if !strings.HasPrefix(c, prefix) {
			kept = append(kept, c)
		}
	}
	h["Set-Cookie"] = append(kept, v)
}
