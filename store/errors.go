package store

import (
	"context"
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

// BackendError returns err as a failure of the backend of the named
// driver ("redis", "file", ...): errors.Is finds both ErrBackend and err in
// it, and its message is the driver's name and err's message, as in
// "redis: dial tcp 127.0.0.1:6379: connect: connection refused" (err's
// alone when driver is empty). Drivers return it for every failure of
// their backend, a cancelled context included, so that the manager's
// error reads once: "session: save: redis: dial tcp ...".
func BackendError(driver string, err error) error {
	return &wrapped{driver: driver, kind: ErrBackend, err: err}
}

// CorruptError returns the error of a record of the named driver that
// failed its integrity check (why says how): errors.Is finds ErrCorrupt,
// and so ErrNotFound, and why in it.
func CorruptError(driver string, why error) error {
	return &wrapped{driver: driver, kind: ErrCorrupt, err: why, prefix: "corrupt record: "}
}

// wrapped is an error of one driver that wraps a sentinel of this package
// without repeating the sentinel's text.
type wrapped struct {
	driver string
	kind   error
	err    error
	prefix string
}

func (e *wrapped) Error() string {
	msg := e.prefix + e.err.Error()
	if e.driver == "" {
		return msg
	}
	return e.driver + ": " + msg
}

func (e *wrapped) Unwrap() []error { return []error{e.kind, e.err} }

// Guard is the preamble of a driver's method on one session. ok is false
// when the method must stop at once: with an error wrapping ctx.Err() (and
// ErrBackend) when ctx is done, and with invalid when id does not have the
// shape of a session ID (ValidID). What an invalid ID means is the
// method's to say: ErrNotFound for Load and Touch, nil (nothing to do) for
// Delete, ErrInvalidID for Save.
func Guard(ctx context.Context, driver, id string, invalid error) (ok bool, err error) {
	return guard(ctx, driver, ValidID(id), invalid)
}

// GuardHandle is Guard for a driver's method on a session named by its
// handle (DeleteHandle, DeleteUserSession): ok is false with an error
// wrapping ctx.Err() (and ErrBackend) when ctx is done, and with a nil
// error (nothing to delete) when handle is not ValidHandle.
func GuardHandle(ctx context.Context, driver, handle string) (ok bool, err error) {
	return guard(ctx, driver, ValidHandle(handle), nil)
}

func guard(ctx context.Context, driver string, valid bool, invalid error) (bool, error) {
	if err := ctx.Err(); err != nil {
		return false, BackendError(driver, err)
	}
	if !valid {
		return false, invalid
	}
	return true, nil
}
