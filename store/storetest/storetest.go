// Package storetest is the conformance suite for session stores, in the
// manner of testing/slogtest: a driver's tests call [Run] with a
// constructor (or, without a *testing.T, [TestStore]), and a driver is done
// when it passes.
//
// Every case checks one rule of the [store.Store] contract, and quotes it
// in its failure messages: round trips keep data, creation time and
// expiry; saves overwrite; missing, expired, malformed and tampered tokens
// are [store.ErrNotFound]; deletes are idempotent; data is never aliased
// between caller and store; cancelled contexts fail; and many goroutines
// may use one store at once (run it under -race).
//
// # Abilities
//
// The optional abilities ([store.Toucher], [store.Swapper], [store.Locker],
// [store.UserIndex], [store.Lister], [store.Counter], [store.Pruner]) are
// declared in
// [Options.Abilities]. The suite checks the declaration against the store
// (a declared ability the store does not implement fails, and so does an
// implemented one that is not declared, so that an ability can never
// vanish behind a skipped test) and then runs the cases of every ability
// declared. A caller that declares nothing gets the abilities found by
// type assertion, named in the test log.
package storetest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/seed-699a33a2/session/store"
)

// Clock is a settable clock the suite hands to store constructors.
// It is safe for concurrent use.
type Clock struct {
	mu  sync.Mutex
	now time.Time
}

// NewClock returns a Clock set to t.
func NewClock(t time.Time) *Clock { return &Clock{now: t} }

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Advance moves the clock forward by d.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// Ability is a set of the optional abilities of a store.
type Ability uint32

// The abilities, one per optional interface of package store.
const (
	Touch         Ability = 1 << iota // store.Toucher
	CompareAndSet                     // store.Swapper
	Lock                              // store.Locker
	UserIndex                         // store.UserIndex
	List                              // store.Lister
	Count                             // store.Counter
	Prune                             // store.Pruner
	Share                             // store.Sharer

	// None declares that the store has no optional ability (the cookie
	// store): zero Abilities means "not declared".
	None Ability = 1 << 31
)

// abilities are the abilities with their names and their test, in order.
var abilities = []struct {
	a    Ability
	name string
	has  func(store.Store) bool
}{
	{Touch, "Touch (store.Toucher)", func(s store.Store) bool { _, ok := s.(store.Toucher); return ok }},
	{CompareAndSet, "CompareAndSet (store.Swapper)", func(s store.Store) bool { _, ok := s.(store.Swapper); return ok }},
	{Lock, "Lock (store.Locker)", func(s store.Store) bool { _, ok := s.(store.Locker); return ok }},
	{UserIndex, "UserIndex (store.UserIndex)", func(s store.Store) bool { _, ok := s.(store.UserIndex); return ok }},
	{List, "List (store.Lister)", func(s store.Store) bool { _, ok := s.(store.Lister); return ok }},
	{Count, "Count (store.Counter)", func(s store.Store) bool { _, ok := s.(store.Counter); return ok }},
	{Prune, "Prune (store.Pruner)", func(s store.Store) bool { _, ok := s.(store.Pruner); return ok }},
	{Share, "Share (store.Sharer)", func(s store.Store) bool { _, ok := s.(store.Sharer); return ok }},
}

// String names the abilities in a, such as "Touch (store.Toucher), Count
// (store.Counter)", or "none".
func (a Ability) String() string {
	var names []string
	for _, ab := range abilities {
		if a&ab.a != 0 {
			names = append(names, ab.name)
		}
	}
	if len(names) == 0 {
		return "none"
	}
	return strings.Join(names, ", ")
}

// found returns the abilities st implements.
func found(st store.Store) Ability {
	var a Ability
	for _, ab := range abilities {
		if ab.has(st) {
			a |= ab.a
		}
	}
	return a
}

// Options describe the store under test: what it is and what it can do.
type Options struct {
	// ClientSide is true for stores that keep nothing on the server (the
	// cookie store): the token is the sealed record, and Delete cannot
	// revoke a token already handed out.
	ClientSide bool

	// RealClock is true for stores whose expiry is enforced by a server
	// with its own clock (Redis): the constructor's clock is ignored, and
	// the cases that move a clock forward are skipped.
	RealClock bool

	// Abilities are the optional abilities the store declares, or None.
	// Zero means undeclared: the suite takes what it finds by type
	// assertion and logs it.
	Abilities Ability
}

// NewFunc builds a fresh, empty store for one test. Stores that accept a
// clock must read the time from now.
type NewFunc func(t *testing.T, now func() time.Time) store.Store

// Run runs the conformance suite against the stores that newStore builds.
func Run(t *testing.T, newStore NewFunc, opts Options) {
	t.Helper()
	s := &suite{opts: opts, open: func(t tb, now func() time.Time) store.Store {
		return newStore(t.(*testingT).T, now)
	}}
	s.run(&testingT{T: t})
}

// TestStore runs the conformance suite without a *testing.T, as
// testing/slogtest.TestHandler does: for stores written outside this
// repository, in their own test harness. newStore builds a fresh, empty
// store reading the time from now; the suite closes stores that implement
// io.Closer. TestStore returns every failure, each naming its case and
// quoting its rule, joined into one error, or nil.
func TestStore(newStore func(now func() time.Time) (store.Store, error), opts Options) error {
	c := &collector{mu: new(sync.Mutex), errs: new([]error)}
	s := &suite{opts: opts, open: func(t tb, now func() time.Time) store.Store {
		st, err := newStore(now)
		if err != nil {
			t.Fatalf("storetest: the constructor failed: %v", err)
		}
		if cl, ok := st.(io.Closer); ok {
			t.Cleanup(func() { cl.Close() })
		}
		return st
	}}
	c.run("", "", s.run)
	return c.joined()
}

// testCase is one case of the suite: the rule it checks, and the ability
// it needs (0: none).
type testCase struct {
	name string
	rule string
	need Ability
	fn   func(*suite, tb)
}

var cases = []testCase{
	{"RoundTrip", "Load returns what Save stored: the data, the creation time and the expiry; a server-side store's token is the ID", 0, (*suite).roundTrip},
	{"EmptyData", "a record without data round-trips", 0, (*suite).emptyData},
	{"BinaryData", "data is opaque bytes: every byte value round-trips", 0, (*suite).binaryData},
	{"LargeData", "64 KiB of data round-trip", 0, (*suite).largeData},
	{"Overwrite", "a second Save of an ID replaces its record", 0, (*suite).overwrite},
	{"NotFound", "an unknown ID is ErrNotFound, not ErrBackend", 0, (*suite).notFound},
	{"PastExpiryIsNotFound", "a record saved with a past expiry never loads", 0, (*suite).pastExpiry},
	{"ExpiryByClock", "a record stops loading at its expiry, by the store's clock", 0, (*suite).expiryByClock},
	{"SaveExpiredDeletes", "saving a record with a past expiry deletes it", 0, (*suite).saveExpiredDeletes},
	{"DeleteIsIdempotent", "deleting a missing record is no error, and a deleted record never loads", 0, (*suite).deleteIdempotent},
	{"GarbageTokens", "a malformed token is ErrNotFound: never a panic, never ErrBackend", 0, (*suite).garbageTokens},
	{"TamperedTokens", "a token with any character changed, cut or extended is ErrNotFound", 0, (*suite).tamperedTokens},
	{"StoredNameIsNotAToken", "the name a record is kept under (HashID of its ID) opens nothing", 0, (*suite).hashIsNotAToken},
	{"InvalidIDRejected", "Save refuses an ID that fails ValidID with ErrInvalidID", 0, (*suite).invalidID},
	{"NoAliasing", "neither Save nor Load shares memory with the caller", 0, (*suite).noAliasing},
	{"CancelledContext", "a cancelled context fails Load, Save and Delete with an error wrapping context.Canceled and ErrBackend", 0, (*suite).cancelledContext},
	{"Parallel", "many goroutines may use one store at once", 0, (*suite).parallel},
	{"Touch", "Touch moves a live record's expiry and keeps its data; a missing or expired record is ErrNotFound", Touch, (*suite).touch},
	{"DeleteExpired", "DeleteExpired removes exactly the expired records and reports how many", Prune, (*suite).deleteExpired},
	{"Versions", "Version is 1 after the first save and one more after each later one; a touch leaves it", CompareAndSet, (*suite).versions},
	{"SaveIf", "SaveIf stores only over the version it names (0: no live record); otherwise ErrConflict, which is not ErrBackend", CompareAndSet, (*suite).saveIf},
	{"SaveIfDeletedStaysDeleted", "SaveIf over a deleted record is ErrConflict: it never brings the record back", CompareAndSet, (*suite).saveIfDeleted},
	{"SaveIfExpired", "SaveIf with a past expiry deletes; an expired record counts as none", CompareAndSet, (*suite).saveIfExpired},
	{"SaveIfRace", "of writers racing with one version, exactly one wins", CompareAndSet, (*suite).saveIfRace},
	{"SaveIfStampIsAHint", "SaveIf of a loaded record decides by its version alone: after a Touch, with another record's Stamp or none", CompareAndSet, (*suite).saveIfStamp},
	{"SharedRoundTrip", "LoadShared and SaveIfShared are Load and SaveIf: the same records, versions, conflicts and misses", Share, (*suite).sharedRoundTrip},
	{"SharedBytesNeverChange", "the store never changes bytes it shares, and Load still copies them", Share, (*suite).sharedBytesNeverChange},
	{"UserSessions", "UserSessions lists exactly the live sessions tied to a user, with their IP address and user agent and without IDs; DeleteUserSession ends one only for its user", UserIndex, (*suite).userSessions},
	{"List", "List calls fn once with each live session, its handle and its record without the ID, and stops when fn returns false; DeleteHandle ends one", List, (*suite).list},
	{"Count", "Count counts each live record once", Count, (*suite).count},
	{"LockOneHolderAtATime", "a lock has one holder at a time", Lock, (*suite).lockOneHolder},
	{"LockTimeout", "a Lock that waits past its context is ErrLockTimeout", Lock, (*suite).lockTimeout},
	{"LockLeaseFreesAbandonedLock", "a lock nobody releases is free again after its lease", Lock, (*suite).lockLease},
	{"UnlockTwiceAndStaleUnlock", "unlock is safe to call twice, and a stale unlock frees nobody else's lock", Lock, (*suite).lockStaleUnlock},
}

type suite struct {
	open func(t tb, now func() time.Time) store.Store
	opts Options
	has  Ability // the abilities the cases run for
}

// run checks the declared abilities, then runs every case.
func (s *suite) run(t tb) {
	t.Helper()
	t.Run("Abilities", s.checkAbilities)
	for _, tc := range cases {
		t.Case(tc.name, tc.rule, func(t tb) {
			if tc.need != 0 && s.has&tc.need == 0 {
				t.Skip("the store does not declare " + tc.need.String())
			}
			tc.fn(s, t)
		})
	}
}

// checkAbilities holds the declared abilities against the store's
// methods, and settles which abilities the cases run for.
func (s *suite) checkAbilities(t tb) {
	st, _ := s.fresh(t)
	got := found(st)
	declared := s.opts.Abilities &^ None
	if s.opts.Abilities == 0 {
		s.has = got
		t.Logf("storetest: no abilities declared; found by type assertion: %v", got)
		return
	}
	s.has = declared
	if missing := declared &^ got; missing != 0 {
		t.Errorf("%s: declared but not implemented by %T: %v", ruleDeclared, st, missing)
	}
	if extra := got &^ declared; extra != 0 {
		t.Errorf("%s: implemented by %T but not declared: %v", ruleDeclared, st, extra)
	}
}

const ruleDeclared = `rule "a store declares exactly the abilities it implements"`

var epoch = time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)

func (s *suite) fresh(t tb) (store.Store, *Clock) {
	t.Helper()
	clock := NewClock(epoch)
	if s.opts.RealClock {
		clock = NewClock(time.Now())
	}
	st := s.open(t, clock.Now)
	if st == nil {
		t.Fatal("storetest: constructor returned a nil store")
	}
	return st, clock
}

// with returns a fresh store and its ability A (one of the optional
// interfaces of package store), or skips the case when the store lacks it.
func with[A any](s *suite, t tb) (store.Store, A, *Clock) {
	t.Helper()
	st, clock := s.fresh(t)
	a, ok := st.(A)
	if !ok {
		var zero A
		t.Skip(fmt.Sprintf("the store does not implement %T", &zero))
	}
	return st, a, clock
}

func record(clock *Clock, data []byte) store.Record {
	now := clock.Now()
	return store.Record{ID: store.NewID(), Data: data, Created: now.Add(-time.Minute), Expires: now.Add(time.Hour)}
}

func mustSave(t tb, st store.Store, r store.Record) string {
	t.Helper()
	tok, err := st.Save(context.Background(), r)
	if err != nil {
		t.Fatalf("Save: %v", err)
	}
	if !store.ValidToken(tok, 1<<30) {
		t.Fatalf("Save returned token %.40q, which is not unpadded base64url", tok)
	}
	return tok
}

func mustLoad(t tb, st store.Store, tok string) store.Record {
	t.Helper()
	r, err := st.Load(context.Background(), tok)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	return r
}

func wantNotFound(t tb, st store.Store, tok, why string) {
	t.Helper()
	r, err := st.Load(context.Background(), tok)
	if !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("%s: Load = (%v, %v), want ErrNotFound", why, r.ID != "", err)
	}
	if errors.Is(err, store.ErrBackend) {
		t.Fatalf("%s: Load error %v wraps ErrBackend; \"not found\" is not a backend failure", why, err)
	}
}

func sameTime(a, b time.Time) bool {
	d := a.Sub(b)
	return d < time.Millisecond && d > -time.Millisecond
}

func checkRecord(t tb, got, want store.Record) {
	t.Helper()
	if got.ID != want.ID {
		t.Errorf("ID = %q, want %q", got.ID, want.ID)
	}
	if string(got.Data) != string(want.Data) {
		t.Errorf("Data = %q, want %q", trim(got.Data), trim(want.Data))
	}
	if !sameTime(got.Created, want.Created) {
		t.Errorf("Created = %v, want %v", got.Created, want.Created)
	}
	if !sameTime(got.Expires, want.Expires) {
		t.Errorf("Expires = %v, want %v", got.Expires, want.Expires)
	}
}

func trim(b []byte) []byte {
	if len(b) > 64 {
		return b[:64]
	}
	return b
}
