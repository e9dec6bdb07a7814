package store

import (
	"errors"
	"fmt"
)

var (
	// ErrNotFound reports that a token names no live session: it is
	// missing, expired, malformed or was tampered with. The manager answers
	// it with a fresh session.
	ErrNotFound = errors.New("session: not found")

	// ErrCorrupt reports a stored record that failed its integrity check (a
	// torn or damaged file, say). It wraps ErrNotFound, so callers that only
	// care about "no session" need not know it; the manager logs it.
	ErrCorrupt = fmt.Errorf("%w: corrupt record", ErrNotFound)

	// ErrBackend wraps every failure of a store's backend: I/O errors,
	// network errors, timeouts, cancelled contexts. It never means "no
	// session".
	ErrBackend = errors.New("session: store backend failed")

	// ErrTooLarge reports session data over the configured maximum size.
	ErrTooLarge = errors.New("session: data too large")

	// ErrConflict reports a SaveIf whose expected version is not the stored
	// one: another request saved the session in between (or deleted it).
	ErrConflict = errors.New("session: concurrent update")

	// ErrLockTimeout reports a Locker.Lock that gave up waiting: another
	// request held the session's lock for the whole wait.
	ErrLockTimeout = errors.New("session: timed out waiting for the session lock")

	// ErrInvalidID reports a Save whose record ID does not satisfy ValidID.
	ErrInvalidID = errors.New("session: invalid session ID")
)
