package session

import (
	"bytes"
	"slices"

	"github.com/seed-699a33a2/session/internal/codec"
)

// checkLate runs when the handler returns after the middleware committed
// the session (at the response's first byte): a change made since cannot
// be saved, so it is logged once, naming the keys, and reported as a
// StoreEvent.
func (m *Manager) checkLate(rs *reqState) {
	if rs.st.gone {
		return // a concurrent request ended the session: nothing is saved anyway
	}
	keys := changedKeys(rs.data, rs.st.loaded)
	if len(keys) == 0 {
		return
	}
	ctx := rs.r.Context()
	m.logger().WarnContext(ctx, "session: changed after the response started; the change is lost (change the session before writing the response)",
		"keys", keys, "method", rs.r.Method, "path", rs.r.URL.Path)
	if m.cfg.OnStoreEvent != nil {
		m.cfg.OnStoreEvent(ctx, StoreEvent{Op: "late_change", Driver: m.driver, Err: ErrLateChange})
	}
}

// changedKeys returns, sorted, the keys whose entry in data differs from
// the committed one (set, changed or removed since), or nil. When nothing
// changed it allocates nothing. Like diff, it looks the committed keys up
// in data when data has as many keys, and ranges over data otherwise.
func changedKeys(data map[string]any, committed entries) []string {
	var keys []string
	if len(data) == len(committed) {
		for _, en := range committed {
			v, ok := data[en.Key]
			if !ok {
				return changedKeysOfMap(data, committed)
			}
			if !sameAs(en, v) {
				keys = append(keys, en.Key)
			}
		}
		slices.Sort(keys)
		return keys
	}
	return changedKeysOfMap(data, committed)
}

// changedKeysOfMap is changedKeys ranging over data.
func changedKeysOfMap(data map[string]any, committed entries) []string {
	var keys []string
	n := 0
	for k, v := range data {
		if !stored(k) {
			continue
		}
		n++
		if old, ok := committed.entry(k); !ok || !sameAs(old, v) {
			keys = append(keys, k)
		}
	}
	if n-len(keys) < len(committed) { // some committed keys are gone
		for _, en := range committed {
			if _, ok := data[en.Key]; !ok {
				keys = append(keys, en.Key)
			}
		}
	}
	slices.Sort(keys)
	return keys
}

// sameAs reports whether v encodes as the committed entry en.
func sameAs(en codec.Entry, v any) bool {
	if codec.Same(v, en.Val) {
		return true // a string or number as committed
	}
	var scratch [512]byte // most entries fit: no allocation
	entry, err := codec.AppendEntry(scratch[:0], en.Key, v)
	return err == nil && bytes.Equal(en.Raw, entry)
}
