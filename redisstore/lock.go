package redisstore

import (
	"context"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/seed-699a33a2/session/internal/locks"
	"github.com/seed-699a33a2/session/store"
)

// lockSuffix follows the session's key to name its lock's key.
const lockSuffix = ":lock"

// releaseAfterTimeout bounds the clean-up of a lock attempt whose outcome
// is unknown (the context ended during the SET); see Lock.
const releaseAfterTimeout = time.Second

// unlockScript deletes the lock key only while it still holds the caller's
// token, so that a holder whose lease ran out never releases the lock of
// the holder who took it next.
//
//	KEYS[1]  the lock's key
//	ARGV[1]  the caller's token
var unlockScript = redis.NewScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
`)

func (s *Store) lockKey(id string) string { return s.key(id) + lockSuffix }

// Lock takes the lock of the session with the given ID for the manager's
// blocking mode; see [store.Locker]. The lock is a key of its own, the
// session's key followed by ":lock", holding a random token: it is taken
// with SET NX PX lease and, while another holder has it, tried again after
// a short jittered pause (2 to 20 ms) until ctx is done, which is an error
// wrapping [store.ErrLockTimeout] and ctx.Err(). unlock deletes the key with
// a one-key script only if it still holds this caller's token. Each
// operation touches one key, so the lock works on Redis Cluster. The lease
// is kept to the millisecond (rounded up).
//
// The ID need not name a stored session: requests that share any ID run
// one at a time. The lock key holds no more of the ID than the session's
// key does (its hash).
func (s *Store) Lock(ctx context.Context, id string, lease time.Duration) (func(context.Context) error, error) {
	if err := ctx.Err(); err != nil {
		return nil, store.BackendError(driver, err)
	}
	key := s.lockKey(id)
	token := locks.NewToken()
	px := lease.Milliseconds()
	if time.Duration(px)*time.Millisecond < lease {
		px++
	}
	if px < 1 {
		px = 1
	}
	var poll locks.Poller
	for {
		ok, err := s.client.SetNX(ctx, key, token, time.Duration(px)*time.Millisecond).Result()
		if err != nil {
			if ctx.Err() != nil {
				// The SET may have reached the server before the context
				// ended: take back what might be ours.
				s.release(context.WithoutCancel(ctx), key, token)
				return nil, lockTimeout(ctx)
			}
			return nil, store.BackendError(driver, err)
		}
		if ok {
			return s.unlocker(key, token), nil
		}
		if !poll.Wait(ctx) {
			return nil, lockTimeout(ctx)
		}
	}
}

// unlocker returns the unlock function of the lock on key that token holds.
// After a release that succeeded, later calls do nothing; after one that
// failed, the next call tries again.
func (s *Store) unlocker(key, token string) func(context.Context) error {
	return locks.ReleaseOnce(func(ctx context.Context) error {
		return unlockScript.Run(ctx, s.client, []string{key}, token).Err()
	}, func(err error) error { return store.BackendError(driver, err) })
}

// release gives up the lock on key if token holds it, within a short time
// of its own; a failure leaves the lock to its lease.
func (s *Store) release(ctx context.Context, key, token string) {
	ctx, cancel := context.WithTimeout(ctx, releaseAfterTimeout)
	defer cancel()
	_ = unlockScript.Run(ctx, s.client, []string{key}, token).Err()
}

func lockTimeout(ctx context.Context) error {
	return fmt.Errorf("%w: redis: %w", store.ErrLockTimeout, ctx.Err())
}
