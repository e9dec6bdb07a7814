package gormstore

import (
	"context"
	"fmt"
	"time"

	"gorm.io/gorm/clause"

	"github.com/seed-699a33a2/session/internal/locks"
	"github.com/seed-699a33a2/session/store"
)

// releaseAfterTimeout bounds the clean-up of a lock attempt whose outcome
// is unknown (the context ended during the UPDATE); see Lock.
const releaseAfterTimeout = time.Second

// Lock takes the lock of the session with the given ID for the manager's
// blocking mode; see [store.Locker]. The lock lives in the session's row:
// one UPDATE ... SET lock_token = ?, locked_until = ? WHERE id = ? AND
// (locked_until IS NULL OR locked_until <= ?) takes it (lock_token is a
// random token of this caller, locked_until the end of the lease), and
// while another holder has it Lock tries again after a short jittered pause
// (2 to 20 ms) until ctx is done, which is an error wrapping
// [store.ErrLockTimeout] and ctx.Err(). unlock clears both columns only
// while lock_token is still this caller's.
//
// Leases are real time: they are read from time.Now, not from
// [Options.Now], and compared with bound parameters, never with the
// database's clock, so the processes that share a table need clocks that
// agree to well within a lease.
//
// When the ID has no row (expired rows count), there is no session to
// protect: the manager answers such a request with a fresh session under a
// new ID and never writes to this one. Lock then returns at once with an
// unlock that does nothing. A waiter whose holder deletes the row (the
// session was destroyed or regenerated) stops waiting the same way.
//
// A busy database (SQLITE_BUSY) or another contention error during an
// attempt counts as a lock held by someone else: Lock tries again.
func (s *Store) Lock(ctx context.Context, id string, lease time.Duration) (func(context.Context) error, error) {
	if err := ctx.Err(); err != nil {
		return nil, store.BackendError(driver, err)
	}
	noop := func(context.Context) error { return nil }
	if !store.ValidID(id) {
		return noop, nil // no row can have this ID
	}
	hashed := store.HashID(id)
	token := locks.NewToken()
	var poll locks.Poller
	for {
		acquired, exists, err := s.tryLock(ctx, hashed, token, lease)
		switch {
		case err != nil && ctx.Err() != nil:
			// The UPDATE may have been committed before the context
			// ended: take back what might be ours.
			_ = s.unlock(context.WithoutCancel(ctx), hashed, token, releaseAfterTimeout)
			return nil, lockTimeout(ctx)
		case err != nil && !s.isConflict(err):
			return nil, store.BackendError(driver, err)
		case err != nil:
			// Busy: try again after the pause.
		case acquired:
			return s.unlocker(hashed, token), nil
		case !exists:
			return noop, nil
		}
		if !poll.Wait(ctx) {
			return nil, lockTimeout(ctx)
		}
	}
}

// tryLock makes one attempt to take the lock of the row with the hashed ID.
// When the lock is held by someone else it reports whether the row exists.
func (s *Store) tryLock(ctx context.Context, hashed, token string, lease time.Duration) (acquired, exists bool, err error) {
	byID := clause.Eq{Column: clause.Column{Name: colID}, Value: hashed}
	now := time.Now()
	res := s.updates(ctx).
		Where(byID).
		Where(clause.Or(
			clause.Eq{Column: clause.Column{Name: colLockedUntil}, Value: nil},
			clause.Lte{Column: clause.Column{Name: colLockedUntil}, Value: utc(now)},
		)).
		UpdateColumns(map[string]any{
			colLockToken:   token,
			colLockedUntil: utc(now.Add(lease)),
		})
	if res.Error != nil {
		return false, false, res.Error
	}
	// The token is new, so the row changes: MySQL's count of rows changed
	// is exact here.
	if res.RowsAffected > 0 {
		return true, true, nil
	}
	var n int64
	if err := s.db.WithContext(ctx).Table(s.table).Where(byID).Limit(1).Count(&n).Error; err != nil {
		return false, false, err
	}
	return false, n > 0, nil
}

// unlocker returns the unlock function of the lock that token holds on the
// row with the hashed ID. After a release that succeeded, later calls do
// nothing; after one that failed, the next call tries again.
func (s *Store) unlocker(hashed, token string) func(context.Context) error {
	return locks.ReleaseOnce(func(ctx context.Context) error {
		return s.unlock(ctx, hashed, token, 0)
	}, func(err error) error { return store.BackendError(driver, err) })
}

// unlock clears the lock columns of the row with the hashed ID if token
// holds its lock, within timeout when that is positive.
func (s *Store) unlock(ctx context.Context, hashed, token string, timeout time.Duration) error {
	if timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, timeout)
		defer cancel()
	}
	return s.updates(ctx).
		Where(clause.Eq{Column: clause.Column{Name: colID}, Value: hashed}).
		Where(clause.Eq{Column: clause.Column{Name: colLockToken}, Value: token}).
		UpdateColumns(map[string]any{
			colLockToken:   nil,
			colLockedUntil: nil,
		}).Error
}

func lockTimeout(ctx context.Context) error {
	return fmt.Errorf("%w: %s%w", store.ErrLockTimeout, prefix, ctx.Err())
}
