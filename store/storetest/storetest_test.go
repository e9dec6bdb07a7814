package storetest_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/seed-699a33a2/session/memstore"
	"github.com/seed-699a33a2/session/store"
	"github.com/seed-699a33a2/session/store/storetest"
)

// all is every ability the memory store has.
const all = storetest.Touch | storetest.CompareAndSet | storetest.Lock | storetest.UserIndex | storetest.List | storetest.Count | storetest.Prune | storetest.Share

func newMem(now func() time.Time) (store.Store, error) {
	return memstore.New(memstore.Options{Now: now}), nil
}

// basic is a store with the contract's three methods only: whatever
// abilities the store under it has are hidden.
type basic struct{ s store.Store }

func (b basic) Load(ctx context.Context, token string) (store.Record, error) {
	return b.s.Load(ctx, token)
}
func (b basic) Save(ctx context.Context, r store.Record) (string, error) { return b.s.Save(ctx, r) }
func (b basic) Delete(ctx context.Context, id string) error              { return b.s.Delete(ctx, id) }

func TestStoreWithoutTestingTPassesAGoodStore(t *testing.T) {
	if err := storetest.TestStore(newMem, storetest.Options{Abilities: all}); err != nil {
		t.Fatalf("the memory store fails the suite:\n%v", err)
	}
}

// TestDroppedAbilityFails: a store that declares an ability it does not
// implement fails, and the message names the ability and the rule.
func TestDroppedAbilityFails(t *testing.T) {
	dropped := func(now func() time.Time) (store.Store, error) {
		s, _ := newMem(now)
		return basic{s}, nil
	}
	err := storetest.TestStore(dropped, storetest.Options{Abilities: storetest.CompareAndSet | storetest.Touch})
	if err == nil {
		t.Fatal("a store without SaveIf and Touch passed while declaring them")
	}
	for _, want := range []string{"declared but not implemented", "CompareAndSet (store.Swapper)", "Touch (store.Toucher)", "a store declares exactly the abilities it implements"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("the failure does not say %q:\n%v", want, err)
		}
	}
}

// TestUndeclaredAbilityFails: an ability implemented but not declared fails
// too, so that an ability can never go untested.
func TestUndeclaredAbilityFails(t *testing.T) {
	err := storetest.TestStore(newMem, storetest.Options{Abilities: storetest.Touch})
	if err == nil || !strings.Contains(err.Error(), "implemented by *memstore.Store but not declared") || !strings.Contains(err.Error(), "Lock (store.Locker)") {
		t.Fatalf("undeclared abilities: %v", err)
	}
	if err := storetest.TestStore(newMem, storetest.Options{Abilities: storetest.None}); err == nil {
		t.Fatal("a store with abilities passed while declaring None")
	}
}

// TestUndeclaredStoreGetsItsAbilitiesByTypeAssertion: a caller that
// declares nothing (an outside store) is tested for what it implements.
func TestUndeclaredStoreGetsItsAbilitiesByTypeAssertion(t *testing.T) {
	if err := storetest.TestStore(newMem, storetest.Options{}); err != nil {
		t.Fatal(err)
	}
	if err := storetest.TestStore(func(now func() time.Time) (store.Store, error) {
		s, _ := newMem(now)
		return basic{s}, nil
	}, storetest.Options{}); err != nil {
		t.Fatalf("a store with the three methods only: %v", err)
	}
}

// forgetful loses the data of every record it saves.
type forgetful struct{ basic }

func (f forgetful) Save(ctx context.Context, r store.Record) (string, error) {
	r.Data = nil
	return f.basic.Save(ctx, r)
}

// TestFailuresQuoteTheirRule: a failure names its case and quotes the rule
// the store broke.
func TestFailuresQuoteTheirRule(t *testing.T) {
	err := storetest.TestStore(func(now func() time.Time) (store.Store, error) {
		s, _ := newMem(now)
		return forgetful{basic{s}}, nil
	}, storetest.Options{Abilities: storetest.None})
	if err == nil {
		t.Fatal("a store that loses data passed")
	}
	want := `RoundTrip: rule "Load returns what Save stored: the data, the creation time and the expiry; a server-side store's token is the ID": Data = ""`
	if !strings.Contains(err.Error(), want) {
		t.Fatalf("the failure does not quote the rule:\n%v", err)
	}
}

// scribbler shares its records' bytes and then writes over the last ones
// it shared when a record is deleted, as a store that reuses its buffers
// would.
type scribbler struct {
	*memstore.Store
	mu   sync.Mutex
	last []byte
}

func (s *scribbler) LoadShared(ctx context.Context, token string) (store.Record, error) {
	r, err := s.Store.LoadShared(ctx, token)
	s.mu.Lock()
	s.last = r.Data
	s.mu.Unlock()
	return r, err
}

func (s *scribbler) Delete(ctx context.Context, id string) error {
	s.mu.Lock()
	for i := range s.last {
		s.last[i] = '#'
	}
	s.mu.Unlock()
	return s.Store.Delete(ctx, id)
}

// TestSharerThatChangesSharedBytesFails: a store that changes bytes it
// shared fails the suite, on the rule that sharing relies on.
func TestSharerThatChangesSharedBytesFails(t *testing.T) {
	err := storetest.TestStore(func(now func() time.Time) (store.Store, error) {
		return &scribbler{Store: memstore.New(memstore.Options{Now: now})}, nil
	}, storetest.Options{Abilities: all})
	want := `SharedBytesNeverChange: rule "the store never changes bytes it shares, and Load still copies them"`
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("a store that writes over shared bytes: %v; want a failure quoting %q", err, want)
	}
}
