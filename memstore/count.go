package memstore

import "context"

// Count returns the number of live sessions. It implements [store.Counter].
func (s *Store) Count(ctx context.Context) (int, error) {
	if err := ctx.Err(); err != nil {
		return 0, backendErr("count", err)
	}
	now, n := s.now(), 0
	for i := range s.shards {
		sh := &s.shards[i]
		sh.mu.RLock()
		for _, e := range sh.m {
			if now.Before(e.expires) {
				n++
			}
		}
		sh.mu.RUnlock()
	}
	return n, nil
}
