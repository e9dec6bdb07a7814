// Package sweep runs a store's periodic cleanup: one goroutine with an
// owner, started lazily (by the first write, so that a store nobody uses
// costs nothing) and stopped by Close, after which no round runs.
package sweep

import (
	"context"
	"sync"
	"sync/atomic"
	"time"
)

// Loop calls a cleanup function every interval. The zero Loop is not
// usable; build one with New. A Loop is safe for concurrent use.
type Loop struct {
	interval time.Duration
	fn       func(context.Context) (int, error)
	onErr    func(error)

	started atomic.Bool // fast path of Start: set once the loop started or never will
	mu      sync.Mutex
	closed  bool
	cancel  context.CancelFunc
	done    chan struct{}
}

// New returns a loop that calls fn every interval once started; a negative
// interval means never. Errors of fn (other than those caused by Close) go
// to onErr when it is not nil.
func New(interval time.Duration, fn func(context.Context) (int, error), onErr func(error)) *Loop {
	return &Loop{interval: interval, fn: fn, onErr: onErr}
}

// Start starts the loop unless it runs already, was closed, or has a
// negative interval. It is cheap after the first call.
func (l *Loop) Start() {
	if l.started.Load() {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.started.Load() {
		return
	}
	l.started.Store(true)
	if l.closed || l.interval < 0 {
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	l.cancel, l.done = cancel, make(chan struct{})
	go l.run(ctx, l.done)
}

// Running reports whether the loop's goroutine is running.
func (l *Loop) Running() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.done != nil
}

func (l *Loop) run(ctx context.Context, done chan<- struct{}) {
	defer close(done)
	t := time.NewTicker(l.interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if _, err := l.fn(ctx); err != nil && ctx.Err() == nil && l.onErr != nil {
				l.onErr(err)
			}
		}
	}
}

// Close stops the loop and waits for a running round to finish, so that no
// round runs after Close returns; the loop never starts afterwards. It is
// idempotent.
func (l *Loop) Close() {
	l.mu.Lock()
	l.closed = true
	l.started.Store(true)
	cancel, done := l.cancel, l.done
	l.cancel, l.done = nil, nil
	l.mu.Unlock()
	if cancel != nil {
		cancel()
		<-done
	}
}

// Interval is a store's Options.CleanupInterval d with its zero value
// replaced by def.
func Interval(d, def time.Duration) time.Duration {
	if d == 0 {
		return def
	}
	return d
}
