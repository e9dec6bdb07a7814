package redisstore

import (
	"context"

	"github.com/redis/go-redis/v9"

	"github.com/seed-699a33a2/session/store"
)

// Count returns the number of sessions under the store's prefix, found
// with SCAN on every master (never KEYS); lock and user-index keys are not
// counted. Redis removes expired keys itself, so the count may include keys
// expiring in that very instant. It implements [store.Counter].
func (s *Store) Count(ctx context.Context) (int, error) {
	if err := ctx.Err(); err != nil {
		return 0, store.BackendError(driver, err)
	}
	n := 0
	err := s.scan(ctx, func(_ context.Context, _ redis.Cmdable, keys []string) bool {
		for _, k := range keys {
			if isSessionKey(k[len(s.prefix):]) {
				n++
			}
		}
		return true
	})
	if err != nil {
		return 0, store.BackendError(driver, err)
	}
	return n, nil
}

// isSessionKey reports whether the part of a key after the prefix names a
// session: exactly the 64 lowercase hex digits of store.HashID.
func isSessionKey(rest string) bool { return store.ValidHandle(rest) }
