package middleware

import (
	"log/slog"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/seed-699a33a2/session"
)

// CSRF returns gin middleware that protects the handlers after it against
// cross-site request forgery, with the manager's net/http middleware
// ([session.Manager.CSRF]) and its rules: an unsafe request that is
// cross-origin (Go's [http.CrossOriginProtection]), and a request with any
// method but GET, HEAD and OPTIONS (TRACE included) that does not carry the session's
// token in the [session.CSRFHeader] header or the [session.CSRFField] form
// field, is answered 403 Forbidden and the chain is aborted. Safe methods
// pass without creating a token.
//
// It uses the manager that the session middleware put on the context, so
// it must come after [Session] or [SessionWith]:
//
//	r.Use(middleware.SessionWith(m), middleware.CSRF())
//
// Used without them, it rejects every unsafe request with 403. Render the
// token with [CSRFToken]; after the manager's Regenerate (on sign-in) the
// session has a new token and the old one is rejected.
func CSRF() gin.HandlerFunc { return CSRFWith(session.CSRFOptions{}) }

// CSRFWith is [CSRF] configured by opts (see [session.Manager.CSRFWith]): a
// FailureHandler of the application's own answers every rejected request
// (the request without the session middleware included), and
// TrustedOrigins pass the cross-origin check. It panics at once, naming
// the value, when one of opts.TrustedOrigins is not a valid origin.
func CSRFWith(opts session.CSRFOptions) gin.HandlerFunc {
	if len(opts.TrustedOrigins) > 0 {
		// Validate now, not at the first request.
		_ = (&session.Manager{}).CSRFWith(opts)
	}
	return func(c *gin.Context) {
		m := Manager(c)
		if m == nil {
			switch c.Request.Method {
			case http.MethodGet, http.MethodHead, http.MethodOptions:
				c.Next()
				return
			}
			slog.ErrorContext(c.Request.Context(),
				"middleware.CSRF without the session middleware: use it after Session or SessionWith; request rejected",
				"method", c.Request.Method, "path", c.Request.URL.Path)
			if opts.FailureHandler != nil {
				opts.FailureHandler.ServeHTTP(c.Writer, c.Request)
			} else {
				c.String(http.StatusForbidden, "Forbidden: no session\n")
			}
			c.Abort()
			return
		}
		passed := false
		m.CSRFWith(opts)(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {
			passed = true
		})).ServeHTTP(c.Writer, c.Request)
		if !passed {
			c.Abort()
			return
		}
		c.Next()
	}
}

// CSRFToken returns the session's CSRF token for a template (a hidden
// [session.CSRFField] input, or a meta tag for scripts that send
// [session.CSRFHeader]), or "" outside the session middleware. It is issued
// lazily: the first call stores it in the session, later calls return the
// same token, and pages that never call it do not create a session. See
// [session.Manager.CSRFToken].
func CSRFToken(c *gin.Context) string {
	m := Manager(c)
	if m == nil {
		return ""
	}
	return m.CSRFToken(Data(c))
}
