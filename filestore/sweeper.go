package filestore

import (
	"context"
	"time"
)

// startSweeper starts the background sweep unless it runs already, the
// store is closed, or sweeping is disabled.
func (s *Store) startSweeper() {
	s.life.Lock()
	defer s.life.Unlock()
	if s.started.Load() || s.closed {
		return
	}
	s.started.Store(true)
	if s.interval < 0 {
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	s.stop = cancel
	s.done = make(chan struct{})
	go s.sweep(ctx, s.done)
}

func (s *Store) sweep(ctx context.Context, done chan<- struct{}) {
	defer close(done)
	t := time.NewTicker(s.interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			// A library does not log: a failed sweep is retried at the
			// next tick, and DeleteExpired called directly reports errors.
			_, _ = s.DeleteExpired(ctx)
		}
	}
}

// Close stops the background sweeper and waits for it to finish, so that
// no sweep runs after Close returns. It is idempotent, safe for concurrent
// use, and always returns nil. The store keeps answering Load, Save and
// the other methods after Close (requests in flight during shutdown still
// work); it just no longer sweeps in the background.
func (s *Store) Close() error {
	s.life.Lock()
	defer s.life.Unlock()
	if s.closed {
		return nil
	}
	s.closed = true
	s.started.Store(true) // keep later Saves off the lifecycle lock
	if s.stop != nil {
		s.stop()
		<-s.done
	}
	return nil
}
