package locks_test

import (
	"context"
	"crypto/sha256"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/seed-699a33a2/session/internal/locks"
	"github.com/seed-699a33a2/session/store"
)

func TestOneHolderAtATime(t *testing.T) {
	var tab locks.Table
	key := sha256.Sum256([]byte("s"))
	var mu sync.Mutex
	inside, maxInside := 0, 0
	var wg sync.WaitGroup
	for i := 0; i < 20; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			unlock, err := tab.Lock(context.Background(), key, time.Minute)
			if err != nil {
				t.Error(err)
				return
			}
			mu.Lock()
			inside++
			maxInside = max(maxInside, inside)
			mu.Unlock()
			time.Sleep(time.Millisecond)
			mu.Lock()
			inside--
			mu.Unlock()
			unlock(context.Background())
		}()
	}
	wg.Wait()
	if maxInside != 1 {
		t.Fatalf("%d holders at once", maxInside)
	}
	if tab.Len() != 0 {
		t.Fatalf("%d locks left", tab.Len())
	}
}

func TestWaitTimesOut(t *testing.T) {
	var tab locks.Table
	key := sha256.Sum256([]byte("s"))
	unlock, _ := tab.Lock(context.Background(), key, time.Minute)
	defer unlock(context.Background())
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if _, err := tab.Lock(ctx, key, time.Minute); !errors.Is(err, store.ErrLockTimeout) || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v", err)
	}
}

func TestLeaseFreesAbandonedLock(t *testing.T) {
	var tab locks.Table
	key := sha256.Sum256([]byte("s"))
	if _, err := tab.Lock(context.Background(), key, 10*time.Millisecond); err != nil { // never unlocked
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	unlock, err := tab.Lock(ctx, key, time.Minute)
	if err != nil {
		t.Fatalf("abandoned lock not freed by its lease: %v", err)
	}
	unlock(ctx)
	unlock(ctx) // twice is fine
}
