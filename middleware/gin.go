package middleware

import (
	"bufio"
	"fmt"
	"net"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/seed-699a33a2/session"
)

// Keys under which the session is stored on the gin context, and the
// manager next to it. With several managers' middlewares on
// one route, they hold the first installed manager's session; DataFor and
// IDFor reach the others.
const (
	KeyData    = "session"
	KeyID      = "session_id"
	KeyManager = "session_manager"
)

// Session returns gin middleware with a store and a manager built from the
// SESSION_* environment (session.NewStore and session.NewManager). A bad
// environment, or SESSION_DRIVER=db (which needs the application's
// *gorm.DB: use SessionWith), makes Session panic with a message naming the
// variable, so a misconfigured application fails at start-up.
//
// Each call builds its own store: with the memory driver, two calls keep two
// separate sets of sessions. Call it once and share the handler.
func Session() gin.HandlerFunc {
	cfg, err := session.ConfigFromEnv()
	if err != nil {
		panic(fmt.Sprintf("middleware.Session: %v", err))
	}
	store, err := session.NewStoreFromConfig(cfg, nil)
	if err != nil {
		panic(fmt.Sprintf("middleware.Session: %v", err))
	}
	m, err := session.New(store, cfg)
	if err != nil {
		panic(fmt.Sprintf("middleware.Session: %v", err))
	}
	return SessionWith(m)
}

// SessionWith returns gin middleware that runs m's net/http middleware
// around the rest of the chain. When the session cannot be loaded, m's error
// handler answers and the chain is aborted.
//
// Several SessionWith with different managers (and cookie names) may run
// on one route, each saving its own session: the gin context keys hold the
// first one's, and DataFor and IDFor reach each.
func SessionWith(m *session.Manager) gin.HandlerFunc {
	if m == nil {
		panic("middleware.SessionWith: nil *session.Manager")
	}
	return func(c *gin.Context) {
		orig := c.Writer
		ran := false
		h := m.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			ran = true
			c.Request = r
			c.Writer = &writer{ResponseWriter: orig, session: w}
			if _, outer := c.Get(KeyManager); !outer {
				id, data, _ := session.FromContextFor(r.Context(), m)
				session.OnIDChangeFor(r.Context(), m, func(id string) { c.Set(KeyID, id) })
				c.Set(KeyManager, m)
				c.Set(KeyData, data)
				c.Set(KeyID, id)
			}
			c.Next()
		}))
		h.ServeHTTP(orig, c.Request)
		c.Writer = orig
		if !ran {
			c.Abort()
		}
	}
}

// Data returns the session's data map (the first installed manager's), or
// nil outside the middleware.
func Data(c *gin.Context) map[string]any {
	d, _ := c.Get(KeyData)
	m, _ := d.(map[string]any)
	return m
}

// ID returns the session's ID (current after Regenerate and Destroy), or ""
// outside the middleware.
func ID(c *gin.Context) string {
	return c.GetString(KeyID)
}

// DataFor returns the data map of manager m's session, or nil outside m's
// middleware.
func DataFor(c *gin.Context, m *session.Manager) map[string]any {
	_, data, _ := session.FromContextFor(c.Request.Context(), m)
	return data
}

// IDFor returns the ID of manager m's session (current after Regenerate
// and Destroy), or "" outside m's middleware.
func IDFor(c *gin.Context, m *session.Manager) string {
	id, _, _ := session.FromContextFor(c.Request.Context(), m)
	return id
}

// Manager returns the manager that runs the session (the first installed
// one), or nil outside the middleware.
func Manager(c *gin.Context) *session.Manager {
	v, _ := c.Get(KeyManager)
	m, _ := v.(*session.Manager)
	return m
}

// writer is gin's ResponseWriter with the session committed before the
// first byte. gin's WriteHeader only records the status, so the commit waits
// for the real first byte: handlers may call c.Status early and still change
// the session.
type writer struct {
	gin.ResponseWriter                     // gin's writer: status, size, the real output
	session            http.ResponseWriter // the session middleware's writer around it
}

// commit saves the session (once) and lets gin's recorded status through.
func (w *writer) commit() { w.session.WriteHeader(w.ResponseWriter.Status()) }

func (w *writer) Write(p []byte) (int, error) {
	w.commit()
	return w.session.Write(p)
}

func (w *writer) WriteString(s string) (int, error) {
	w.commit()
	return w.session.Write([]byte(s))
}

func (w *writer) WriteHeaderNow() {
	w.commit()
	w.ResponseWriter.WriteHeaderNow()
}

func (w *writer) Flush() {
	w.commit()
	w.ResponseWriter.Flush()
}

func (w *writer) Hijack() (c net.Conn, rw *bufio.ReadWriter, err error) {
	return w.session.(http.Hijacker).Hijack()
}

// Unwrap returns the session middleware's writer, so that the manager's
// Save, Regenerate and Destroy find the request's session through c.Writer.
func (w *writer) Unwrap() http.ResponseWriter { return w.session }
