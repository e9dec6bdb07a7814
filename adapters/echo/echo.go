// Package sessionecho runs the session library's net/http middleware in an
// Echo v4 application.
//
// It does not re-implement the session middleware: [Session] wraps
// [session.Manager.Middleware], the one commit engine that every adapter
// shares, so loading, saving just before the response's first byte, the
// cookie headers, error handling, Regenerate and Destroy behave exactly as
// they do in net/http and gin.
//
//	e := echo.New()
//	e.Use(sessionecho.Session(manager))
//	e.GET("/", func(c echo.Context) error {
//		data := sessionecho.Data(c)
//		n, _ := data["visits"].(int)
//		data["visits"] = n + 1
//		return c.String(http.StatusOK, "hello")
//	})
//
// Inside handlers the session's data map is c.Get("session") (or [Data]) and
// its ID c.Get("session_id") (or [ID]); the ID follows Regenerate and
// Destroy. Pass c.Response() as the http.ResponseWriter to the manager's
// Save, Regenerate and Destroy: it leads the manager to the request's
// session.
//
// This package lives in its own Go module, so that Echo never enters the
// library's go.mod.
package sessionecho

import (
	"io"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/seed-699a33a2/session"
)

// Keys under which the session is stored on the Echo context; the same keys
// as the gin adapter's.
const (
	// KeyData holds the session's data map (map[string]any).
	KeyData = "session"
	// KeyID holds the session's current ID (string).
	KeyID = "session_id"
	// KeyManager holds the *session.Manager that runs the session.
	KeyManager = "session_manager"
)

// Session returns Echo middleware that runs m's net/http middleware around
// the rest of the chain.
//
// The handlers after it see the request and response writer that the
// session middleware hands on: c.Request() carries the session in its
// context (so m.Start and session.FromContext work) and c.Response().Writer
// saves the session just before the first byte of the response, whether
// the handler uses c.String, c.JSON, c.Redirect, c.NoContent or writes to
// c.Response() itself.
//
// When the session cannot be loaded, m's Config.ErrorHandler answers the
// request (by default a bare 500), the rest of the chain does not run and
// the middleware returns nil. When saving fails before the first byte, the
// error handler's answer replaces the handler's; either way
// c.Response().Status reports the status actually sent.
//
// A handler that returns an error without writing still gets its session
// saved: the cookie goes out with the answer of Echo's HTTPErrorHandler.
func Session(m *session.Manager) echo.MiddlewareFunc {
	if m == nil {
		panic("sessionecho.Session: nil *session.Manager")
	}
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			res := c.Response()
			orig := res.Writer
			rec := &statusWriter{ResponseWriter: orig}
			var (
				ran bool
				err error
			)
			h := m.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				ran = true
				c.SetRequest(r)
				res.Writer = w
				if c.Get(KeyManager) == nil { // the first installed manager's session
					id, data, _ := session.FromContextFor(r.Context(), m)
					session.OnIDChangeFor(r.Context(), m, func(id string) { c.Set(KeyID, id) })
					c.Set(KeyManager, m)
					c.Set(KeyData, data)
					c.Set(KeyID, id)
				}
				err = next(c)
			}))
			h.ServeHTTP(rec, c.Request())
			res.Writer = orig
			if rec.status != 0 && (!res.Committed || rec.status != res.Status) {
				// The session middleware answered by itself (the store
				// failed): tell Echo, so that its error handler does not
				// write a second answer and loggers see the real status.
				res.Status = rec.status
				res.Committed = true
			}
			if !ran {
				return nil
			}
			return err
		}
	}
}

// Data returns the session's data map (the first installed manager's), or
// nil outside the middleware. The handler may read and change it; the
// middleware saves the changes.
func Data(c echo.Context) map[string]any {
	d, _ := c.Get(KeyData).(map[string]any)
	return d
}

// DataFor returns the data map of manager m's session, or nil outside m's
// middleware: with several Session middlewares on one route, each keeps
// its own session and cookie.
func DataFor(c echo.Context, m *session.Manager) map[string]any {
	_, data, _ := session.FromContextFor(c.Request().Context(), m)
	return data
}

// IDFor returns the ID of manager m's session, or "" outside m's
// middleware.
func IDFor(c echo.Context, m *session.Manager) string {
	id, _, _ := session.FromContextFor(c.Request().Context(), m)
	return id
}

// ID returns the session's ID (current after Regenerate and Destroy), or ""
// outside the middleware.
func ID(c echo.Context) string {
	id, _ := c.Get(KeyID).(string)
	return id
}

// Manager returns the manager that runs the session, or nil outside the
// middleware.
func Manager(c echo.Context) *session.Manager {
	m, _ := c.Get(KeyManager).(*session.Manager)
	return m
}

// statusWriter is the writer the session middleware writes to: Echo's
// original writer, with the status that actually went out recorded. It
// tells the adapter when the session middleware answered a request itself.
type statusWriter struct {
	http.ResponseWriter
	status int
}

// WriteHeader records code and sends it.
func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 && (code < 100 || code >= 200 || code == http.StatusSwitchingProtocols) {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

// Write records an implicit 200 and writes p.
func (w *statusWriter) Write(p []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(p)
}

// ReadFrom keeps io.Copy's fast paths (sendfile) of the original writer.
func (w *statusWriter) ReadFrom(src io.Reader) (int64, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	if rf, ok := w.ResponseWriter.(io.ReaderFrom); ok {
		return rf.ReadFrom(src)
	}
	return io.Copy(writerOnly{w.ResponseWriter}, src)
}

// writerOnly hides every method but Write, so io.Copy does not loop back
// into ReadFrom.
type writerOnly struct{ io.Writer }

// Unwrap returns the original writer, for http.ResponseController (Flush,
// Hijack, deadlines).
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
