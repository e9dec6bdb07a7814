package store

import (
	"context"
	"time"
)

// Record is one session as a store keeps it.
//
// Stores treat Data as opaque bytes: the manager encodes and decodes it.
// A store copies Data on Save and returns a slice it no longer uses from
// Load, so neither side aliases the other's memory (only [Sharer]'s
// methods share it, with callers that never change it).
type Record struct {
	// ID is the session ID (see ValidID). Load fills it in.
	ID string
	// Data is the encoded session data.
	Data []byte
	// Created is when the session was first stored. Save keeps the value it
	// is given; Load returns it unchanged (to the nanosecond or better than
	// one millisecond, depending on the backend).
	Created time.Time
	// Expires is the absolute expiry. A store never returns a record whose
	// expiry is not after the current time.
	Expires time.Time
	// Version counts the saves of a record: 1 after its first save, one
	// more after each later Save or SaveIf (a Touch leaves it alone).
	// Stores that implement Swapper fill it in on Load; others leave it 0.
	// Save ignores it.
	Version uint64
	// UserID ties the session to a user (the manager's Login). Stores that
	// implement UserIndex keep it and find sessions by it; others ignore
	// it. Empty means no user.
	UserID string
	// IPAddress and UserAgent are where the session signed in from (the
	// manager's Login), kept beside the data so that a listing of sessions
	// needs not decode it. Stores that implement UserIndex or Lister keep
	// them (in clear: they are metadata, like the times and the user);
	// others may ignore them.
	IPAddress string
	UserAgent string
	// Stamp is what a store's Load read of the record besides its fields,
	// kept for a store whose SaveIf can check its condition more cheaply
	// with it (the Redis store: the whole stored value, for a SET that
	// stores only over those very bytes). Callers that save a loaded
	// record with SaveIf pass its Stamp back unchanged; any other Stamp,
	// or none, is as good for correctness: a store uses it only as a hint,
	// never as a reason to store r or to refuse it, so that SaveIf's
	// result is the same with or without it. Save ignores it; stores that
	// need none leave it empty.
	Stamp string
}

// Store is the contract every storage driver implements.
//
// Implementations must be safe for concurrent use by multiple goroutines.
// Every method honours ctx: a cancelled or expired context makes it return
// an error that wraps ctx.Err() (and ErrBackend).
type Store interface {
	// Load returns the record that token names. The token is what Save
	// returned earlier, as the client sent it back, and may be anything: a
	// token that is malformed, unknown, expired or fails authentication is
	// ErrNotFound, never a panic and never ErrBackend. A failure of the
	// backend itself wraps ErrBackend.
	Load(ctx context.Context, token string) (Record, error)

	// Save stores r (insert or replace) under r.ID and returns the token
	// for the client's cookie. r.ID must satisfy ValidID. A record whose
	// Expires is not in the future is deleted rather than stored.
	Save(ctx context.Context, r Record) (token string, err error)

	// Delete removes the record with the given ID. Deleting a missing
	// record is not an error. Stores that keep nothing on the server (the
	// cookie store) cannot revoke a session and document that Delete does
	// nothing.
	Delete(ctx context.Context, id string) error
}

// Toucher is implemented by stores that can move a record's expiry without
// rewriting its data. The manager uses it for sliding expiry on requests
// that changed nothing; without it, the manager saves the record again.
type Toucher interface {
	// Touch sets the expiry of the record with the given ID and returns
	// ErrNotFound when there is no live record to touch.
	Touch(ctx context.Context, id string, expires time.Time) error
}

// Swapper is implemented by stores that can save a record only when nobody
// saved it since it was loaded: compare-and-set on Record.Version. The
// manager uses it to merge concurrent requests on one session key by key
// instead of letting the last writer win.
type Swapper interface {
	// SaveIf stores r only when the stored record's version is r.Version,
	// or, when r.Version is 0, when there is no live record under r.ID (an
	// expired record counts as none). It returns the token and the new
	// version, r.Version+1. When the condition fails it stores nothing and
	// returns ErrConflict; a contention error of the backend that means the
	// same (a busy database, a failed transaction) is ErrConflict too. A
	// record whose Expires is not in the future is deleted instead, under
	// the same condition, and the token is "".
	SaveIf(ctx context.Context, r Record) (token string, version uint64, err error)
}

// Sharer is implemented by stores that keep records in the process's own
// memory and never change a record's bytes once they hold them (the
// memory store). Its methods are Load and SaveIf without the copies of
// Data that Record's contract asks for, for callers that never change
// Data either: the manager, whose encodings are immutable once made,
// saves with one copy of a session's bytes fewer and reads with one fewer.
// A store that has to copy or serialize Data anyway gains nothing from it.
//
// As with io.ReaderFrom, embedding passes the ability on: a type that
// embeds a Sharer to change its Load or SaveIf (to add faults, logging or
// metrics) must change LoadShared and SaveIfShared the same way, since a
// caller that finds them calls them instead.
type Sharer interface {
	Swapper
	// LoadShared is Load, except that Data may be the store's own bytes,
	// which later loads return too: the caller must never change them.
	LoadShared(ctx context.Context, token string) (Record, error)
	// SaveIfShared is SaveIf, except that the store may keep r.Data
	// itself: the caller must never change it afterwards.
	SaveIfShared(ctx context.Context, r Record) (token string, version uint64, err error)
}

// Locker is implemented by stores that can make requests on one session
// run one at a time (the manager's blocking mode, Config.Blocking).
type Locker interface {
	// Lock takes the lock of the session with the given ID, waiting until
	// it is free or ctx is done; then it returns an error wrapping
	// ErrLockTimeout and ctx.Err(). A lock whose holder neither releases it
	// nor finishes within lease is free again (a crashed holder does not
	// block the session forever). unlock releases the lock if this caller
	// still holds it; it is safe to call more than once.
	Lock(ctx context.Context, id string, lease time.Duration) (unlock func(context.Context) error, err error)
}

// UserSession is one session as a listing returns it (UserIndex's, and
// Lister's).
type UserSession struct {
	// Handle names the session for DeleteUserSession: HashID of its ID.
	// It is not a token: it opens nothing.
	Handle string
	// Record is the stored record; its ID is empty (server-side stores do
	// not keep IDs).
	Record Record
}

// UserIndex is implemented by stores that can find the sessions of one
// user: for "your devices" pages, and to end a user's other sessions.
type UserIndex interface {
	// UserSessions returns the live sessions whose UserID is userID, in
	// no particular order.
	UserSessions(ctx context.Context, userID string) ([]UserSession, error)
	// DeleteUserSession deletes the session with the given handle if it
	// belongs to userID. Deleting a missing session is not an error.
	DeleteUserSession(ctx context.Context, userID, handle string) error
}

// Lister is implemented by stores that can walk every live session, for
// operations tools and admin pages (scs's Iterate, Django's
// clearsessions).
type Lister interface {
	// List calls fn with each live session, in no particular order, until
	// fn returns false or every session was seen. A session's Record has no
	// ID. It streams: the memory it uses does not grow with the number of
	// sessions. A session saved or deleted during the walk may or may not
	// be seen; a store may say when one can be seen twice.
	List(ctx context.Context, fn func(UserSession) bool) error
	// DeleteHandle deletes the session with the given handle (see
	// UserSession). A missing session, or a handle that names none, is not
	// an error.
	DeleteHandle(ctx context.Context, handle string) error
}

// Counter is implemented by stores that can count their live sessions
// (for operations tools; it may scan the whole store).
type Counter interface {
	Count(ctx context.Context) (int, error)
}

// Pruner is implemented by stores that keep expired records until they are
// removed (file, database). DeleteExpired removes them and reports how many
// it removed.
type Pruner interface {
	DeleteExpired(ctx context.Context) (int, error)
}
