package main

import (
	"errors"
	"log/slog"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/seed-699a33a2/session"
)

// The demo's error pages: what happened in words, in the demo's style; the
// details go to the log, never to the page.

// explain is the status and the words for a failure.
func explain(err error) (int, string) {
	switch {
	case errors.Is(err, session.ErrCookieTooLarge):
		return http.StatusRequestEntityTooLarge, "This form's data is too large for a cookie session. Shorten what you entered and try again."
	case errors.Is(err, session.ErrTooLarge):
		return http.StatusRequestEntityTooLarge, "This form's data is too large for the session. Shorten what you entered and try again."
	case errors.Is(err, session.ErrLockTimeout):
		return http.StatusServiceUnavailable, "Another request of this session took too long. Please try again."
	case errors.Is(err, session.ErrBackend):
		return http.StatusServiceUnavailable, "The session store is unreachable. Please try again in a moment."
	}
	return http.StatusInternalServerError, "Something went wrong on our side. Please try again."
}

// errorPage writes the error page with status and message.
func errorPage(w http.ResponseWriter, status int, title, message string) {
	w.Header().Set("Cache-Control", "no-store")
	render(w, status, "error", page{Title: title, Message: message})
}

// sessionError answers a request whose session failed to load or save
// (session.Config.ErrorHandler).
func sessionError(log *slog.Logger) func(http.ResponseWriter, *http.Request, error) {
	return func(w http.ResponseWriter, r *http.Request, err error) {
		status, msg := explain(err)
		log.ErrorContext(r.Context(), "session failed", "method", r.Method, "path", r.URL.Path, "err", err)
		errorPage(w, status, "Sorry", msg)
	}
}

// fail answers a handler's failure and stops the chain.
func (a *app) fail(c *gin.Context, err error) {
	status, msg := explain(err)
	a.log.ErrorContext(c.Request.Context(), "request failed", "method", c.Request.Method, "path", c.Request.URL.Path, "err", err)
	errorPage(c.Writer, status, "Sorry", msg)
	c.Abort()
}

// forbidden answers a form that fails the CSRF check.
var forbidden = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	errorPage(w, http.StatusForbidden, "This form has expired",
		"This form was sent from another site, or with a token that is no longer valid (after signing in or out, forms are renewed). Go back, reload the page and send it again.")
})

// notFound answers a path the demo does not have.
func notFound(c *gin.Context) {
	errorPage(c.Writer, http.StatusNotFound, "Page not found", "There is no page at this address.")
}

// recovered answers a handler that panicked.
func recovered(log *slog.Logger) gin.RecoveryFunc {
	return func(c *gin.Context, p any) {
		log.ErrorContext(c.Request.Context(), "handler panicked", "method", c.Request.Method, "path", c.Request.URL.Path, "panic", p)
		errorPage(c.Writer, http.StatusInternalServerError, "Sorry", "Something went wrong on our side. Please try again.")
		c.Abort()
	}
}
