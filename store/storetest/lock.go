package storetest

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"time"

	"github.com/seed-699a33a2/session/store"
)

// locker returns a store with the Locker ability and the ID of a stored
// session to lock (stores may lock only sessions that exist).
func (s *suite) locker(t tb) (store.Locker, string) {
	t.Helper()
	st, l, clock := with[store.Locker](s, t)
	r := record(clock, []byte("locked"))
	mustSave(t, st, r)
	return l, r.ID
}

// lockOneHolder runs read-modify-writes under the lock from several
// goroutines: without mutual exclusion increments are lost.
func (s *suite) lockOneHolder(t tb) {
	l, id := s.locker(t)
	const workers, rounds = 5, 10
	var holders, counter atomic.Int64
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < rounds; i++ {
				ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
				unlock, err := l.Lock(ctx, id, time.Minute)
				cancel()
				if err != nil {
					t.Errorf("Lock: %v", err)
					return
				}
				if n := holders.Add(1); n != 1 {
					t.Errorf("%d holders at once", n)
				}
				n := counter.Load()
				time.Sleep(time.Millisecond)
				counter.Store(n + 1)
				holders.Add(-1)
				if err := unlock(context.Background()); err != nil {
					t.Errorf("unlock: %v", err)
				}
			}
		}()
	}
	wg.Wait()
	if got := counter.Load(); got != workers*rounds {
		t.Fatalf("counter = %d after %d increments under the lock", got, workers*rounds)
	}
}

func (s *suite) lockTimeout(t tb) {
	l, id := s.locker(t)
	unlock, err := l.Lock(context.Background(), id, time.Minute)
	if err != nil {
		t.Fatalf("Lock: %v", err)
	}
	defer unlock(context.Background())
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if _, err := l.Lock(ctx, id, time.Minute); !errors.Is(err, store.ErrLockTimeout) || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("second Lock = %v, want ErrLockTimeout and DeadlineExceeded", err)
	}
	done, cancelDone := context.WithCancel(context.Background())
	cancelDone()
	if _, err := l.Lock(done, id, time.Minute); err == nil {
		t.Fatal("Lock with a cancelled context succeeded")
	}
}

// lockLease: a holder that never unlocks (it crashed) blocks the session
// for its lease only.
func (s *suite) lockLease(t tb) {
	l, id := s.locker(t)
	const lease = 100 * time.Millisecond
	start := time.Now()
	if _, err := l.Lock(context.Background(), id, lease); err != nil {
		t.Fatalf("Lock: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	unlock, err := l.Lock(ctx, id, time.Minute)
	if err != nil {
		t.Fatalf("Lock after the lease: %v", err)
	}
	defer unlock(context.Background())
	if waited := time.Since(start); waited < lease-10*time.Millisecond {
		t.Errorf("took an unexpired lock after %v (lease %v)", waited, lease)
	}
}

// lockStaleUnlock: unlocking twice is fine, and a holder whose lease ran out
// while another took the lock never releases the other's lock.
func (s *suite) lockStaleUnlock(t tb) {
	l, id := s.locker(t)
	ctx := context.Background()
	unlock, err := l.Lock(ctx, id, time.Minute)
	if err != nil {
		t.Fatalf("Lock: %v", err)
	}
	for i := 0; i < 2; i++ {
		if err := unlock(ctx); err != nil {
			t.Fatalf("unlock #%d: %v", i+1, err)
		}
	}
	stale, err := l.Lock(ctx, id, 50*time.Millisecond)
	if err != nil {
		t.Fatalf("Lock: %v", err)
	}
	wait, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	current, err := l.Lock(wait, id, time.Minute)
	if err != nil {
		t.Fatalf("Lock after the lease: %v", err)
	}
	if err := stale(ctx); err != nil {
		t.Fatalf("stale unlock: %v", err)
	}
	short, cancelShort := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancelShort()
	if _, err := l.Lock(short, id, time.Minute); !errors.Is(err, store.ErrLockTimeout) {
		t.Fatalf("Lock after a stale unlock = %v, want ErrLockTimeout: the stale holder released the lock", err)
	}
	if err := current(ctx); err != nil {
		t.Fatalf("unlock: %v", err)
	}
	again, err := l.Lock(wait, id, time.Minute)
	if err != nil {
		t.Fatalf("Lock after unlock: %v", err)
	}
	if err := again(ctx); err != nil {
		t.Fatalf("unlock: %v", err)
	}
}
