package memstore

import (
	"context"

	"github.com/seed-699a33a2/session/store"
)

// Count returns the number of live sessions. It implements [store.Counter].
func (s *Store) Count(ctx context.Context) (int, error) {
	if err := ctx.Err(); err != nil {
		return 0, store.BackendError(driver, err)
	}
	now, n := s.now().UnixNano(), 0
	for i := range s.shards {
		sh := &s.shards[i]
		sh.mu.RLock()
		for _, e := range sh.m {
			if now < e.expires {
				n++
			}
		}
		sh.mu.RUnlock()
	}
	return n, nil
}
