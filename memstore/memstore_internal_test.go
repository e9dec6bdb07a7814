package memstore

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/seed-699a33a2/session/store"
	"github.com/seed-699a33a2/session/store/storetest"
)

// With one shard no larger than the eviction sample, eviction is exact LRU.
func TestEvictsLeastRecentlyUsed(t *testing.T) {
	clock := storetest.NewClock(time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC))
	s := newStore(Options{Now: clock.Now, MaxSessions: 4}, 1)
	defer s.Close()
	ctx := context.Background()
	ids := make([]string, 5)
	for i := range ids {
		ids[i] = store.NewID()
	}
	save := func(id string) {
		t.Helper()
		clock.Advance(time.Second)
		now := clock.Now()
		if _, err := s.Save(ctx, store.Record{ID: id, Created: now, Expires: now.Add(time.Hour)}); err != nil {
			t.Fatal(err)
		}
	}
	for _, id := range ids[:4] {
		save(id)
	}
	clock.Advance(time.Second)
	if _, err := s.Load(ctx, ids[0]); err != nil { // 0 is now the most recent
		t.Fatal(err)
	}
	save(ids[4]) // evicts 1, the least recently used
	for i, id := range ids {
		_, err := s.Load(ctx, id)
		if gone := errors.Is(err, store.ErrNotFound); gone != (i == 1) {
			t.Errorf("session %d: Load error %v; want only session 1 evicted", i, err)
		}
	}
}

// A full shard drops its expired sessions before evicting a live one.
func TestFullShardDropsExpiredFirst(t *testing.T) {
	clock := storetest.NewClock(time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC))
	s := newStore(Options{Now: clock.Now, MaxSessions: 3}, 1)
	defer s.Close()
	ctx := context.Background()
	save := func(ttl time.Duration) string {
		t.Helper()
		clock.Advance(time.Second)
		now := clock.Now()
		id := store.NewID()
		if _, err := s.Save(ctx, store.Record{ID: id, Created: now, Expires: now.Add(ttl)}); err != nil {
			t.Fatal(err)
		}
		return id
	}
	oldLive := save(time.Hour) // least recently used, but live
	short1 := save(time.Minute)
	short2 := save(time.Minute)
	clock.Advance(2 * time.Minute)
	newer := save(time.Hour)
	if n := s.Len(); n != 2 {
		t.Errorf("Len = %d, want 2 (both expired sessions dropped)", n)
	}
	for _, id := range []string{oldLive, newer} {
		if _, err := s.Load(ctx, id); err != nil {
			t.Errorf("live session evicted: %v", err)
		}
	}
	for _, id := range []string{short1, short2} {
		if _, err := s.Load(ctx, id); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("expired session: %v", err)
		}
	}
}

func TestSweeperStartsLazily(t *testing.T) {
	s := New(Options{})
	if s.sweep.Running() {
		t.Fatal("New started a goroutine")
	}
	now := time.Now()
	if _, err := s.Save(context.Background(), store.Record{ID: store.NewID(), Created: now, Expires: now.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	if !s.sweep.Running() {
		t.Fatal("the first Save did not start the sweeper")
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if s.sweep.Running() {
		t.Fatal("Close returned before the sweeper stopped")
	}
}

// MaxSessions bounds the whole store, not each shard.
func TestMaxSessionsIsGlobal(t *testing.T) {
	for _, max := range []int{1, 5, 63, 64, 65, 300} {
		s := New(Options{MaxSessions: max, CleanupInterval: -1})
		now := time.Now()
		for i := 0; i < 2*max+10; i++ {
			if _, err := s.Save(context.Background(), store.Record{ID: store.NewID(), Created: now, Expires: now.Add(time.Hour)}); err != nil {
				t.Fatal(err)
			}
			if s.Len() > max {
				t.Fatalf("MaxSessions %d: the store holds %d", max, s.Len())
			}
		}
		if s.Len() != max {
			t.Errorf("MaxSessions %d: the store holds %d after the flood, want exactly %d", max, s.Len(), max)
		}
	}
}
