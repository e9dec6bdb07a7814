package memstore_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"runtime"
	"runtime/metrics"
	"testing"
	"time"

	"github.com/seed-699a33a2/session/internal/testenv"

	"github.com/seed-699a33a2/session/memstore"
	"github.com/seed-699a33a2/session/store"
	"github.com/seed-699a33a2/session/store/storetest"
)

// TestBudgetHoldsAt1MiBAndSignedInSurvivesAFlood: the store's own
// accounting never goes over MaxBytes while anonymous sessions ten times
// the budget pour in, and the signed-in session saved before the flood is
// still there after it.
func TestBudgetHoldsAt1MiBAndSignedInSurvivesAFlood(t *testing.T) {
	const budget = 1 << 20
	clock := storetest.NewClock(time.Now())
	s := newStore(t, memstore.Options{Now: clock.Now, MaxBytes: budget})
	ctx := context.Background()
	alice := rec(clock.Now(), "alice's session", time.Hour)
	alice.UserID = "alice"
	if _, err := s.Save(ctx, alice); err != nil {
		t.Fatal(err)
	}
	var poured int64
	for poured < 10*budget {
		clock.Advance(time.Millisecond) // the flood is newer than alice's last use
		r := rec(clock.Now(), string(make([]byte, rand.IntN(600))), time.Hour)
		if _, err := s.Save(ctx, r); err != nil {
			t.Fatalf("anonymous Save after %d bytes: %v", poured, err)
		}
		poured += int64(len(r.Data))
		if b := s.Bytes(); b > budget {
			t.Fatalf("the store accounts for %d bytes, over its budget of %d", b, budget)
		}
	}
	if _, err := s.Load(ctx, alice.ID); err != nil {
		t.Fatalf("the signed-in session is gone after the flood: %v", err)
	}
	if n := s.Len(); n < 1000 {
		t.Errorf("only %d sessions held in a 1 MiB budget", n)
	}
}

// TestSessionOverTheBudgetIsErrTooLarge: a single record larger than the
// whole budget is refused, and nothing is evicted for it.
func TestSessionOverTheBudgetIsErrTooLarge(t *testing.T) {
	clock := storetest.NewClock(time.Now())
	s := newStore(t, memstore.Options{Now: clock.Now, MaxBytes: 64 << 10})
	ctx := context.Background()
	small := rec(clock.Now(), "small", time.Hour)
	if _, err := s.Save(ctx, small); err != nil {
		t.Fatal(err)
	}
	big := rec(clock.Now(), string(make([]byte, 64<<10)), time.Hour)
	if _, err := s.Save(ctx, big); !errors.Is(err, store.ErrTooLarge) || errors.Is(err, store.ErrBackend) {
		t.Fatalf("Save of a record over the budget: %v, want ErrTooLarge", err)
	}
	if _, err := s.Load(ctx, small.ID); err != nil || s.Len() != 1 {
		t.Fatalf("the refused record evicted another: %v, %d held", err, s.Len())
	}
}

// TestFullOfSignedInSessionsRefusesAnAnonymousOne: anonymous traffic never
// signs anybody out: when only signed-in sessions could make room, an
// anonymous Save fails (reported, not dropped) and every user stays; a
// signed-in Save may evict the least recently used signed-in session.
func TestFullOfSignedInSessionsRefusesAnAnonymousOne(t *testing.T) {
	clock := storetest.NewClock(time.Now())
	s := newStore(t, memstore.Options{Now: clock.Now, MaxSessions: 10})
	ctx := context.Background()
	var users []store.Record
	for i := range 10 {
		clock.Advance(time.Second)
		r := rec(clock.Now(), "x", time.Hour)
		r.UserID = fmt.Sprint("user-", i)
		if _, err := s.Save(ctx, r); err != nil {
			t.Fatal(err)
		}
		users = append(users, r)
	}
	anon := rec(clock.Now(), "anonymous", time.Hour)
	if _, err := s.Save(ctx, anon); !errors.Is(err, store.ErrBackend) {
		t.Fatalf("anonymous Save into a store full of users: %v, want an error wrapping ErrBackend", err)
	}
	for _, u := range users {
		if _, err := s.Load(ctx, u.ID); err != nil {
			t.Fatalf("%s signed out by an anonymous visitor: %v", u.UserID, err)
		}
	}
	if _, err := s.Load(ctx, anon.ID); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("the refused anonymous session is stored: %v", err)
	}
	clock.Advance(time.Second)
	late := rec(clock.Now(), "y", time.Hour)
	late.UserID = "user-late"
	if _, err := s.Save(ctx, late); err != nil {
		t.Fatalf("a signed-in Save into a store full of users: %v", err)
	}
	if s.Len() != 10 {
		t.Fatalf("the store holds %d, MaxSessions is 10", s.Len())
	}
}

// TestHeapGrowthStaysWithinTheBudget: at a 32 MiB budget, a flood of
// anonymous sessions ten times the budget grows the live heap by at most
// budget × 1.25 + 1 MiB: the accounting matches what the sessions cost.
// Not parallel: it measures the whole process's heap.
func TestHeapGrowthStaysWithinTheBudget(t *testing.T) {
	if testing.Short() || testenv.Race {
		t.Skip("floods 320 MiB of sessions and measures the heap: scripts/test.sh runs it without -race")
	}
	const budget = 32 << 20
	data := make([]byte, 120) // a small session: a CSRF token, a flash, a few keys
	before := liveHeap()
	s := memstore.New(memstore.Options{MaxBytes: budget, CleanupInterval: -1})
	ctx := context.Background()
	now := time.Now()
	for poured := 0; poured < 10*budget; poured += len(data) + 64 {
		r := store.Record{ID: store.NewID(), Data: data, Created: now, Expires: now.Add(time.Hour)}
		if _, err := s.Save(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	grown := liveHeap() - before
	t.Logf("%d sessions held; the store accounts for %d bytes; the live heap grew by %d bytes (%.0f per session)",
		s.Len(), s.Bytes(), grown, float64(grown)/float64(s.Len()))
	if limit := int64(budget*5/4 + 1<<20); grown > limit {
		t.Errorf("the live heap grew by %d bytes, over budget × 1.25 + 1 MiB = %d", grown, limit)
	}
	runtime.KeepAlive(s)
}

// liveHeap returns /gc/heap/live:bytes after a collection.
func liveHeap() int64 {
	runtime.GC()
	sample := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	metrics.Read(sample)
	return int64(sample[0].Value.Uint64())
}

// TestUserIndexForgetsEndedSessions: 20,000 distinct users sign in; once
// their sessions have expired and been swept, the index holds nobody and
// the store accounts for no byte. Deleting, re-tying and ending by handle
// clean the index the same way.
func TestUserIndexForgetsEndedSessions(t *testing.T) {
	clock := storetest.NewClock(time.Now())
	s := newStore(t, memstore.Options{Now: clock.Now, CleanupInterval: -1})
	ctx := context.Background()
	for i := range 20_000 {
		r := rec(clock.Now(), "x", time.Minute)
		r.UserID = fmt.Sprint("user-", i)
		if _, err := s.Save(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	if s.Users() != 20_000 {
		t.Fatalf("%d users indexed, want 20000", s.Users())
	}
	clock.Advance(2 * time.Minute)
	if _, err := s.DeleteExpired(ctx); err != nil {
		t.Fatal(err)
	}
	if s.Users() != 0 || s.Bytes() != 0 || s.Len() != 0 {
		t.Fatalf("after every session expired and was swept: %d users indexed, %d bytes, %d sessions", s.Users(), s.Bytes(), s.Len())
	}

	a, b, c := rec(clock.Now(), "a", time.Hour), rec(clock.Now(), "b", time.Hour), rec(clock.Now(), "c", time.Hour)
	a.UserID, b.UserID, c.UserID = "ann", "ann", "bo"
	for _, r := range []store.Record{a, b, c} {
		if _, err := s.Save(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Delete(ctx, a.ID); err != nil {
		t.Fatal(err)
	}
	b.UserID = "" // signed out: the session stays, tied to nobody
	if _, err := s.Save(ctx, b); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteUserSession(ctx, "bo", store.HashID(c.ID)); err != nil {
		t.Fatal(err)
	}
	if s.Users() != 0 {
		t.Fatalf("%d users still indexed after delete, re-tie and end by handle", s.Users())
	}
}
