package storetest

import (
	"context"
	"errors"
	"time"

	"github.com/seed-699a33a2/session/store"
)

// sharedRoundTrip holds LoadShared and SaveIfShared to Load and SaveIf:
// the same records, versions, conflicts and misses.
func (s *suite) sharedRoundTrip(t tb) {
	st, sh, clock := with[store.Sharer](s, t)
	ctx := context.Background()
	r := record(clock, []byte("created"))
	tok, v, err := sh.SaveIfShared(ctx, r)
	if err != nil || v != 1 || tok == "" {
		t.Fatalf("SaveIfShared of a new record = %q, %d, %v; want a token, 1, nil", tok, v, err)
	}
	got, err := sh.LoadShared(ctx, tok)
	if err != nil {
		t.Fatalf("LoadShared: %v", err)
	}
	want := r
	want.ID = tok
	checkRecord(t, got, want)
	if got.Version != 1 {
		t.Fatalf("LoadShared: Version = %d, want 1", got.Version)
	}
	checkRecord(t, mustLoad(t, st, tok), want)
	if _, _, err := sh.SaveIfShared(ctx, r); !errors.Is(err, store.ErrConflict) || errors.Is(err, store.ErrBackend) {
		t.Fatalf("SaveIfShared with version 0 over a live record: %v, want ErrConflict (not ErrBackend)", err)
	}
	r.Version, r.Data = 1, []byte("second")
	if _, v, err = sh.SaveIfShared(ctx, r); err != nil || v != 2 {
		t.Fatalf("SaveIfShared with the current version = %d, %v; want 2, nil", v, err)
	}
	if got := mustLoad(t, st, tok); string(got.Data) != "second" || got.Version != 2 {
		t.Fatalf("Load after SaveIfShared = %q v%d, want \"second\" v2", got.Data, got.Version)
	}
	for name, bad := range map[string]string{"unknown": store.NewID(), "malformed": "not a token!"} {
		if _, err := sh.LoadShared(ctx, bad); !errors.Is(err, store.ErrNotFound) || errors.Is(err, store.ErrBackend) {
			t.Fatalf("LoadShared of an %s token: %v, want ErrNotFound (not ErrBackend)", name, err)
		}
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := sh.LoadShared(cancelled, tok); !errors.Is(err, context.Canceled) || !errors.Is(err, store.ErrBackend) {
		t.Fatalf("LoadShared with a cancelled context: %v, want context.Canceled and ErrBackend", err)
	}
	if _, _, err := sh.SaveIfShared(cancelled, r); !errors.Is(err, context.Canceled) || !errors.Is(err, store.ErrBackend) {
		t.Fatalf("SaveIfShared with a cancelled context: %v, want context.Canceled and ErrBackend", err)
	}
	r.Version, r.Expires = 2, clock.Now().Add(-time.Second)
	if _, _, err := sh.SaveIfShared(ctx, r); err != nil {
		t.Fatalf("SaveIfShared with a past expiry: %v", err)
	}
	if _, err := sh.LoadShared(ctx, tok); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("LoadShared of a record SaveIfShared with a past expiry: %v, want ErrNotFound", err)
	}
	if s.opts.RealClock {
		return
	}
	short := record(clock, []byte("short"))
	short.Expires = clock.Now().Add(time.Second)
	tok = mustSave(t, st, short)
	clock.Advance(2 * time.Second)
	if _, err := sh.LoadShared(ctx, tok); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("LoadShared of an expired record: %v, want ErrNotFound", err)
	}
}

// sharedBytesNeverChange holds the store to what sharing relies on: it
// never changes bytes it shares, whatever happens to the record later, and
// Load still hands out a copy of them.
func (s *suite) sharedBytesNeverChange(t tb) {
	st, sh, clock := with[store.Sharer](s, t)
	ctx := context.Background()
	saved := []byte("first version")
	r := record(clock, saved)
	tok, _, err := sh.SaveIfShared(ctx, r)
	if err != nil {
		t.Fatal(err)
	}
	loaded, err := sh.LoadShared(ctx, tok)
	if err != nil {
		t.Fatal(err)
	}
	copied := mustLoad(t, st, tok)
	copy(copied.Data, "CHANGED!")
	if again, err := sh.LoadShared(ctx, tok); err != nil || string(again.Data) != "first version" {
		t.Fatalf("LoadShared after the caller changed what Load returned = %q, %v: Load must still copy", again.Data, err)
	}
	// Every later write of the record: a rewrite, a SaveIf, a touch, a
	// delete.
	r.Data = []byte("second version")
	mustSave(t, st, r)
	r.Version, r.Data = 2, []byte("third version!")
	if _, _, err := sh.SaveIf(ctx, r); err != nil {
		t.Fatal(err)
	}
	if tc, ok := st.(store.Toucher); ok {
		if err := tc.Touch(ctx, r.ID, r.Expires.Add(time.Minute)); err != nil {
			t.Fatal(err)
		}
	}
	if err := st.Delete(ctx, r.ID); err != nil {
		t.Fatal(err)
	}
	if string(saved) != "first version" || string(loaded.Data) != "first version" {
		t.Fatalf("after later writes, the bytes given to SaveIfShared read %q and those LoadShared returned %q; want both unchanged", saved, loaded.Data)
	}
}
