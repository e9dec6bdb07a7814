// Package storetest is the conformance suite for session stores, in the
// manner of testing/slogtest: every driver's tests call [Run] with a
// constructor, and a driver is done when it passes.
//
// The suite checks the [store.Store] contract: round trips keep data,
// creation time and expiry; saves overwrite; missing, expired, malformed and
// tampered tokens are [store.ErrNotFound]; deletes are idempotent; data is
// never aliased between caller and store; cancelled contexts fail; and many
// goroutines may use one store at once (run it under -race). Optional
// abilities ([store.Toucher], [store.Swapper], [store.Locker],
// [store.UserIndex], [store.Counter], [store.Pruner]) are tested when
// present.
package storetest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
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

// Options describe what the store under test can do.
type Options struct {
	// ClientSide is true for stores that keep nothing on the server (the
	// cookie store): the token is the sealed record, and Delete cannot
	// revoke a token already handed out.
	ClientSide bool

	// RealClock is true for stores whose expiry is enforced by a server
	// with its own clock (Redis): the constructor's clock is ignored, and
	// the tests that move a clock forward are skipped.
	RealClock bool
}

// NewFunc builds a fresh, empty store for one test. Stores that accept a
// clock must read the time from now.
type NewFunc func(t *testing.T, now func() time.Time) store.Store

// Run runs the conformance suite against the stores that newStore builds.
func Run(t *testing.T, newStore NewFunc, opts Options) {
	t.Helper()
	s := &suite{newStore: newStore, opts: opts}
	tests := []struct {
		name string
		fn   func(*testing.T)
	}{
		{"RoundTrip", s.roundTrip},
		{"EmptyData", s.emptyData},
		{"BinaryData", s.binaryData},
		{"LargeData", s.largeData},
		{"Overwrite", s.overwrite},
		{"NotFound", s.notFound},
		{"PastExpiryIsNotFound", s.pastExpiry},
		{"ExpiryByClock", s.expiryByClock},
		{"SaveExpiredDeletes", s.saveExpiredDeletes},
		{"DeleteIsIdempotent", s.deleteIdempotent},
		{"GarbageTokens", s.garbageTokens},
		{"TamperedTokens", s.tamperedTokens},
		{"StoredNameIsNotAToken", s.hashIsNotAToken},
		{"InvalidIDRejected", s.invalidID},
		{"NoAliasing", s.noAliasing},
		{"CancelledContext", s.cancelledContext},
		{"Parallel", s.parallel},
		{"Touch", s.touch},
		{"DeleteExpired", s.deleteExpired},
		{"Versions", s.versions},
		{"SaveIf", s.saveIf},
		{"SaveIfDeletedStaysDeleted", s.saveIfDeleted},
		{"SaveIfExpired", s.saveIfExpired},
		{"SaveIfRace", s.saveIfRace},
		{"UserSessions", s.userSessions},
		{"Count", s.count},
		{"LockOneHolderAtATime", s.lockOneHolder},
		{"LockTimeout", s.lockTimeout},
		{"LockLeaseFreesAbandonedLock", s.lockLease},
		{"UnlockTwiceAndStaleUnlock", s.lockStaleUnlock},
	}
	for _, tc := range tests {
		t.Run(tc.name, tc.fn)
	}
}

type suite struct {
	newStore NewFunc
	opts     Options
}

var epoch = time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)

func (s *suite) fresh(t *testing.T) (store.Store, *Clock) {
	t.Helper()
	clock := NewClock(epoch)
	if s.opts.RealClock {
		clock = NewClock(time.Now())
	}
	st := s.newStore(t, clock.Now)
	if st == nil {
		t.Fatal("storetest: constructor returned a nil store")
	}
	return st, clock
}

func record(clock *Clock, data []byte) store.Record {
	now := clock.Now()
	return store.Record{ID: store.NewID(), Data: data, Created: now.Add(-time.Minute), Expires: now.Add(time.Hour)}
}

func mustSave(t *testing.T, st store.Store, r store.Record) string {
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

func mustLoad(t *testing.T, st store.Store, tok string) store.Record {
	t.Helper()
	r, err := st.Load(context.Background(), tok)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	return r
}

func wantNotFound(t *testing.T, st store.Store, tok, why string) {
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

func checkRecord(t *testing.T, got, want store.Record) {
	t.Helper()
	if got.ID != want.ID {
		t.Errorf("ID = %q, want %q", got.ID, want.ID)
	}
	if !bytes.Equal(got.Data, want.Data) {
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

func (s *suite) roundTrip(t *testing.T) {
	st, clock := s.fresh(t)
	r := record(clock, []byte("hello, session"))
	tok := mustSave(t, st, r)
	if !s.opts.ClientSide && tok != r.ID {
		t.Errorf("server-side store returned token %q, want the ID %q", tok, r.ID)
	}
	checkRecord(t, mustLoad(t, st, tok), r)
}

func (s *suite) emptyData(t *testing.T) {
	st, clock := s.fresh(t)
	for _, data := range [][]byte{nil, {}} {
		r := record(clock, data)
		got := mustLoad(t, st, mustSave(t, st, r))
		if len(got.Data) != 0 || got.ID != r.ID {
			t.Errorf("empty data: got ID %q, %d bytes", got.ID, len(got.Data))
		}
	}
}

func (s *suite) binaryData(t *testing.T) {
	st, clock := s.fresh(t)
	data := make([]byte, 512)
	for i := range data {
		data[i] = byte(i)
	}
	r := record(clock, data)
	checkRecord(t, mustLoad(t, st, mustSave(t, st, r)), r)
}

func (s *suite) largeData(t *testing.T) {
	st, clock := s.fresh(t)
	data := bytes.Repeat([]byte("0123456789abcdef"), 64<<10/16)
	r := record(clock, data)
	checkRecord(t, mustLoad(t, st, mustSave(t, st, r)), r)
}

func (s *suite) overwrite(t *testing.T) {
	st, clock := s.fresh(t)
	r := record(clock, []byte("first"))
	mustSave(t, st, r)
	r.Data = []byte("second")
	r.Expires = r.Expires.Add(time.Minute)
	tok := mustSave(t, st, r)
	checkRecord(t, mustLoad(t, st, tok), r)
}

func (s *suite) notFound(t *testing.T) {
	st, _ := s.fresh(t)
	wantNotFound(t, st, store.NewID(), "unknown ID")
}

func (s *suite) pastExpiry(t *testing.T) {
	st, clock := s.fresh(t)
	r := record(clock, []byte("x"))
	r.Expires = clock.Now().Add(-time.Second)
	tok, err := st.Save(context.Background(), r)
	if err != nil {
		t.Fatalf("Save with a past expiry: %v", err)
	}
	if tok != "" {
		wantNotFound(t, st, tok, "record saved with a past expiry")
	}
	wantNotFound(t, st, r.ID, "ID saved with a past expiry")
}

func (s *suite) expiryByClock(t *testing.T) {
	if s.opts.RealClock {
		t.Skip("store expires records by its server's clock")
	}
	st, clock := s.fresh(t)
	r := record(clock, []byte("x"))
	r.Expires = clock.Now().Add(10 * time.Second)
	tok := mustSave(t, st, r)
	clock.Advance(9 * time.Second)
	mustLoad(t, st, tok)
	clock.Advance(time.Second)
	wantNotFound(t, st, tok, "record at its expiry")
}

func (s *suite) saveExpiredDeletes(t *testing.T) {
	if s.opts.ClientSide {
		t.Skip("client-side store: the old token stays valid until it expires")
	}
	st, clock := s.fresh(t)
	r := record(clock, []byte("live"))
	tok := mustSave(t, st, r)
	r.Expires = clock.Now().Add(-time.Second)
	if _, err := st.Save(context.Background(), r); err != nil {
		t.Fatalf("Save with a past expiry: %v", err)
	}
	wantNotFound(t, st, tok, "record re-saved with a past expiry")
}

func (s *suite) deleteIdempotent(t *testing.T) {
	st, clock := s.fresh(t)
	ctx := context.Background()
	if err := st.Delete(ctx, store.NewID()); err != nil {
		t.Fatalf("Delete of a missing record: %v", err)
	}
	r := record(clock, []byte("x"))
	tok := mustSave(t, st, r)
	for i := 0; i < 2; i++ {
		if err := st.Delete(ctx, r.ID); err != nil {
			t.Fatalf("Delete #%d: %v", i+1, err)
		}
	}
	if !s.opts.ClientSide {
		wantNotFound(t, st, tok, "deleted record")
	}
}

// GarbageTokens are inputs that no store may open, shared with the
// manager's hostile-input tests.
func GarbageTokens() map[string]string {
	id := store.NewID()
	return map[string]string{
		"empty":                  "",
		"short":                  "x",
		"dot-dot":                "..",
		"traversal":              "../../etc/passwd",
		"absolute":               "/etc/passwd",
		"percent-encoded":        "..%2F..%2Fetc%2Fpasswd",
		"nul-bytes":              "abc\x00def",
		"control-bytes":          "\x01\x02\x7f",
		"crlf":                   "a\r\nSet-Cookie: x=y",
		"non-ascii":              "sessión-ünïcode",
		"10KB":                   strings.Repeat("A", 10<<10),
		"1MB":                    strings.Repeat("A", 1<<20),
		"padded-base64":          id + "=",
		"std-base64":             strings.Repeat("+/", 22),
		"id-one-short":           id[:len(id)-1],
		"id-one-long":            id + "A",
		"json-suffix":            id + ".json",
		"hash-shaped":            strings.Repeat("ab", 32),
		"all-zero-id":            strings.Repeat("A", store.IDLen),
		"valid-but-unknown-id":   id,
		"uppercase-unknown-id":   strings.ToUpper(id),
		"spaces":                 "   ",
		"quotes":                 `"quoted"`,
		"semicolon":              "a;b",
		"backslash-traversal":    `..\..\windows`,
		"dot-file":               ".hidden",
		"trailing-slash":         id + "/",
		"double-encoded-percent": "%252e%252e%252f",
	}
}

func (s *suite) garbageTokens(t *testing.T) {
	st, clock := s.fresh(t)
	mustSave(t, st, record(clock, []byte("bystander")))
	for name, tok := range GarbageTokens() {
		t.Run(name, func(t *testing.T) { wantNotFound(t, st, tok, name) })
	}
}

// tamperedTokens changes one character of a real token at a time: every
// variant must be ErrNotFound, including the non-canonical spellings of the
// same bytes.
func (s *suite) tamperedTokens(t *testing.T) {
	st, clock := s.fresh(t)
	r := record(clock, []byte("secret data"))
	tok := mustSave(t, st, r)
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	step := 1
	if len(tok) > 200 {
		step = len(tok) / 200
	}
	for i := 0; i < len(tok); i += step {
		for _, c := range []byte{alphabet[(strings.IndexByte(alphabet, tok[i])+1)%64], alphabet[strings.IndexByte(alphabet, tok[i])^1]} {
			if c == tok[i] {
				continue
			}
			bad := tok[:i] + string(c) + tok[i+1:]
			wantNotFound(t, st, bad, fmt.Sprintf("token with byte %d changed", i))
		}
	}
	wantNotFound(t, st, tok[:len(tok)-1], "truncated token")
	wantNotFound(t, st, tok+"A", "extended token")
	mustLoad(t, st, tok)
}

func (s *suite) hashIsNotAToken(t *testing.T) {
	if s.opts.ClientSide {
		t.Skip("client-side store keeps nothing on the server")
	}
	st, clock := s.fresh(t)
	r := record(clock, []byte("x"))
	mustSave(t, st, r)
	wantNotFound(t, st, store.HashID(r.ID), "the stored name of a session")
}

func (s *suite) invalidID(t *testing.T) {
	st, clock := s.fresh(t)
	for _, id := range []string{"", "../../x", "short", store.NewID() + "A"} {
		r := record(clock, []byte("x"))
		r.ID = id
		if _, err := st.Save(context.Background(), r); !errors.Is(err, store.ErrInvalidID) {
			t.Errorf("Save with ID %q: err = %v, want ErrInvalidID", id, err)
		}
	}
}

func (s *suite) noAliasing(t *testing.T) {
	st, clock := s.fresh(t)
	data := []byte("original")
	r := record(clock, data)
	tok := mustSave(t, st, r)
	copy(data, "CHANGED!")
	got := mustLoad(t, st, tok)
	if string(got.Data) != "original" {
		t.Fatalf("store aliased the caller's slice: loaded %q", got.Data)
	}
	copy(got.Data, "CHANGED!")
	if again := mustLoad(t, st, tok); string(again.Data) != "original" {
		t.Fatalf("store returned its own slice: loaded %q after the caller changed it", again.Data)
	}
}

func (s *suite) cancelledContext(t *testing.T) {
	st, clock := s.fresh(t)
	r := record(clock, []byte("x"))
	tok := mustSave(t, st, r)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	check := func(op string, err error) {
		t.Helper()
		if !errors.Is(err, context.Canceled) {
			t.Errorf("%s with a cancelled context: err = %v, want context.Canceled", op, err)
		}
		if !errors.Is(err, store.ErrBackend) {
			t.Errorf("%s with a cancelled context: err = %v, want it to wrap ErrBackend", op, err)
		}
	}
	_, err := st.Load(ctx, tok)
	check("Load", err)
	_, err = st.Save(ctx, r)
	check("Save", err)
	check("Delete", st.Delete(ctx, r.ID))
}

func (s *suite) parallel(t *testing.T) {
	st, clock := s.fresh(t)
	shared := record(clock, []byte("shared-0"))
	sharedTok := mustSave(t, st, shared)
	const workers, rounds = 8, 25
	var wg sync.WaitGroup
	errs := make(chan error, workers*rounds*4)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			ctx := context.Background()
			for i := 0; i < rounds; i++ {
				own := record(clock, []byte(fmt.Sprintf("w%d-%d", w, i)))
				tok, err := st.Save(ctx, own)
				if err != nil {
					errs <- err
					continue
				}
				got, err := st.Load(ctx, tok)
				if err != nil || string(got.Data) != string(own.Data) {
					errs <- fmt.Errorf("worker %d: load own record: %q, %v", w, got.Data, err)
				}
				sr := shared
				sr.Data = []byte(fmt.Sprintf("shared-%d-%d", w, i))
				if _, err := st.Save(ctx, sr); err != nil {
					errs <- err
				}
				if !s.opts.ClientSide {
					if _, err := st.Load(ctx, sharedTok); err != nil {
						errs <- fmt.Errorf("worker %d: load shared record: %v", w, err)
					}
				}
				if err := st.Delete(ctx, own.ID); err != nil {
					errs <- err
				}
			}
		}(w)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

func (s *suite) touch(t *testing.T) {
	st, clock := s.fresh(t)
	tc, ok := st.(store.Toucher)
	if !ok {
		t.Skip("store does not implement store.Toucher")
	}
	ctx := context.Background()
	r := record(clock, []byte("touch me"))
	tok := mustSave(t, st, r)
	later := r.Expires.Add(30 * time.Minute)
	if err := tc.Touch(ctx, r.ID, later); err != nil {
		t.Fatalf("Touch: %v", err)
	}
	want := r
	want.Expires = later
	checkRecord(t, mustLoad(t, st, tok), want)
	if err := tc.Touch(ctx, store.NewID(), later); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("Touch of a missing record: err = %v, want ErrNotFound", err)
	}
	if !s.opts.RealClock {
		clock.Advance(2 * time.Hour)
		if err := tc.Touch(ctx, r.ID, clock.Now().Add(time.Hour)); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("Touch of an expired record: err = %v, want ErrNotFound", err)
		}
	}
}

func (s *suite) deleteExpired(t *testing.T) {
	if s.opts.RealClock {
		t.Skip("store expires records by its server's clock")
	}
	st, clock := s.fresh(t)
	p, ok := st.(store.Pruner)
	if !ok {
		t.Skip("store does not implement store.Pruner")
	}
	ctx := context.Background()
	short := record(clock, []byte("short"))
	short.Expires = clock.Now().Add(time.Minute)
	long := record(clock, []byte("long"))
	long.Expires = clock.Now().Add(time.Hour)
	mustSave(t, st, short)
	longTok := mustSave(t, st, long)
	clock.Advance(2 * time.Minute)
	n, err := p.DeleteExpired(ctx)
	if err != nil {
		t.Fatalf("DeleteExpired: %v", err)
	}
	if n != 1 {
		t.Errorf("DeleteExpired removed %d records, want 1", n)
	}
	mustLoad(t, st, longTok)
	if n, err := p.DeleteExpired(ctx); err != nil || n != 0 {
		t.Errorf("second DeleteExpired = %d, %v; want 0, nil", n, err)
	}
}
