// Package locks is an in-process table of leased locks, keyed by the hash
// of a session ID: the blocking mode of the memory and file stores.
package locks

import (
	"context"
	"crypto/sha256"
	"fmt"
	"sync"
	"time"

	"github.com/seed-699a33a2/session/store"
)

// Table holds the locks. The zero Table is ready to use and safe for
// concurrent use.
type Table struct {
	mu   sync.Mutex
	held map[[sha256.Size]byte]*lock
}

type lock struct {
	until    time.Time     // the lease: after it the lock is free
	released chan struct{} // closed on unlock
}

// Lock takes the lock of key for lease, waiting while another holder has it
// (until that holder unlocks or its lease ends) or until ctx is done.
func (t *Table) Lock(ctx context.Context, key [sha256.Size]byte, lease time.Duration) (func(context.Context) error, error) {
	for {
		t.mu.Lock()
		if t.held == nil {
			t.held = make(map[[sha256.Size]byte]*lock)
		}
		now := time.Now()
		l := t.held[key]
		if l == nil || !now.Before(l.until) {
			mine := &lock{until: now.Add(lease), released: make(chan struct{})}
			t.held[key] = mine
			t.mu.Unlock()
			var once sync.Once
			return func(context.Context) error {
				once.Do(func() {
					t.mu.Lock()
					if t.held[key] == mine {
						delete(t.held, key)
					}
					t.mu.Unlock()
					close(mine.released)
				})
				return nil
			}, nil
		}
		wait := time.NewTimer(l.until.Sub(now))
		released := l.released
		t.mu.Unlock()
		select {
		case <-ctx.Done():
			wait.Stop()
			return nil, fmt.Errorf("%w: %w", store.ErrLockTimeout, ctx.Err())
		case <-released:
		case <-wait.C:
		}
		wait.Stop()
	}
}

// Len returns the number of locks held (or held until their lease ends).
func (t *Table) Len() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.held)
}
