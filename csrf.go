package session

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"net/http"
)

// CSRFField is the form field [Manager.CSRF] reads the token from: render
// it as a hidden input, with the value of [Manager.CSRFToken], in every
// form that posts to a protected route. Only the request body is read (an
// application/x-www-form-urlencoded or multipart/form-data body), never the
// URL's query, where a token would leak into logs and Referer headers.
const CSRFField = "csrf_token"

// CSRFHeader is the request header [Manager.CSRF] reads the token from, for
// requests made by scripts (fetch, XMLHttpRequest). When the header is
// present, the form field is not looked at.
const CSRFHeader = "X-CSRF-Token"

// csrfKey is where a session keeps its CSRF token: a string of 32 random
// bytes in unpadded base64url (43 characters).
const csrfKey = ReservedPrefix + "csrf"

const csrfTokenLen = 43 // base64.RawURLEncoding.EncodedLen(32)

// CSRFOptions configures [Manager.CSRFWith]. The zero value means the
// defaults, which are what [Manager.CSRF] uses.
type CSRFOptions struct {
	// FailureHandler answers every request the middleware rejects: a
	// cross-origin unsafe request, and an unsafe request without the
	// session's token. It must write the response; the protected handler
	// does not run. The default answers 403 Forbidden with a short plain
	// text body.
	FailureHandler http.Handler

	// TrustedOrigins are origins ("scheme://host[:port]", such as
	// "https://app.example.com") whose cross-origin requests pass the
	// cross-origin check (see [http.CrossOriginProtection.AddTrustedOrigin]).
	// Their unsafe requests still need the session's token.
	TrustedOrigins []string
}

// defaultCOP is the cross-origin check with no trusted origins. The zero
// value is valid, and nothing adds to it.
var defaultCOP http.CrossOriginProtection

// newCSRFToken returns 32 bytes from crypto/rand in unpadded base64url.
func newCSRFToken() string {
	var b [32]byte
	rand.Read(b[:]) // never fails: crypto/rand aborts the program instead
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// CSRFToken returns the session's CSRF token, for a form's hidden
// [CSRFField] input or a page's meta tag read by scripts sending
// [CSRFHeader].
//
// The token is issued lazily: the first call stores a new one (32 random
// bytes from crypto/rand, unpadded base64url) in data, and later calls, in
// this request and the following ones, return the same token. Only this
// call writes it, so pages that never render a form do not create a
// session. The token is bound to the session: [Manager.Regenerate] replaces
// it (so a token seen before sign-in is worthless after) and
// [Manager.Destroy] removes it with the rest of the session.
//
// data is the session's map, from [Manager.Start] or [FromContext]. A nil
// map has no session to hold a token: CSRFToken then returns "".
func (m *Manager) CSRFToken(data map[string]any) string {
	if data == nil {
		return ""
	}
	if tok, ok := data[csrfKey].(string); ok && len(tok) == csrfTokenLen {
		return tok
	}
	tok := newCSRFToken()
	data[csrfKey] = tok
	return tok
}

// rotateCSRF replaces the session's CSRF token with a fresh one, if it has
// one; a session that never issued a token keeps none. Regenerate calls it.
func rotateCSRF(data map[string]any) {
	if _, ok := data[csrfKey]; ok {
		data[csrfKey] = newCSRFToken()
	}
}

// csrfSafe reports whether method is one the middleware lets through
// without a token.
func csrfSafe(method string) bool {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
		return true
	}
	return false
}

// CSRF returns middleware that protects next against cross-site request
// forgery, with the default [CSRFOptions]; see [Manager.CSRFWith] to
// configure it.
//
// Place it inside [Manager.Middleware], which must run first so that the
// session is loaded:
//
//	http.ListenAndServe(addr, m.Middleware(m.CSRF(mux)))
//
// Each request goes through two checks:
//
//  1. Go's [http.CrossOriginProtection]: an unsafe request that the browser
//     marks as cross-origin (Sec-Fetch-Site), or whose Origin header does
//     not match its Host, is rejected with 403 Forbidden, whatever token it
//     carries.
//  2. Every method except GET, HEAD and OPTIONS (the safe methods of
//     [http.CrossOriginProtection]; TRACE is checked like POST) must carry the
//     session's token ([Manager.CSRFToken]) in the [CSRFHeader] header or,
//     without that header, in the [CSRFField] field of a form body. It is
//     compared with the session's token in constant time. A missing or
//     wrong token, a session that never issued one (expired, destroyed, or
//     another browser's), and a request outside [Manager.Middleware] are
//     rejected with 403 Forbidden and a short plain-text body; next does
//     not run.
//
// Safe methods pass without a token and without creating one, so a page
// view alone does not create a session; GET, HEAD and OPTIONS handlers must
// therefore not change state. After [Manager.Regenerate] (on sign-in) the
// session has a new token and the old one is rejected: render forms again
// with the new token.
func (m *Manager) CSRF(next http.Handler) http.Handler {
	return m.csrfHandler(&defaultCOP, nil, next)
}

// CSRFWith returns middleware like [Manager.CSRF], configured by opts; use
// it as m.Middleware(m.CSRFWith(opts)(mux)). It panics, with a message
// naming the value, when one of opts.TrustedOrigins is not a valid origin,
// so that a misconfigured application fails at start-up.
func (m *Manager) CSRFWith(opts CSRFOptions) func(next http.Handler) http.Handler {
	cop := &defaultCOP
	if len(opts.TrustedOrigins) > 0 {
		cop = http.NewCrossOriginProtection()
		for _, o := range opts.TrustedOrigins {
			if err := cop.AddTrustedOrigin(o); err != nil {
				panic(fmt.Sprintf("session: CSRFOptions.TrustedOrigins: %q: %v", o, err))
			}
		}
	}
	fail := opts.FailureHandler
	return func(next http.Handler) http.Handler {
		return m.csrfHandler(cop, fail, next)
	}
}

func (m *Manager) csrfHandler(cop *http.CrossOriginProtection, fail http.Handler, next http.Handler) http.Handler {
	if next == nil {
		panic("session: CSRF: nil next handler")
	}
	reject := func(w http.ResponseWriter, r *http.Request, msg string) {
		if fail != nil {
			fail.ServeHTTP(w, r)
			return
		}
		http.Error(w, msg, http.StatusForbidden)
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if cop.Check(r) != nil {
			reject(w, r, "Forbidden: cross-origin request")
			return
		}
		if csrfSafe(r.Method) {
			next.ServeHTTP(w, r)
			return
		}
		rs := m.requestState(r.Context())
		if rs == nil {
			m.logger().ErrorContext(r.Context(),
				"session: CSRF middleware outside the session middleware: place it inside Manager.Middleware; request rejected",
				"method", r.Method, "path", r.URL.Path)
			reject(w, r, "Forbidden: no session")
			return
		}
		want, _ := rs.data[csrfKey].(string)
		if want == "" {
			// No token to compare with: rejected before any of the body
			// is read.
			reject(w, r, "Forbidden: missing or invalid CSRF token")
			return
		}
		got := r.Header.Get(CSRFHeader)
		if got == "" {
			got = r.PostFormValue(CSRFField)
		}
		if subtle.ConstantTimeCompare([]byte(got), []byte(want)) != 1 {
			reject(w, r, "Forbidden: missing or invalid CSRF token")
			return
		}
		next.ServeHTTP(w, r)
	})
}
