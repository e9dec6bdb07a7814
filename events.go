package session

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// StoreEvent describes one call the manager made to its store, for metrics
// and tracing (see Config.OnStoreEvent), or a change to a session that
// could not be saved because the response had started (Op "late_change").
// It never holds a session ID.
type StoreEvent struct {
	// Op is "load", "save", "touch", "delete" or "lock" for a store call;
	// "late_change" for a change made after the middleware committed the
	// session, which was lost (no store call: Duration and Bytes are 0,
	// and Err is ErrLateChange).
	Op string
	// Driver names the store: its package ("memstore", "redisstore", ...).
	Driver string
	// Duration is how long the call took.
	Duration time.Duration
	// Bytes is the encoded session data loaded or saved (0 for the rest).
	Bytes int
	// Err is the call's error: nil on success; store.ErrNotFound for a load
	// that found no session and store.ErrConflict for a save that met a
	// concurrent request (outcomes rather than failures); ErrLateChange for
	// a late change; anything else wraps ErrBackend, or ErrLockTimeout.
	Err error
}

// begin returns the start time of a store call when events are wanted.
func (m *Manager) begin() time.Time {
	if m.cfg.OnStoreEvent == nil {
		return time.Time{}
	}
	return time.Now()
}

func (m *Manager) observe(ctx context.Context, op string, start time.Time, bytes int, err error) {
	if m.cfg.OnStoreEvent == nil {
		return
	}
	m.cfg.OnStoreEvent(ctx, StoreEvent{Op: op, Driver: m.driver, Duration: time.Since(start), Bytes: bytes, Err: err})
}

// driverName names a store by its package: "*memstore.Store" is "memstore".
func driverName(st Store) string {
	name := strings.TrimPrefix(typeName(st), "*")
	if i := strings.IndexByte(name, '.'); i >= 0 {
		name = name[:i]
	}
	return name
}

func typeName(v any) string { return fmt.Sprintf("%T", v) }
