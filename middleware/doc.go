// Package middleware adapts the session manager to gin.
//
// [Session] builds a store and a manager from the SESSION_* environment;
// [SessionWith] uses a manager you built. Both wrap the net/http middleware of package session
// ([session.Manager.Middleware]), so the commit rules are the same: the
// session is loaded before the handlers run and saved once, just before the
// first byte of the response.
//
// Inside handlers the session is on the gin context under the keys
// "session" (the data map) and "session_id" (the ID), and through the
// typed helpers [Data], [ID] and [Manager] ([DataFor] and [IDFor] with
// several managers):
//
//	r := gin.New()
//	r.Use(middleware.Session())
//	r.GET("/", func(c *gin.Context) {
//		data := middleware.Data(c)
//		n, _ := data["visits"].(int)
//		data["visits"] = n + 1
//		c.String(200, "visit %d", n+1)
//	})
//
// Handlers may also call the manager's Save, Regenerate and Destroy with
// c.Writer and c.Request; the middleware sees what they did (after
// Regenerate, "session_id" holds the new ID).
package middleware
