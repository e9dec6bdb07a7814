// Package session manages server-side sessions for Go web applications: a
// [Manager] over a [Store], with five drivers (encrypted cookie, database
// via GORM, file, memory, Redis), flash messages, old form input and
// validation errors kept across a redirect, and middleware for net/http
// ([Manager.Middleware]) and gin (package middleware).
//
// # Getting started
//
// Build a store from the SESSION_* environment and a manager on it:
//
//	store, err := session.NewStore(db) // db: *gorm.DB, needed by SESSION_DRIVER=db only
//	manager := session.NewManager(store)
//	http.ListenAndServe(addr, manager.Middleware(mux))
//
// In a handler, [Manager.Start] returns the session's ID and its data map.
// Inside the middleware it is the middleware's session (no second load) and
// the middleware saves it before the first byte of the response; outside,
// call [Manager.Save] yourself.
//
//	id, data, err := manager.Start(r)
//	data["user_id"] = user.ID
//	err = manager.Save(w, id, data)
//
// Change the session before the response starts: a change made after the
// first byte is lost (see below).
//
// # Signing in and out
//
// On sign-in call [Manager.Login], which gives the session a new ID (an ID
// known to anyone before is worthless after) and ties it to the user, for
// [Manager.UserSessions] ("your devices") and [Manager.EndUserSessions]
// ("sign out everywhere"). On any other privilege change call
// [Manager.Regenerate]; on sign-out, [Manager.Destroy].
//
// # CSRF
//
// [Manager.CSRF] (and the gin middleware's CSRF) rejects with 403 every
// unsafe request that comes from another site or lacks the session's
// token, which [Manager.CSRFToken] issues for a hidden "csrf_token" field
// or the X-CSRF-Token header. Put it inside the session middleware:
//
//	handler := manager.Middleware(manager.CSRF(mux))
//
// # Flashes, old input and errors
//
// [Manager.Flash] keeps a value for the next request, where
// [Manager.GetFlash] reads and removes it; unread, it is gone a request
// later. [Manager.FlashOldInput] and [Manager.FlashErrors] keep a failed
// form's values (never its passwords) and its validation errors for the
// page that shows the form again, where [Manager.OldInput] and
// [Manager.Errors] read them. [Keep] and [Reflash] carry flashes over one
// more request.
//
// # Values
//
// Values keep their Go types through every driver: string, bool, every int
// and uint size, float32, float64, [time.Time], []byte, []string,
// []any, map[string]string, map[string][]string and map[string]any,
// nested, and nil. Other types are an error wrapping
// [ErrUnsupportedType] that names the key, unless registered with
// [Register].
//
// Keys starting with [ReservedPrefix] belong to the library (flash
// entries, the CSRF token, the user of Login). The map is an ordinary Go
// map: clear(data), or deleting every key while ranging over it, empties
// the session for good, and what is set after it is stored. The manager
// keeps its bookkeeping beside the map, not in it; only a map that Start
// returns outside the middleware carries a handle to it, and a map that
// lost it is saved as the session's whole content. A fresh session's map
// is empty.
//
// # Several managers
//
// A request may pass through several managers' middlewares (a short-lived
// "cart" session with its own cookie beside the main one): each loads,
// tracks and saves its own session. [FromContext] returns the outermost
// manager's; [FromContextFor] any of them.
//
// # After the response started
//
// The middleware saves the session just before the first byte of the
// response. A change made later is lost: it is logged once at Warn with the
// keys it touched, and reported as a [StoreEvent] with [ErrLateChange].
//
// # Configuration
//
// [ConfigFromEnv] reads SESSION_DRIVER, SESSION_LIFETIME (the idle
// timeout: minutes, or a Go duration), SESSION_ABSOLUTE_LIFETIME (a cap on
// a session's age however active; 0 turns it off), SESSION_SECRET,
// SESSION_PREVIOUS_SECRETS, SESSION_ENCRYPT, SESSION_COOKIE,
// SESSION_SECURE, SESSION_HTTPONLY, SESSION_SAMESITE, SESSION_PATH,
// SESSION_DOMAIN, SESSION_EXPIRE_ON_CLOSE, SESSION_PARTITIONED_COOKIE,
// SESSION_FILE_PATH, SESSION_TABLE, SESSION_PREFIX and
// SESSION_MEMORY_LIMIT. A value that does not parse, or a combination that
// would make a cookie browsers reject, is an error naming the variable and
// the value. The zero [Config] means the defaults.
//
// # Blocking mode
//
// Concurrent requests on one session merge key by key on every
// server-side driver. Routes that must instead run one at a time per
// session (like Laravel's block) are chosen with [Config.Blocking]: a
// per-session lock with a wait ([Config.BlockWait]) and a lease
// ([Config.BlockLease]); a wait that runs out is [ErrLockTimeout].
//
// # Errors
//
// A missing, malformed, expired or tampered cookie is a fresh session, never
// an error. A store that fails is an error wrapping [ErrBackend], never an
// empty session; the middleware answers it with [Config.ErrorHandler]. Test
// errors with [errors.Is].
//
// # Concurrency
//
// A [Manager] and every store are safe for concurrent use. A session's data
// map belongs to the request that started it.
package session
