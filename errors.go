package session

import (
	"errors"
	"fmt"
	"strings"

	"github.com/seed-699a33a2/session/internal/codec"
	"github.com/seed-699a33a2/session/store"
)

// Errors returned by the manager. Test for them with [errors.Is].
var (
	// ErrNotFound is the stores' "no such session". The manager never
	// returns it from Start: a missing, expired or tampered session is a
	// fresh one.
	ErrNotFound = store.ErrNotFound

	// ErrBackend wraps every failure of a store's backend. Start, Save,
	// Destroy and Regenerate return it (wrapped) when the store fails; it
	// never means "no session".
	ErrBackend = store.ErrBackend

	// ErrTooLarge reports encoded session data over Config.MaxDataSize.
	ErrTooLarge = store.ErrTooLarge

	// ErrCookieTooLarge reports a Set-Cookie header over 4096 bytes (with the
	// cookie driver, whose data travels in the cookie). Nothing is sent.
	// It wraps ErrTooLarge.
	ErrCookieTooLarge = fmt.Errorf("%w: cookie over 4096 bytes", store.ErrTooLarge)

	// ErrUnsupportedType reports a session value whose type the codec cannot
	// encode; the message names the key and the type. See Register.
	ErrUnsupportedType = codec.ErrUnsupported

	// ErrLockTimeout reports a blocking request (Config.Blocking) that
	// waited longer than Config.BlockWait for its session's lock.
	ErrLockTimeout = store.ErrLockTimeout

	// ErrHeadersWritten reports a Save, Regenerate or Destroy inside the
	// middleware after the response headers were sent, when the cookie can
	// no longer change.
	ErrHeadersWritten = errors.New("session: response headers already written")

	// ErrIDMismatch reports a Save or Regenerate whose id is not the ID of
	// the session the data map belongs to.
	ErrIDMismatch = errors.New("session: id does not belong to this session's data")

	// ErrLateChange reports a change to the session made after the
	// middleware committed it (the response's first byte was written), which
	// cannot be saved. It is the Err of the StoreEvent with Op "late_change".
	ErrLateChange = errors.New("session: changed after the response started; the change was not saved")

	// ErrConfig wraps every configuration error. The message names the
	// environment variable (or Config field) and the offending value.
	ErrConfig = errors.New("session: invalid configuration")
)

// opError is the failure of one manager operation. Its message reads
// "session: <op>: <cause>", with the cause's own "session: " prefix
// dropped, so that the prefix appears once however deep the chain.
type opError struct {
	op   string
	kind error // a sentinel the error also wraps, without repeating its text (or nil)
	err  error
}

func (e *opError) Error() string {
	return "session: " + e.op + ": " + strings.TrimPrefix(e.err.Error(), "session: ")
}

func (e *opError) Unwrap() []error {
	if e.kind == nil {
		return []error{e.err}
	}
	return []error{e.kind, e.err}
}

// configErr is a configuration error found by a driver: it wraps ErrConfig
// and err, and reads "session: invalid configuration: <err>".
func configErr(err error) error {
	return &opError{op: "invalid configuration", kind: ErrConfig, err: err}
}

// backendErr is the error of operation op whose store call failed with
// err: it wraps ErrBackend (unless err is a refusal of the data, such as
// ErrTooLarge) and err.
func backendErr(op string, err error) error {
	if !errors.Is(err, store.ErrBackend) && !errors.Is(err, store.ErrTooLarge) && !errors.Is(err, store.ErrInvalidID) {
		err = store.BackendError("", err)
	}
	return &opError{op: op, err: err}
}

// ErrCommitFailed is what the middleware's response writer returns from
// Write, Flush and Hijack after the session failed to save just before the
// first byte, and Config.ErrorHandler answered the request instead. A
// framework adapter can recognise it to avoid answering a second time.
var ErrCommitFailed = errors.New("session: response replaced by the error handler: the session could not be saved")
