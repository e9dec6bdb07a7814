package session

import (
	"context"
	"time"
)

// ReservedPrefix starts every key the library itself keeps in a session's
// data map: the bookkeeping entry and the flash entries. Applications must
// not use keys with this prefix. Ranging over a loaded session's map shows
// them; the bookkeeping entry (ReservedPrefix+"state") is never encoded or
// stored, and a fresh session's map has no entries at all.
const ReservedPrefix = "_session:"

const stateKey = ReservedPrefix + "state"

// state is what Save needs to know about the request that loaded the map:
// which session it is and what the store holds, entry by entry, so that an
// unchanged map is not written and a changed one is written once. It lives
// in the data map itself, so it is freed with the map even when Save is
// never called.
type state struct {
	id string
	// previous is the ID Regenerate moved the session from: Save accepts it
	// for id, since callers often still hold it, and saves under id.
	previous string
	// stored reports that the store holds the session under id.
	stored bool
	// loaded maps each key to its encoded entry as the store holds it, with
	// the flash aging of this request applied (so that aging is not taken
	// for the handler's own change).
	loaded map[string][]byte
	// version is the stored record's version (stores with store.Swapper).
	version uint64
	// aged lists what flash aging did at Start, replayed on the current
	// record when a concurrent request saved first: the flash names moved
	// from "new" to "now", and the "now" keys dropped.
	agedMoved, agedDropped []string
	// gone is set when the session turned out to be destroyed or
	// regenerated away by a concurrent request: nothing more is written.
	gone    bool
	created time.Time
	// expires is the server-side expiry as last stored or touched.
	expires time.Time
	// ctx is the context of the request that started the session, used by
	// Save, Regenerate and Destroy outside the middleware.
	ctx context.Context
}

// owns reports whether id names the session st describes.
func (st *state) owns(id string) bool {
	return id == st.id || (st.previous != "" && id == st.previous)
}

func stateOf(data map[string]any) *state {
	st, _ := data[stateKey].(*state)
	return st
}

// ctxFor picks the context for store calls made on behalf of data: that of
// the middleware's request, or of the request that started the session,
// detached; a session started by nobody (a fresh one outside the
// middleware) gets the background context.
func ctxFor(rs *reqState, data map[string]any) (context.Context, context.CancelFunc) {
	if rs != nil {
		return detach(rs.r.Context())
	}
	if st := stateOf(data); st != nil && st.ctx != nil {
		return detach(st.ctx)
	}
	return context.Background(), func() {}
}

// detach returns a context with parent's values and deadline but not its
// cancellation: a session is still saved when the client goes away after
// the handler has run, yet a hung store cannot hold the request past its
// deadline.
func detach(parent context.Context) (context.Context, context.CancelFunc) {
	ctx := context.WithoutCancel(parent)
	if dl, ok := parent.Deadline(); ok {
		return context.WithDeadline(ctx, dl)
	}
	return ctx, func() {}
}
