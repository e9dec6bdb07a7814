package session

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"time"

	"github.com/seed-699a33a2/session/internal/codec"
	"github.com/seed-699a33a2/session/store"
)

// Store is the contract every storage driver implements; see package store.
type Store = store.Store

// MaxTokenLen is the longest cookie value Start passes to a store.
const MaxTokenLen = 4096

// Manager starts, saves and destroys sessions in one Store. It is safe for
// concurrent use; the data map of one session belongs to one request.
type Manager struct {
	store  Store
	cfg    Config
	driver string      // for StoreEvent
	parts  cookieParts // the constant parts of the Set-Cookie line
}

// NewManager returns a Manager for store, configured from the SESSION_*
// environment (see ConfigFromEnv). It panics when the environment is
// invalid, with a message naming the variable and its value; use
// ConfigFromEnv and New to get the error instead.
func NewManager(store Store) *Manager {
	cfg, err := ConfigFromEnv()
	if err != nil {
		panic(err)
	}
	m, err := New(store, cfg)
	if err != nil {
		panic(err)
	}
	return m
}

// New returns a Manager for store with cfg, whose zero fields take their
// defaults. It fails, with an error wrapping ErrConfig, when store is nil or
// cfg would make a broken or unsafe cookie.
func New(st Store, cfg Config) (*Manager, error) {
	if st == nil {
		return nil, fmt.Errorf("%w: nil Store", ErrConfig)
	}
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	if _, ok := st.(store.Locker); cfg.Blocking != nil && !ok {
		return nil, fmt.Errorf("%w: Config.Blocking needs a store that can lock (every server-side driver); %T cannot", ErrConfig, st)
	}
	m := &Manager{store: st, cfg: cfg.withDefaults(), driver: driverName(st)}
	m.parts = m.cookieParts()
	return m, nil
}

// Store returns the manager's store.
func (m *Manager) Store() Store { return m.store }

// Config returns the manager's configuration, defaults filled in.
func (m *Manager) Config() Config { return m.cfg }

func (m *Manager) logger() *slog.Logger {
	if m.cfg.Logger != nil {
		return m.cfg.Logger
	}
	return slog.Default()
}

// Start returns the session the request's cookie names, or a fresh one.
//
// A missing, malformed, unknown, expired or tampered cookie gives a fresh
// ID and an empty map with a nil error: unknown IDs are never adopted. A
// store that fails gives an error wrapping ErrBackend, never an empty
// session. Flashes age here: what the previous request flashed becomes
// readable, and what it could read is gone.
//
// Inside the middleware, Start returns the middleware's ID and the very
// same map, without loading again.
func (m *Manager) Start(r *http.Request) (string, map[string]interface{}, error) {
	if rs := requestState(r.Context(), m); rs != nil {
		return rs.id, rs.data, nil
	}
	return m.load(r)
}

func (m *Manager) load(r *http.Request) (string, map[string]interface{}, error) {
	ctx := r.Context()
	c, err := r.Cookie(m.cfg.CookieName)
	if err != nil || !store.ValidToken(c.Value, MaxTokenLen) {
		return m.fresh()
	}
	t0 := m.begin()
	rec, err := m.store.Load(ctx, c.Value)
	m.observe(ctx, "load", t0, len(rec.Data), err)
	switch {
	case errors.Is(err, store.ErrNotFound):
		if errors.Is(err, store.ErrCorrupt) {
			m.logger().WarnContext(ctx, "session: stored session is corrupt; starting a fresh one", "err", err)
		}
		return m.fresh()
	case err != nil:
		return "", nil, backendErr("load", err)
	}
	now := m.cfg.Now()
	if !rec.Expires.After(now) || !store.ValidID(rec.ID) {
		return m.fresh()
	}
	data := make(map[string]interface{}, 8)
	raw := make(map[string][]byte, 8)
	if err := codec.Decode(rec.Data, data, raw); err != nil {
		m.logger().WarnContext(ctx, "session: stored session does not decode; starting a fresh one", "err", err)
		return m.fresh()
	}
	if _, abs := m.lifetimes(data); abs > 0 && !now.Before(rec.Created.Add(abs)) {
		return m.fresh() // past its absolute lifetime, however active
	}
	st := &state{id: rec.ID, stored: true, loaded: raw, version: rec.Version, created: rec.Created, expires: rec.Expires, ctx: ctx}
	st.agedMoved, st.agedDropped = ageFlashes(data, raw)
	data[stateKey] = st
	return rec.ID, data, nil
}

func (m *Manager) fresh() (string, map[string]interface{}, error) {
	return store.NewID(), map[string]interface{}{}, nil
}

// Save stores the session's data and sets the cookie on w.
//
// It writes only when something changed: a fresh session that stayed empty
// is neither stored nor given a cookie, and an unchanged session is only
// touched (its idle expiry extended, without rewriting the data) once per
// TouchInterval. Values keep their Go types; a value of a type the codec
// does not know is an error wrapping ErrUnsupportedType that names the key.
//
// Inside the middleware, Save commits now, and the middleware then writes
// only later changes; after the response headers were sent it returns
// ErrHeadersWritten.
func (m *Manager) Save(w http.ResponseWriter, id string, data map[string]interface{}) error {
	rs := writerState(w, m)
	if rs != nil && rs.headersSent() {
		return ErrHeadersWritten
	}
	ctx, cancel := ctxFor(rs, data)
	defer cancel()
	return m.commit(ctx, w.Header(), id, data)
}

// Destroy deletes the session from the store and expires the cookie (with
// the same Path, Domain, Secure and SameSite as the cookie it replaces), so
// the ID never loads again. The cookie driver cannot revoke a session on the
// server: there Destroy expires the cookie in the browser only.
//
// Inside the middleware, Destroy also empties the request's data map; what
// the handler writes to the map afterwards starts a new session under a new
// ID (so "signed out" can be flashed), and with no such writes nothing is
// stored.
func (m *Manager) Destroy(w http.ResponseWriter, id string) error {
	rs := writerState(w, m)
	ctx := context.Background()
	if rs != nil {
		var cancel context.CancelFunc
		ctx, cancel = detach(rs.r.Context())
		defer cancel()
		if rs.headersSent() {
			return ErrHeadersWritten
		}
	}
	if store.ValidID(id) {
		t0 := m.begin()
		err := m.store.Delete(ctx, id)
		m.observe(ctx, "delete", t0, 0, err)
		if err != nil {
			return backendErr("destroy", err)
		}
	}
	m.expireCookie(w.Header())
	if rs != nil {
		clear(rs.data)
		rs.setID(store.NewID())
	}
	return nil
}

// Regenerate moves the session to a new ID: the new ID carries the same
// data, the old one is deleted and loads nothing, and later changes go to the
// new ID only. Call it on sign-in and on every change of privilege, so that
// an ID known to someone else before (session fixation) is worthless after.
// It returns the new ID; inside the middleware the request's ID changes too.
func (m *Manager) Regenerate(w http.ResponseWriter, id string, data map[string]interface{}) (string, error) {
	rs := writerState(w, m)
	if rs != nil && rs.headersSent() {
		return "", ErrHeadersWritten
	}
	st := stateOf(data)
	if st != nil {
		if !st.owns(id) {
			return "", ErrIDMismatch
		}
		id = st.id
	}
	ctx, cancel := ctxFor(rs, data)
	defer cancel()
	newID := store.NewID()
	var old state
	if st == nil {
		st = &state{created: m.cfg.Now()}
		data[stateKey] = st
	} else {
		old = *st
	}
	*st = state{id: newID, previous: id, created: st.created, ctx: st.ctx}
	oldToken, hadToken := data[csrfKey]
	rotateCSRF(data) // a token seen before sign-in is worthless after
	if err := m.commit(ctx, w.Header(), newID, data); err != nil {
		if old.id != "" {
			*st = old
		} else {
			delete(data, stateKey)
		}
		if hadToken {
			data[csrfKey] = oldToken
		}
		return "", err
	}
	if old.stored {
		t0 := m.begin()
		err := m.store.Delete(ctx, old.id)
		m.observe(ctx, "delete", t0, 0, err)
		if err != nil {
			return newID, backendErr("regenerate: delete old session", err)
		}
	}
	if rs != nil {
		rs.setID(newID)
	}
	return newID, nil
}

// commit writes data under id when it changed, or touches it when a touch
// is due, and sets the cookie on h.
func (m *Manager) commit(ctx context.Context, h http.Header, id string, data map[string]interface{}) error {
	st := stateOf(data)
	if st != nil {
		if !st.owns(id) {
			return ErrIDMismatch
		}
		id = st.id
	}
	if st == nil && !store.ValidID(id) {
		return fmt.Errorf("%w: Save needs the ID that Start returned", ErrIDMismatch)
	}
	if st != nil && st.gone {
		return nil
	}
	enc, err := encodeChanges(data, st)
	if err != nil {
		return err
	}
	defer enc.release()
	now := m.cfg.Now()
	stored := st != nil && st.stored
	aged := st != nil && len(st.agedMoved)+len(st.agedDropped) > 0
	switch {
	case !stored && enc.n == 0:
		return nil // an empty session nobody wrote to costs nothing
	case stored && !enc.changed && !aged:
		return m.touch(ctx, h, st, data, enc, now)
	}
	if len(enc.buf) > m.cfg.MaxDataSize {
		return fmt.Errorf("%w: %d bytes encoded, Config.MaxDataSize is %d", ErrTooLarge, len(enc.buf), m.cfg.MaxDataSize)
	}
	created := now
	if st != nil && !st.created.IsZero() {
		created = st.created
	}
	rec := store.Record{ID: id, Data: enc.buf, Created: created, Expires: m.expiry(data, created, now), UserID: UserID(data)}
	if st != nil {
		rec.Version = st.version
	}
	token, version, loaded, err := m.write(ctx, rec, st, data, enc)
	if err != nil {
		return err
	}
	if loaded == nil { // destroyed or regenerated away meanwhile
		st.gone = true
		m.logger().DebugContext(ctx, "session: not saved: a concurrent request destroyed or regenerated the session")
		return nil
	}
	if err := m.setCookie(h, token, rec.Expires, now); err != nil {
		return err
	}
	if st == nil {
		st = &state{ctx: ctx}
		data[stateKey] = st
	}
	st.id, st.stored, st.created, st.expires, st.version = id, true, created, rec.Expires, version
	st.loaded, st.agedMoved, st.agedDropped = loaded, nil, nil
	return nil
}

// write stores rec. With a store.Swapper it saves only over the version
// the request loaded; when another request saved first it merges this
// request's changes into the current record key by key and tries again.
// It returns the token, the new version and the entries now stored, or nil
// entries when the session is gone (deleted by a concurrent request).
func (m *Manager) write(ctx context.Context, rec store.Record, st *state, data map[string]interface{}, enc *encoded) (string, uint64, map[string][]byte, error) {
	sw, ok := m.store.(store.Swapper)
	if !ok {
		t0 := m.begin()
		token, err := m.store.Save(ctx, rec)
		m.observe(ctx, "save", t0, len(rec.Data), err)
		if err != nil {
			return "", 0, nil, backendErr("save", err)
		}
		return token, rec.Version + 1, enc.entries(), nil
	}
	merged := false
	for attempt := 0; ; attempt++ {
		t0 := m.begin()
		token, version, err := sw.SaveIf(ctx, rec)
		m.observe(ctx, "save", t0, len(rec.Data), err)
		if err == nil {
			if merged {
				return token, version, enc.mergedEntries(), nil
			}
			return token, version, enc.entries(), nil
		}
		if !errors.Is(err, store.ErrConflict) {
			return "", 0, nil, backendErr("save", err)
		}
		if st == nil || !st.stored || attempt >= maxMergeAttempts {
			return "", 0, nil, backendErr("save", fmt.Errorf("%w after %d attempts", err, attempt+1))
		}
		if err := backoff(ctx, attempt); err != nil {
			return "", 0, nil, backendErr("save", err)
		}
		t0 = m.begin()
		cur, err := m.store.Load(ctx, rec.ID)
		m.observe(ctx, "load", t0, len(cur.Data), err)
		if errors.Is(err, store.ErrNotFound) {
			return "", 0, nil, nil
		}
		if err != nil {
			return "", 0, nil, backendErr("save: reload", err)
		}
		if err := enc.merge(cur.Data, st, data); err != nil {
			return "", 0, nil, backendErr("save: merge", err)
		}
		if len(enc.merged) > m.cfg.MaxDataSize {
			return "", 0, nil, fmt.Errorf("%w: %d bytes after merging a concurrent request, Config.MaxDataSize is %d", ErrTooLarge, len(enc.merged), m.cfg.MaxDataSize)
		}
		rec.Data, rec.Version, rec.Created, rec.UserID, merged = enc.merged, cur.Version, cur.Created, UserID(data), true
	}
}

// maxMergeAttempts bounds the retries of a save that keeps meeting
// concurrent writers (each round, one of them wins).
const maxMergeAttempts = 100

// backoff waits a random while, longer after each failed attempt, so that
// writers racing on one session spread out; it returns early with the
// context's error.
func backoff(ctx context.Context, attempt int) error {
	if attempt == 0 {
		return ctx.Err()
	}
	d := time.Duration(rand.Int64N(int64(min(attempt, 20)) * int64(100*time.Microsecond)))
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// touch slides the expiry of an unchanged session when a touch is due:
// through store.Toucher where the store has it, else by saving the same
// data again (on the loaded version, where the store can check it).
func (m *Manager) touch(ctx context.Context, h http.Header, st *state, data map[string]interface{}, enc *encoded, now time.Time) error {
	idle, _ := m.lifetimes(data)
	expires := m.expiry(data, st.created, now)
	if now.Before(st.expires.Add(m.touchInterval(idle)-idle)) || !expires.After(st.expires) {
		return nil
	}
	token, version := st.id, st.version
	t0 := m.begin()
	var err error
	defer func() { m.observe(ctx, "touch", t0, 0, err) }()
	switch s := m.store.(type) {
	case store.Toucher:
		if err = s.Touch(ctx, st.id, expires); err != nil {
			if errors.Is(err, store.ErrNotFound) {
				st.gone = true // destroyed or expired meanwhile: do not bring it back
				return nil
			}
			return backendErr("touch", err)
		}
	case store.Swapper:
		token, version, err = s.SaveIf(ctx, store.Record{ID: st.id, Data: enc.buf, Created: st.created, Expires: expires, Version: st.version, UserID: UserID(data)})
		if errors.Is(err, store.ErrConflict) {
			return nil // another request wrote, and so moved the expiry
		}
		if err != nil {
			return backendErr("touch", err)
		}
	default:
		token, err = m.store.Save(ctx, store.Record{ID: st.id, Data: enc.buf, Created: st.created, Expires: expires, UserID: UserID(data)})
		if err != nil {
			return backendErr("touch", err)
		}
	}
	if err := m.setCookie(h, token, expires, now); err != nil {
		return err
	}
	st.expires, st.version = expires, version
	return nil
}
