package storetest

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"time"

	"github.com/seed-699a33a2/session/store"
)

func (s *suite) versions(t tb) {
	st, _, clock := with[store.Swapper](s, t)
	r := record(clock, []byte("v1"))
	tok := mustSave(t, st, r)
	if got := mustLoad(t, st, tok).Version; got != 1 {
		t.Fatalf("Version after the first Save = %d, want 1", got)
	}
	r.Data = []byte("v2")
	tok = mustSave(t, st, r)
	if got := mustLoad(t, st, tok).Version; got != 2 {
		t.Fatalf("Version after the second Save = %d, want 2", got)
	}
	if tc, ok := st.(store.Toucher); ok {
		if err := tc.Touch(context.Background(), r.ID, r.Expires.Add(time.Minute)); err != nil {
			t.Fatal(err)
		}
		if got := mustLoad(t, st, tok).Version; got != 2 {
			t.Fatalf("Version after Touch = %d, want 2 (a touch is not a save)", got)
		}
	}
}

func (s *suite) saveIf(t tb) {
	st, sw, clock := with[store.Swapper](s, t)
	ctx := context.Background()
	r := record(clock, []byte("created"))
	tok, v, err := sw.SaveIf(ctx, r)
	if err != nil || v != 1 || tok == "" {
		t.Fatalf("SaveIf of a new record = %q, %d, %v; want a token, 1, nil", tok, v, err)
	}
	if _, _, err := sw.SaveIf(ctx, r); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("SaveIf with version 0 over a live record: %v, want ErrConflict", err)
	}
	r.Version, r.Data = 1, []byte("second")
	if _, v, err = sw.SaveIf(ctx, r); err != nil || v != 2 {
		t.Fatalf("SaveIf with the current version = %d, %v", v, err)
	}
	r.Data = []byte("stale")
	if _, _, err := sw.SaveIf(ctx, r); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("SaveIf with a stale version: %v, want ErrConflict", err)
	}
	got := mustLoad(t, st, tok)
	if string(got.Data) != "second" || got.Version != 2 {
		t.Fatalf("after a refused SaveIf the store holds %q v%d", got.Data, got.Version)
	}
	if errors.Is(err, store.ErrBackend) {
		t.Fatalf("a conflict is not a backend failure: %v", err)
	}
}

func (s *suite) saveIfDeleted(t tb) {
	st, sw, clock := with[store.Swapper](s, t)
	ctx := context.Background()
	r := record(clock, []byte("x"))
	tok := mustSave(t, st, r)
	if err := st.Delete(ctx, r.ID); err != nil {
		t.Fatal(err)
	}
	r.Version = 1
	if _, _, err := sw.SaveIf(ctx, r); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("SaveIf of a deleted record: %v, want ErrConflict (it must not come back)", err)
	}
	wantNotFound(t, st, tok, "deleted record after a refused SaveIf")
}

func (s *suite) saveIfExpired(t tb) {
	st, sw, clock := with[store.Swapper](s, t)
	ctx := context.Background()
	r := record(clock, []byte("x"))
	mustSave(t, st, r)
	// A past expiry under the right version deletes.
	r.Version, r.Expires = 1, clock.Now().Add(-time.Second)
	if _, _, err := sw.SaveIf(ctx, r); err != nil {
		t.Fatalf("SaveIf with a past expiry: %v", err)
	}
	wantNotFound(t, st, r.ID, "record SaveIf'd with a past expiry")
	if s.opts.RealClock {
		return
	}
	// An expired record counts as none.
	r2 := record(clock, []byte("short"))
	r2.Expires = clock.Now().Add(time.Second)
	mustSave(t, st, r2)
	clock.Advance(2 * time.Second)
	r2.Version, r2.Expires = 0, clock.Now().Add(time.Hour)
	if _, v, err := sw.SaveIf(ctx, r2); err != nil || v != 1 {
		t.Fatalf("SaveIf with version 0 over an expired record = %d, %v; want 1, nil", v, err)
	}
}

// saveIfRace has many writers race with the same expected version: exactly
// one wins each round.
func (s *suite) saveIfRace(t tb) {
	st, sw, clock := with[store.Swapper](s, t)
	r := record(clock, []byte("start"))
	tok := mustSave(t, st, r)
	const writers, rounds = 8, 5
	for round := 0; round < rounds; round++ {
		cur := mustLoad(t, st, tok)
		var wins, conflicts atomic.Int64
		var wg sync.WaitGroup
		for w := 0; w < writers; w++ {
			wg.Add(1)
			go func(w int) {
				defer wg.Done()
				next := cur
				next.Data = []byte{byte(w)}
				_, _, err := sw.SaveIf(context.Background(), next)
				switch {
				case err == nil:
					wins.Add(1)
				case errors.Is(err, store.ErrConflict):
					conflicts.Add(1)
				default:
					t.Errorf("SaveIf: %v", err)
				}
			}(w)
		}
		wg.Wait()
		if wins.Load() != 1 || conflicts.Load() != writers-1 {
			t.Fatalf("round %d: %d wins, %d conflicts; want 1 and %d", round, wins.Load(), conflicts.Load(), writers-1)
		}
		if got := mustLoad(t, st, tok); got.Version != cur.Version+1 {
			t.Fatalf("round %d: version %d, want %d", round, got.Version, cur.Version+1)
		}
	}
}

// saveIfStamp saves loaded records back as the manager does, Stamp and
// all, and checks that the Stamp changes no outcome: a Touch since the
// Load (which moves the stored expiry) is no conflict, a Stamp of other
// bytes or none stores as well, and a stale version conflicts whatever
// its Stamp.
func (s *suite) saveIfStamp(t tb) {
	st, sw, clock := with[store.Swapper](s, t)
	ctx := context.Background()
	r := record(clock, []byte("first"))
	tok := mustSave(t, st, r)
	loaded := mustLoad(t, st, tok)
	if tc, ok := st.(store.Toucher); ok {
		if err := tc.Touch(ctx, r.ID, loaded.Expires.Add(time.Minute)); err != nil {
			t.Fatal(err)
		}
	}
	next := loaded
	next.Data = []byte("second")
	if _, v, err := sw.SaveIf(ctx, next); err != nil || v != loaded.Version+1 {
		t.Fatalf("SaveIf of the loaded record after a Touch = %d, %v; want %d, nil", v, err, loaded.Version+1)
	}
	if _, _, err := sw.SaveIf(ctx, next); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("SaveIf of the same loaded record again: %v, want ErrConflict", err)
	}
	cur := mustLoad(t, st, tok)
	stale := cur
	stale.Version, stale.Data = cur.Version-1, []byte("stale")
	if _, _, err := sw.SaveIf(ctx, stale); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("SaveIf with the current Stamp and a stale version: %v, want ErrConflict", err)
	}
	for i, stamp := range []string{loaded.Stamp, "", "\x05not a stored value"} {
		cur = mustLoad(t, st, tok)
		other := cur
		other.Stamp, other.Data = stamp, []byte{byte('a' + i)}
		if _, v, err := sw.SaveIf(ctx, other); err != nil || v != cur.Version+1 {
			t.Fatalf("SaveIf with the current version and Stamp %q = %d, %v; want %d, nil", stamp, v, err, cur.Version+1)
		}
		if got := mustLoad(t, st, tok); string(got.Data) != string(other.Data) {
			t.Fatalf("after SaveIf with Stamp %q the store holds %q, want %q", stamp, got.Data, other.Data)
		}
	}
}
