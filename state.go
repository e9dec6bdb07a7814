package session

import (
	"context"
	"time"
)

// ReservedPrefix starts every key the library itself keeps in a session's
// data map: flash entries, the CSRF token, the user binding of Login, the
// lifetimes of SetLifetime. Applications must not use keys with this prefix.
//
// Inside the middleware the map holds the application's keys and these
// entries only: the manager keeps its bookkeeping beside the map, so that
// clear(data), deleting keys while ranging, or any other ordinary use of
// the map cannot corrupt the session. A map that Start returns outside the
// middleware for a stored session also carries a handle to that
// bookkeeping (the key ReservedPrefix+"state", never stored); a map
// without it is taken by Save for the session's complete content. A fresh
// session's map is empty.
const ReservedPrefix = "_session:"

// handleKey is where a map that Start hands out outside the middleware
// keeps its *state.
const handleKey = ReservedPrefix + "state"

// state is the bookkeeping of one session in one request: which session it
// is and what the store holds, entry by entry, so that an unchanged map is
// not written and a changed one is written once, merged key by key with
// concurrent requests. Inside the middleware it belongs to the request's
// reqState; outside, the map holds it under handleKey.
type state struct {
	id string
	// previous is the ID Regenerate moved the session from: Save accepts it
	// for id, since callers often still hold it, and saves under id.
	previous string
	// stored reports that the store holds the session under id.
	stored bool
	// whole reports that the map is the session's complete content rather
	// than changes to what was loaded: a map outside the middleware that
	// lost its handle. Save writes it over the record, last writer wins.
	whole bool
	// loaded maps each key to its encoded entry as the store holds it, with
	// the flash aging of this request applied (so that aging is not taken
	// for the handler's own change). After a commit it is what was
	// committed, which the late-change check compares the map with.
	loaded entries
	// version is the stored record's version (stores with store.Swapper).
	version uint64
	// stamp is the loaded record's store.Record.Stamp, passed back to
	// SaveIf while that record is the stored one; cleared by a write or a
	// touch, after which the store has other bytes.
	stamp string
	// agedMoved and agedDropped are what flash aging did at Start, replayed
	// on the current record when a concurrent request saved first: the
	// flash names moved from "new" to "now", and the "now" keys dropped.
	agedMoved, agedDropped []string
	// gone is set when the session turned out to be destroyed or
	// regenerated away by a concurrent request: nothing more is written.
	gone bool
	// reseal is set for a plain record loaded by a manager that migrates
	// to encryption at rest: it is written back sealed, changed or not.
	reseal  bool
	created time.Time
	// expires is the server-side expiry as last stored or touched.
	expires time.Time
	// ctx is the context of the request that started the session, for the
	// store calls of Save, Regenerate and Destroy outside the middleware.
	ctx context.Context
	// hdr backs the session cookie's header values (see headerSlots).
	hdr headerSlots
}

// owns reports whether id names the session st describes.
func (st *state) owns(id string) bool {
	return id == st.id || (st.previous != "" && id == st.previous)
}

// aged reports whether flash aging changed the session at Start.
func (st *state) aged() bool { return len(st.agedMoved)+len(st.agedDropped) > 0 }

// handleOf returns the state a map from Start carries outside the
// middleware, or nil.
func handleOf(data map[string]any) *state {
	st, _ := data[handleKey].(*state)
	return st
}

// wholeState is the state of a map without a handle: the session under id,
// whose complete content the map is.
func wholeState(id string) *state { return &state{id: id, whole: true} }

// detach returns a context with parent's values and deadline but not its
// cancellation: a session is still saved when the client goes away after
// the handler has run, yet a hung store cannot hold the request past its
// deadline.
func detach(parent context.Context) (context.Context, context.CancelFunc) {
	if parent == nil {
		return context.Background(), func() {}
	}
	if parent.Done() == nil {
		return parent, func() {} // never cancelled: nothing to detach from
	}
	ctx := context.WithoutCancel(parent)
	if dl, ok := parent.Deadline(); ok {
		return context.WithDeadline(ctx, dl)
	}
	return ctx, func() {}
}
