package redisstore_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/seed-699a33a2/session/store"
)

func TestLockOneHolderAtATime(t *testing.T) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			s, _ := newStore(t, b.client(t))
			id := store.NewID()
			const workers, rounds = 5, 10
			var holders, counter atomic.Int64
			var wg sync.WaitGroup
			for w := 0; w < workers; w++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for i := 0; i < rounds; i++ {
						ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
						unlock, err := s.Lock(ctx, id, time.Minute)
						cancel()
						if err != nil {
							t.Errorf("Lock: %v", err)
							return
						}
						if n := holders.Add(1); n != 1 {
							t.Errorf("%d holders at once", n)
						}
						// A read-modify-write that loses updates unless
						// the lock keeps the holders apart.
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
		})
	}
}

func TestLockTimeout(t *testing.T) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			s, _ := newStore(t, b.client(t))
			id := store.NewID()
			unlock, err := s.Lock(context.Background(), id, time.Minute)
			if err != nil {
				t.Fatalf("Lock: %v", err)
			}
			defer unlock(context.Background())
			ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
			defer cancel()
			start := time.Now()
			_, err = s.Lock(ctx, id, time.Minute)
			if !errors.Is(err, store.ErrLockTimeout) || !errors.Is(err, context.DeadlineExceeded) {
				t.Fatalf("second Lock = %v, want ErrLockTimeout and DeadlineExceeded", err)
			}
			if waited := time.Since(start); waited < 40*time.Millisecond {
				t.Errorf("gave up after %v, want about 50ms", waited)
			}
			// Another session is not blocked.
			other, err := s.Lock(context.Background(), store.NewID(), time.Minute)
			if err != nil {
				t.Fatalf("Lock of another session: %v", err)
			}
			if err := other(context.Background()); err != nil {
				t.Fatalf("unlock: %v", err)
			}
			// A context that is done already is a backend error.
			done, cancelDone := context.WithCancel(context.Background())
			cancelDone()
			if _, err := s.Lock(done, store.NewID(), time.Minute); !errors.Is(err, store.ErrBackend) || !errors.Is(err, context.Canceled) {
				t.Fatalf("Lock with a cancelled context = %v, want ErrBackend and Canceled", err)
			}
		})
	}
}

func TestLockLeaseFreesAbandonedLock(t *testing.T) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			s, _ := newStore(t, b.client(t))
			id := store.NewID()
			const lease = 100 * time.Millisecond
			start := time.Now()
			if _, err := s.Lock(context.Background(), id, lease); err != nil {
				t.Fatalf("Lock: %v", err)
			} // and never unlocked: a crashed holder
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			unlock, err := s.Lock(ctx, id, time.Minute)
			if err != nil {
				t.Fatalf("Lock after the lease: %v", err)
			}
			defer unlock(context.Background())
			if waited := time.Since(start); waited < lease-10*time.Millisecond {
				t.Errorf("took an unexpired lock after %v (lease %v)", waited, lease)
			}
		})
	}
}

func TestUnlockTwiceAndStaleUnlock(t *testing.T) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			c := b.client(t)
			s, prefix := newStore(t, c)
			ctx := context.Background()
			id := store.NewID()

			unlock, err := s.Lock(ctx, id, time.Minute)
			if err != nil {
				t.Fatalf("Lock: %v", err)
			}
			for i := 0; i < 2; i++ {
				if err := unlock(ctx); err != nil {
					t.Fatalf("unlock #%d: %v", i+1, err)
				}
			}
			keys, err := scanKeys(ctx, c, prefix)
			if err != nil {
				t.Fatal(err)
			}
			if len(keys) != 0 {
				t.Fatalf("keys left after unlock: %v", keys)
			}

			// A holder whose lease ran out while another took the lock
			// must not release the other's lock.
			stale, err := s.Lock(ctx, id, 50*time.Millisecond)
			if err != nil {
				t.Fatalf("Lock: %v", err)
			}
			wait, cancel := context.WithTimeout(ctx, 10*time.Second)
			defer cancel()
			current, err := s.Lock(wait, id, time.Minute)
			if err != nil {
				t.Fatalf("Lock after the lease: %v", err)
			}
			if err := stale(ctx); err != nil {
				t.Fatalf("stale unlock: %v", err)
			}
			short, cancelShort := context.WithTimeout(ctx, 50*time.Millisecond)
			defer cancelShort()
			if _, err := s.Lock(short, id, time.Minute); !errors.Is(err, store.ErrLockTimeout) {
				t.Fatalf("Lock after a stale unlock = %v, want ErrLockTimeout: the stale holder released the lock", err)
			}
			if err := current(ctx); err != nil {
				t.Fatalf("unlock: %v", err)
			}
			again, err := s.Lock(wait, id, time.Minute)
			if err != nil {
				t.Fatalf("Lock after unlock: %v", err)
			}
			if err := again(ctx); err != nil {
				t.Fatalf("unlock: %v", err)
			}
		})
	}
}

// TestLockKey checks the lock's key: the session's key plus ":lock", with
// a TTL of the lease, holding nothing of the ID.
func TestLockKey(t *testing.T) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			c := b.client(t)
			s, prefix := newStore(t, c)
			ctx := context.Background()
			id := store.NewID()
			unlock, err := s.Lock(ctx, id, 1500*time.Millisecond)
			if err != nil {
				t.Fatalf("Lock: %v", err)
			}
			defer unlock(ctx)
			keys, err := scanKeys(ctx, c, prefix)
			if err != nil {
				t.Fatal(err)
			}
			want := prefix + store.HashID(id) + ":lock"
			m, ok := keys[want]
			if len(keys) != 1 || !ok {
				t.Fatalf("keys = %v, want only %s", keys, want)
			}
			val, err := m.Get(ctx, want).Result()
			if err != nil {
				t.Fatal(err)
			}
			if strings.Contains(val, id) || val == "" {
				t.Errorf("lock value %q", val)
			}
			ttl, err := m.PTTL(ctx, want).Result()
			if err != nil {
				t.Fatal(err)
			}
			if ttl <= time.Second || ttl > 1500*time.Millisecond {
				t.Errorf("PTTL = %v, want about the lease of 1.5s", ttl)
			}
		})
	}
}
