package redisstore_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/seed-699a33a2/session/store"
)

// TestLockKey checks the lock's key: the session's key plus ":lock", with
// a TTL of the lease, holding nothing of the ID.
func TestLockKey(t *testing.T) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			c := b.client(t)
			s, prefix := newStore(t, c)
			ctx := context.Background()
			id := store.NewID()
			// A lease long enough that a slow machine's delay between Lock
			// and PTTL does not matter.
			unlock, err := s.Lock(ctx, id, time.Minute)
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
			if ttl <= 30*time.Second || ttl > time.Minute {
				t.Errorf("PTTL = %v, want about the lease of 1 minute", ttl)
			}
		})
	}
}
