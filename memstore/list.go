package memstore

import (
	"context"
	"encoding/hex"

	"github.com/seed-699a33a2/session/store"
)

// List calls fn with each live session until fn returns false. It visits
// the shards one at a time: it copies a shard's keys under its read lock,
// then reads each session under the lock again and calls fn without any
// lock held (fn may use the store). It implements [store.Lister].
func (s *Store) List(ctx context.Context, fn func(store.UserSession) bool) error {
	var keys []key
	for i := range s.shards {
		sh := &s.shards[i]
		keys = keys[:0]
		sh.mu.RLock()
		for k := range sh.m {
			keys = append(keys, k)
		}
		sh.mu.RUnlock()
		for _, k := range keys {
			if err := ctx.Err(); err != nil {
				return store.BackendError(driver, err)
			}
			now := s.now().UnixNano()
			sh.mu.RLock()
			e, ok := sh.m[k]
			live := ok && now < e.expires
			var r store.Record
			if live {
				r = e.record()
			}
			sh.mu.RUnlock()
			if live && !fn(store.UserSession{Handle: hex.EncodeToString(k[:]), Record: r}) {
				return nil
			}
		}
	}
	return nil
}

// DeleteHandle deletes the session with the given handle (see
// [store.UserSession]). It implements [store.Lister].
func (s *Store) DeleteHandle(ctx context.Context, handle string) error {
	if ok, err := store.GuardHandle(ctx, driver, handle); !ok {
		return err
	}
	s.removeIf(keyOf(handle), nil)
	return nil
}

// keyOf is the key of the session with the given handle, which must be
// store.ValidHandle.
func keyOf(handle string) key {
	var k key
	_, _ = hex.Decode(k[:], []byte(handle))
	return k
}
