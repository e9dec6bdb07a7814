package session

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"time"

	"github.com/seed-699a33a2/session/internal/codec"
	"github.com/seed-699a33a2/session/internal/mapid"
	"github.com/seed-699a33a2/session/store"
)

// One request's session, top to bottom. Each step is one function below.
//
//	load      cookie(s) → store.Load → check the record → decode → age flashes
//	            (nothing usable: a fresh session, new ID, empty map)
//	handler   reads and changes the map (Flash, plain keys, even clear)
//	commit    diff the map against what was loaded, then one of
//	            nothing   a fresh session left empty, or nothing changed and no touch due
//	            touch     nothing changed, a touch is due: move the expiry
//	            write     something changed: SaveIf over the loaded version
//	                      (with the loaded record's Stamp, a hint for the store);
//	                      on a conflict, merge into the current record and write again
//	            replace   a map without its handle (outside the middleware):
//	                      Save it over the record, or Delete the record when empty
//
// The middleware runs load before the handler and commit just before the
// first byte of the response; outside it, Start runs load and Save commit.

// Start returns the session the request's cookie names, or a fresh one.
//
// A missing, malformed, unknown, expired or tampered cookie gives a fresh
// ID and an empty map with a nil error: unknown IDs are never adopted. A
// store that fails gives an error wrapping ErrBackend, never an empty
// session. Flashes age here: what the previous request flashed becomes
// readable, and what it could read is gone.
//
// Inside the manager's middleware, Start returns the middleware's ID and the
// very same map, without loading again (also when other managers'
// middlewares wrap the request too).
func (m *Manager) Start(r *http.Request) (string, map[string]interface{}, error) {
	if rs := m.requestState(r.Context()); rs != nil {
		return rs.st.id, rs.data, nil
	}
	st := new(state)
	data, err := m.load(r, st)
	if err != nil {
		return "", nil, err
	}
	if st.stored {
		data[handleKey] = st
	}
	return st.id, data, nil
}

// load opens the first of the request's session cookies that names a live
// session into st, or starts a fresh one there.
func (m *Manager) load(r *http.Request, st *state) (map[string]any, error) {
	ctx := r.Context()
	tokens, n := sessionCookies(r, m.cfg.CookieName)
	for _, token := range tokens[:n] {
		data, err := m.open(ctx, token, st)
		if err != nil || data != nil {
			return data, err
		}
	}
	*st = state{id: store.NewID(), ctx: ctx}
	return map[string]any{}, nil
}

// open loads the session token names and ages its flashes. A token that
// names no usable session gives nil data and no error; st is filled only
// for one that does.
func (m *Manager) open(ctx context.Context, token string, st *state) (map[string]any, error) {
	if !store.ValidToken(token, MaxTokenLen) {
		return nil, nil
	}
	t0 := m.begin()
	rec, err := m.loadShared(ctx, token)
	m.observe(ctx, "load", t0, len(rec.Data), err)
	switch {
	case errors.Is(err, store.ErrCorrupt):
		m.logger().WarnContext(ctx, "session: stored session is corrupt; starting a fresh one", "err", err)
		return nil, nil
	case errors.Is(err, store.ErrNotFound):
		return nil, nil
	case err != nil:
		return nil, backendErr("load", err)
	}
	if !store.ValidID(rec.ID) {
		return nil, nil
	}
	enc, plain, err := m.unsealID(rec.ID, rec.Data)
	if err != nil {
		m.logger().WarnContext(ctx, "session: stored session does not open; starting a fresh one", "err", err)
		return nil, nil
	}
	data := make(map[string]any, 8)
	var raw entries
	if err := codec.DecodeOwned(enc, data, (*[]codec.Entry)(&raw)); err != nil {
		m.logger().WarnContext(ctx, "session: stored session does not decode; starting a fresh one", "err", err)
		return nil, nil
	}
	if !m.plausible(ctx, &rec, data) {
		return nil, nil
	}
	raw = raw.indexed()
	moved, dropped := ageFlashes(data, &raw)
	*st = state{id: rec.ID, stored: true, loaded: raw, version: rec.Version, stamp: rec.Stamp, created: rec.Created, expires: rec.Expires, ctx: ctx, reseal: plain,
		agedMoved: moved, agedDropped: dropped}
	return data, nil
}

// loadShared loads the record token names, with its data shared with the
// store when the store can (store.Sharer): nothing here ever changes a
// loaded record's bytes, and the values decoded from them do not alias
// them where they could be changed ([]byte values are copies).
func (m *Manager) loadShared(ctx context.Context, token string) (store.Record, error) {
	if sh, ok := m.store.(store.Sharer); ok {
		return sh.LoadShared(ctx, token)
	}
	return m.store.Load(ctx, token)
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
// ErrHeadersWritten. A map other than the request's own replaces the
// session's content.
//
// Outside the middleware, Save writes what changed since Start, merged
// with concurrent requests as the middleware does, as long as the map keeps
// the handle Start put in it. A map without it (a fresh session's map, or
// one emptied with clear or by deleting every key) is the session's
// complete content: Save writes it over the record stored under id, last
// writer wins, and starts its lifetimes over; an empty one deletes the
// record, with one idempotent store call, and expires the cookie.
func (m *Manager) Save(w http.ResponseWriter, id string, data map[string]interface{}) error {
	if rs := m.writerState(w); rs != nil {
		if rs.headersSent() {
			return ErrHeadersWritten
		}
		if !rs.st.owns(id) {
			return ErrIDMismatch
		}
		rs.adopt(data)
		return m.commit(rs.r.Context(), w.Header(), rs.st, rs.data)
	}
	st, err := stateFor(id, data)
	if err != nil {
		return err
	}
	return m.commit(st.ctx, w.Header(), st, data)
}

// stateFor returns the state of a map outside the middleware: its handle,
// or a whole-content state for id.
func stateFor(id string, data map[string]any) (*state, error) {
	if st := handleOf(data); st != nil {
		if !st.owns(id) {
			return nil, ErrIDMismatch
		}
		return st, nil
	}
	if !store.ValidID(id) {
		return nil, fmt.Errorf("%w: Save needs the ID that Start returned", ErrIDMismatch)
	}
	return wholeState(id), nil
}

// adopt makes data the session's content when it is not the request's own
// map (a handler that built a new map and saves it).
func (rs *reqState) adopt(data map[string]any) {
	if mapid.Same(data, rs.data) {
		return
	}
	clear(rs.data)
	for k, v := range data {
		if k != handleKey {
			rs.data[k] = v
		}
	}
}

// commit writes what the request changed in data, or touches the session
// when a touch is due, and sets the cookie on h. ctx is the request's: the
// store calls run under detach(ctx), made only when there is one to make.
func (m *Manager) commit(ctx context.Context, h http.Header, st *state, data map[string]any) error {
	if st.gone {
		return nil
	}
	if st.whole {
		return m.replace(ctx, h, st, data)
	}
	enc, err := diff(data, st)
	if err != nil {
		return err
	}
	defer enc.release()
	now := m.cfg.Now()
	switch {
	case !st.stored && enc.n == 0:
		return nil // an empty session nobody wrote to costs nothing
	case st.stored && !enc.changed && !st.aged() && !st.reseal:
		return m.touch(ctx, h, st, data, enc, now)
	}
	return m.write(ctx, h, st, data, enc, now)
}

// write stores the changed session and sets its cookie.
func (m *Manager) write(ctx context.Context, h http.Header, st *state, data map[string]any, enc *encoded, now time.Time) error {
	ctx, cancel := detach(ctx)
	defer cancel()
	if err := m.checkSize(len(enc.bytes()), ""); err != nil {
		return err
	}
	created := now
	if !st.created.IsZero() {
		created = st.created
	}
	plain := enc.buf
	if _, ok := m.store.(store.Sharer); ok {
		plain = enc.exact() // kept by the store as by the state: one copy for both
	}
	rec := m.record(st.id, m.seal(st.id, plain), created, m.expiry(data, created, now), data)
	rec.Version, rec.Stamp = st.version, st.stamp
	token, version, stored, err := m.put(ctx, rec, st, data, enc)
	if err != nil {
		return err
	}
	if stored == nil { // destroyed or regenerated away meanwhile
		st.gone = true
		m.logger().DebugContext(ctx, "session: not saved: a concurrent request destroyed or regenerated the session")
		return nil
	}
	if err := m.setCookie(h, &st.hdr, token, rec.Expires, now, data); err != nil {
		return err
	}
	st.stored, st.created, st.expires, st.version, st.stamp = true, created, rec.Expires, version, ""
	st.loaded, st.agedMoved, st.agedDropped, st.reseal = stored, nil, nil, false
	return nil
}

// put stores rec. With a store.Swapper it saves only over the version the
// request loaded; when another request saved first it merges this
// request's changes into the current record key by key and tries again.
// Without one, the last writer wins. It returns the token, the new version
// and the entries now stored, or nil entries when the session is gone
// (deleted by a concurrent request).
func (m *Manager) put(ctx context.Context, rec store.Record, st *state, data map[string]any, enc *encoded) (string, uint64, entries, error) {
	sw, ok := m.store.(store.Swapper)
	if !ok {
		t0 := m.begin()
		token, err := m.store.Save(ctx, rec)
		m.observe(ctx, "save", t0, len(rec.Data), err)
		if err != nil {
			return "", 0, nil, backendErr("save", err)
		}
		return token, rec.Version + 1, enc.entries(st.loaded), nil
	}
	merged := false
	for attempt := 0; ; attempt++ {
		t0 := m.begin()
		token, version, err := saveIf(ctx, sw, rec)
		m.observe(ctx, "save", t0, len(rec.Data), err)
		switch {
		case err == nil && merged:
			return token, version, enc.mergedEntries(st.loaded), nil
		case err == nil:
			return token, version, enc.entries(st.loaded), nil
		case !errors.Is(err, store.ErrConflict):
			return "", 0, nil, backendErr("save", err)
		case !st.stored || attempt >= maxMergeAttempts:
			return "", 0, nil, backendErr("save", fmt.Errorf("%w after %d attempts", err, attempt+1))
		}
		if err := backoff(ctx, attempt); err != nil {
			return "", 0, nil, backendErr("save", err)
		}
		gone, err := m.merge(ctx, &rec, st, data, enc)
		if err != nil || gone {
			return "", 0, nil, err
		}
		merged = true
	}
}

// saveIf is sw.SaveIf(ctx, rec), or SaveIfShared when the store shares
// (store.Sharer): put's rec.Data is never changed after the save (an exact
// copy of the encoding, a merged one or a sealed one, made for the save).
func saveIf(ctx context.Context, sw store.Swapper, rec store.Record) (string, uint64, error) {
	if sh, ok := sw.(store.Sharer); ok {
		return sh.SaveIfShared(ctx, rec)
	}
	return sw.SaveIf(ctx, rec)
}

// merge reloads the record a concurrent request stored and applies this
// request's changes to it key by key (see encoded.merge), updating rec and
// data. gone reports that the session no longer exists.
func (m *Manager) merge(ctx context.Context, rec *store.Record, st *state, data map[string]any, enc *encoded) (gone bool, err error) {
	t0 := m.begin()
	cur, err := m.store.Load(ctx, rec.ID)
	m.observe(ctx, "load", t0, len(cur.Data), err)
	if errors.Is(err, store.ErrNotFound) {
		return true, nil
	}
	if err != nil {
		return false, backendErr("save: reload", err)
	}
	current, _, err := m.unsealID(rec.ID, cur.Data)
	if err == nil {
		err = enc.merge(current, st, data)
	}
	if err != nil {
		return false, backendErr("save: merge", err)
	}
	if err := m.checkSize(len(enc.merged), " after merging a concurrent request"); err != nil {
		return false, err
	}
	rec.Data, rec.Version, rec.Created, rec.Stamp = m.seal(rec.ID, enc.merged), cur.Version, cur.Created, cur.Stamp
	rec.UserID, rec.IPAddress, rec.UserAgent = signIn(data)
	return false, nil
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
func (m *Manager) touch(ctx context.Context, h http.Header, st *state, data map[string]any, enc *encoded, now time.Time) error {
	idle, absolute := m.lifetimes(data)
	if now.Before(st.expires.Add(m.touchInterval(idle) - idle)) {
		return nil // touched recently enough: most requests end here
	}
	expires := expiryOf(idle, absolute, st.created, now)
	if !expires.After(st.expires) {
		return nil
	}
	ctx, cancel := detach(ctx)
	defer cancel()
	token, version := st.id, st.version
	rec := store.Record{}
	if _, ok := m.store.(store.Toucher); !ok { // a touch by a rewrite
		rec = m.record(st.id, m.seal(st.id, enc.bytes()), st.created, expires, data)
		rec.Version, rec.Stamp = st.version, st.stamp
	}
	t0 := m.begin()
	var err error
	switch s := m.store.(type) {
	case store.Toucher:
		err = s.Touch(ctx, st.id, expires)
	case store.Swapper:
		token, version, err = s.SaveIf(ctx, rec)
	default:
		token, err = m.store.Save(ctx, rec)
	}
	m.observe(ctx, "touch", t0, 0, err)
	switch {
	case errors.Is(err, store.ErrNotFound):
		st.gone = true // destroyed or expired meanwhile: do not bring it back
		return nil
	case errors.Is(err, store.ErrConflict):
		return nil // another request wrote, and so moved the expiry
	case err != nil:
		return backendErr("touch", err)
	}
	if err := m.setCookie(h, &st.hdr, token, expires, now, data); err != nil {
		return err
	}
	st.expires, st.version, st.stamp = expires, version, ""
	return nil
}

// replace writes a map without its handle over the record stored under
// st.id, as the session's complete content; an empty map deletes the
// record. The map then carries a handle to the session it saved.
func (m *Manager) replace(ctx context.Context, h http.Header, st *state, data map[string]any) error {
	ctx, cancel := detach(ctx)
	defer cancel()
	enc, err := diff(data, st)
	if err != nil {
		return err
	}
	defer enc.release()
	if enc.n == 0 {
		t0 := m.begin()
		err := m.store.Delete(ctx, st.id)
		m.observe(ctx, "delete", t0, 0, err)
		if err != nil {
			return backendErr("save", err)
		}
		m.expireCookie(h) // the cookie driver's record is the cookie
		return nil
	}
	if err := m.checkSize(len(enc.buf), ""); err != nil {
		return err
	}
	now := m.cfg.Now()
	rec := m.record(st.id, m.seal(st.id, enc.buf), now, m.expiry(data, now, now), data)
	t0 := m.begin()
	token, err := m.store.Save(ctx, rec)
	m.observe(ctx, "save", t0, len(rec.Data), err)
	if err != nil {
		return backendErr("save", err)
	}
	if err := m.setCookie(h, &st.hdr, token, rec.Expires, now, data); err != nil {
		return err
	}
	st.whole, st.stored, st.created, st.expires, st.loaded = false, true, now, rec.Expires, enc.entries(st.loaded)
	data[handleKey] = st
	return nil
}

// record is the record of the session id with the encoded data enc, and
// the user, IP address and user agent of its sign-in.
func (m *Manager) record(id string, enc []byte, created, expires time.Time, data map[string]any) store.Record {
	r := store.Record{ID: id, Data: enc, Created: created, Expires: expires}
	r.UserID, r.IPAddress, r.UserAgent = signIn(data)
	return r
}

// checkSize reports encoded session data over Config.MaxDataSize.
func (m *Manager) checkSize(n int, when string) error {
	if n > m.cfg.MaxDataSize {
		return &opError{op: "save", err: fmt.Errorf("%w: %d bytes encoded%s, Config.MaxDataSize is %d", ErrTooLarge, n, when, m.cfg.MaxDataSize)}
	}
	return nil
}
