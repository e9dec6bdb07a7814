package memstore

import (
	"context"

	"github.com/seed-699a33a2/session/store"
)

// sweepBatch is how many expired entries the sweep deletes per hold of a
// shard's write lock, so that a large shard never blocks writers for long.
const sweepBatch = 256

// DeleteExpired removes every expired session, with its entry in its
// user's index, and reports how many it removed. It visits the shards one
// at a time and never holds more than one shard's lock: it collects a
// shard's expired keys under the read lock and deletes them under the
// write lock in small batches, rechecking each, so that concurrent Loads
// and Saves wait at most for one batch. A cancelled ctx stops it between
// batches with an error wrapping ctx.Err() and [store.ErrBackend].
func (s *Store) DeleteExpired(ctx context.Context) (int, error) {
	if err := ctx.Err(); err != nil {
		return 0, store.BackendError(driver, err)
	}
	n := s.deleteExpired(ctx, s.now().UnixNano())
	if err := ctx.Err(); err != nil {
		return n, store.BackendError(driver, err)
	}
	return n, nil
}

// deleteExpired removes what expired by now, until ctx (nil: never) is
// done, and lowers no bound it cannot prove: earliest becomes the earliest
// expiry it kept, unless a Save lowered it meanwhile.
func (s *Store) deleteExpired(ctx context.Context, now int64) int {
	bound := s.earliest.Load()
	if now < bound {
		return 0
	}
	removed := 0
	next := int64(noExpiry) // earliest expiry of what stays
	var expired []key
	for i := range s.shards {
		sh := &s.shards[i]
		expired = expired[:0]
		sh.mu.RLock()
		for k, e := range sh.m {
			if e.expires <= now {
				expired = append(expired, k)
			} else if e.expires < next {
				next = e.expires
			}
		}
		sh.mu.RUnlock()
		for len(expired) > 0 {
			if ctx != nil && ctx.Err() != nil {
				return removed
			}
			batch := expired[:min(len(expired), sweepBatch)]
			expired = expired[len(batch):]
			sh.mu.Lock()
			for _, k := range batch {
				// Recheck: the session may have been saved again since.
				if e, ok := sh.m[k]; ok && e.expires <= now {
					s.remove(sh, k, e)
					removed++
				}
			}
			sh.mu.Unlock()
		}
	}
	s.earliest.CompareAndSwap(bound, next)
	return removed
}
