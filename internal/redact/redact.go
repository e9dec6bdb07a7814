// Package redact keeps passwords out of error messages: the password of a
// Redis URL or of a database DSN, in any of the forms they are written in,
// is replaced wherever it appears.
package redact

import (
	"net/url"
	"regexp"
	"strings"
)

// Mask is what a password becomes.
const Mask = "xxxxx"

var (
	// keyValue is a password=... pair of a PostgreSQL key=value DSN (the
	// value bare or in single quotes) or of a URL's query.
	keyValue = regexp.MustCompile(`(?i)(?:^|[\s?&;])password=('(?:[^'\\]|\\.)*'|[^\s&;]*)`)
	// userinfo is user:password@ of a URL or a MySQL DSN.
	userinfo = regexp.MustCompile(`^(?:[a-zA-Z][a-zA-Z0-9+.-]*://)?[^:/@\s]*:([^@\s]*)@`)
)

// Passwords returns the passwords written in a URL or DSN (none: nil).
func Passwords(dsn string) []string {
	var out []string
	add := func(p string) {
		if p = strings.Trim(p, "'"); p != "" {
			out = append(out, p)
			if u, err := url.QueryUnescape(p); err == nil && u != p {
				out = append(out, u) // as the driver decoded it
			}
		}
	}
	for _, m := range keyValue.FindAllStringSubmatch(dsn, -1) {
		add(m[1])
	}
	if m := userinfo.FindStringSubmatch(dsn); m != nil {
		add(m[1])
	}
	return out
}

// String returns s with every password of dsn masked.
func String(s, dsn string) string {
	for _, p := range Passwords(dsn) {
		s = strings.ReplaceAll(s, p, Mask)
	}
	return s
}

// Error returns err with every password of dsn masked in its message;
// errors.Is and errors.As still see what err wraps. A nil err stays nil.
func Error(err error, dsn string) error {
	if err == nil || len(Passwords(dsn)) == 0 {
		return err
	}
	return &masked{msg: String(err.Error(), dsn), err: err}
}

type masked struct {
	msg string
	err error
}

func (e *masked) Error() string { return e.msg }
func (e *masked) Unwrap() error { return e.err }
