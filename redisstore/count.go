package redisstore

import (
	"context"
	"sync/atomic"

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
	var n atomic.Int64
	count := func(ctx context.Context, c *redis.Client) error {
		iter := c.Scan(ctx, 0, s.prefix+"*", 1000).Iterator()
		for iter.Next(ctx) {
			if isSessionKey(iter.Val()[len(s.prefix):]) {
				n.Add(1)
			}
		}
		return iter.Err()
	}
	var err error
	switch c := s.client.(type) {
	case *redis.ClusterClient:
		err = c.ForEachMaster(ctx, count)
	case *redis.Client:
		err = count(ctx, c)
	default:
		iter := s.client.Scan(ctx, 0, s.prefix+"*", 1000).Iterator()
		for iter.Next(ctx) {
			if isSessionKey(iter.Val()[len(s.prefix):]) {
				n.Add(1)
			}
		}
		err = iter.Err()
	}
	if err != nil {
		return 0, store.BackendError(driver, err)
	}
	return int(n.Load()), nil
}

// isSessionKey reports whether the part of a key after the prefix names a
// session: exactly the 64 lowercase hex digits of store.HashID.
func isSessionKey(rest string) bool {
	if len(rest) != 64 {
		return false
	}
	for i := 0; i < len(rest); i++ {
		if c := rest[i]; !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}
