package filestore

import (
	"context"
	"time"

	"github.com/seed-699a33a2/session/store"
)

// Lock takes the lock of the session with the given ID for the manager's
// blocking mode; see [store.Locker]. The lock is held within this process.
func (s *Store) Lock(ctx context.Context, id string, lease time.Duration) (func(context.Context) error, error) {
	if err := ctx.Err(); err != nil {
		return nil, store.BackendError(driver, err)
	}
	return s.blocking.Lock(ctx, store.HashIDBytes(id), lease)
}
