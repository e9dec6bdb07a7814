package memstore_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/seed-699a33a2/session/memstore"
	"github.com/seed-699a33a2/session/store"
	"github.com/seed-699a33a2/session/store/storetest"
)

var (
	_ store.Store   = (*memstore.Store)(nil)
	_ store.Toucher = (*memstore.Store)(nil)
	_ store.Pruner  = (*memstore.Store)(nil)
)

func newStore(t testing.TB, opts memstore.Options) *memstore.Store {
	t.Helper()
	s := memstore.New(opts)
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return s
}

// memAbilities are the optional abilities the driver declares to the conformance
// suite: exactly those it implements.
const memAbilities = storetest.Touch | storetest.CompareAndSet | storetest.Lock | storetest.UserIndex | storetest.List | storetest.Count | storetest.Prune | storetest.Share

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T, now func() time.Time) store.Store {
		return newStore(t, memstore.Options{Now: now})
	}, storetest.Options{Abilities: memAbilities})
}

func TestConformanceWithLimit(t *testing.T) {
	storetest.Run(t, func(t *testing.T, now func() time.Time) store.Store {
		return newStore(t, memstore.Options{Now: now, MaxSessions: 1000})
	}, storetest.Options{Abilities: memAbilities})
}

func rec(now time.Time, data string, ttl time.Duration) store.Record {
	return store.Record{ID: store.NewID(), Data: []byte(data), Created: now, Expires: now.Add(ttl)}
}

// TestFlaw6ConcurrentRequestsOnOneSession is SPEC flaw 6: RapidGo's session package
// memory driver handed out its internal map, and concurrent requests on one
// session crashed the process with "concurrent map writes". Here many
// goroutines load, change and save one session at once; run with -race.
func TestFlaw6ConcurrentRequestsOnOneSession(t *testing.T) {
	clock := storetest.NewClock(time.Now())
	s := newStore(t, memstore.Options{Now: clock.Now, CleanupInterval: time.Millisecond})
	ctx := context.Background()
	r := rec(clock.Now(), "start", time.Hour)
	if _, err := s.Save(ctx, r); err != nil {
		t.Fatal(err)
	}
	const workers, rounds = 16, 200
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range rounds {
				got, err := s.Load(ctx, r.ID)
				if err != nil && !errors.Is(err, store.ErrNotFound) {
					t.Errorf("Load: %v", err)
					return
				}
				// Scribble over what Load returned: it must be our copy.
				for j := range got.Data {
					got.Data[j] = 'x'
				}
				next := r
				next.Data = append(got.Data, fmt.Sprintf("-%d.%d", w, i)...)
				switch i % 5 {
				case 0:
					err = s.Touch(ctx, r.ID, clock.Now().Add(2*time.Hour))
					if errors.Is(err, store.ErrNotFound) {
						err = nil
					}
				case 1:
					err = s.Delete(ctx, r.ID)
				case 2:
					_, err = s.DeleteExpired(ctx)
				default:
					_, err = s.Save(ctx, next)
				}
				if err != nil {
					t.Errorf("worker %d: %v", w, err)
					return
				}
				_ = s.Len()
			}
		}()
	}
	wg.Wait()
}

// TestMaxSessionsFlood checks that the store never holds more than
// MaxSessions, whatever the limit and however many goroutines insert.
func TestMaxSessionsFlood(t *testing.T) {
	for _, max := range []int{1, 3, 63, 64, 65, 100, 1000} {
		t.Run(fmt.Sprint(max), func(t *testing.T) {
			clock := storetest.NewClock(time.Now())
			s := newStore(t, memstore.Options{Now: clock.Now, MaxSessions: max})
			ctx := context.Background()
			var stop atomic.Bool
			var over atomic.Int64
			checker := make(chan struct{})
			go func() {
				defer close(checker)
				for !stop.Load() {
					if n := s.Len(); n > max {
						over.Store(int64(n))
					}
					runtime.Gosched()
				}
			}()
			var wg sync.WaitGroup
			for range 8 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for range 20 * max {
						r := rec(clock.Now(), "flood", time.Hour)
						if _, err := s.Save(ctx, r); err != nil {
							t.Error(err)
							return
						}
					}
				}()
			}
			wg.Wait()
			stop.Store(true)
			<-checker
			if n := over.Load(); n > 0 {
				t.Fatalf("store held %d sessions, MaxSessions is %d", n, max)
			}
			if n := s.Len(); n != max {
				t.Fatalf("after the flood Len = %d, want %d (every shard full)", n, max)
			}
		})
	}
}

func TestMaxSessionsNewestSurvives(t *testing.T) {
	clock := storetest.NewClock(time.Now())
	s := newStore(t, memstore.Options{Now: clock.Now, MaxSessions: 100})
	ctx := context.Background()
	for range 10_000 {
		clock.Advance(time.Millisecond)
		r := rec(clock.Now(), "x", time.Hour)
		if _, err := s.Save(ctx, r); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Load(ctx, r.ID); err != nil {
			t.Fatalf("the session just saved is gone: %v", err)
		}
	}
	if n := s.Len(); n > 100 {
		t.Fatalf("Len = %d, want at most 100", n)
	}
}

func TestTouchIntoThePastDeletes(t *testing.T) {
	clock := storetest.NewClock(time.Now())
	s := newStore(t, memstore.Options{Now: clock.Now})
	ctx := context.Background()
	r := rec(clock.Now(), "x", time.Hour)
	if _, err := s.Save(ctx, r); err != nil {
		t.Fatal(err)
	}
	if err := s.Touch(ctx, r.ID, clock.Now()); err != nil {
		t.Fatalf("Touch to now: %v", err)
	}
	if _, err := s.Load(ctx, r.ID); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("Load after Touch to now: %v, want ErrNotFound", err)
	}
	if n := s.Len(); n != 0 {
		t.Fatalf("Len = %d, want 0", n)
	}
	for name, tok := range storetest.GarbageTokens() {
		if err := s.Touch(ctx, tok, clock.Now().Add(time.Hour)); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("Touch(%s) = %v, want ErrNotFound", name, err)
		}
		if err := s.Delete(ctx, tok); err != nil {
			t.Errorf("Delete(%s) = %v, want nil", name, err)
		}
	}
}

func TestCancelledContextOptionalMethods(t *testing.T) {
	s := newStore(t, memstore.Options{})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := s.Touch(ctx, store.NewID(), time.Now().Add(time.Hour))
	if !errors.Is(err, context.Canceled) || !errors.Is(err, store.ErrBackend) {
		t.Errorf("Touch: %v, want context.Canceled and ErrBackend", err)
	}
	_, err = s.DeleteExpired(ctx)
	if !errors.Is(err, context.Canceled) || !errors.Is(err, store.ErrBackend) {
		t.Errorf("DeleteExpired: %v, want context.Canceled and ErrBackend", err)
	}
}

func TestDeleteExpiredManyShards(t *testing.T) {
	clock := storetest.NewClock(time.Now())
	s := newStore(t, memstore.Options{Now: clock.Now, CleanupInterval: -1})
	ctx := context.Background()
	const n = 5000
	for i := range n {
		ttl := time.Minute
		if i%2 == 0 {
			ttl = time.Hour
		}
		if _, err := s.Save(ctx, rec(clock.Now(), "x", ttl)); err != nil {
			t.Fatal(err)
		}
	}
	clock.Advance(2 * time.Minute)
	if got, err := s.DeleteExpired(ctx); err != nil || got != n/2 {
		t.Fatalf("DeleteExpired = %d, %v; want %d", got, err, n/2)
	}
	if got := s.Len(); got != n/2 {
		t.Fatalf("Len = %d, want %d", got, n/2)
	}
	clock.Advance(time.Hour)
	if got, err := s.DeleteExpired(ctx); err != nil || got != n/2 {
		t.Fatalf("second DeleteExpired = %d, %v; want %d", got, err, n/2)
	}
}

// TestBackgroundSweep checks that the sweeper removes expired sessions and
// that nothing of it runs once Close has returned.
func TestBackgroundSweep(t *testing.T) {
	clock := storetest.NewClock(time.Now())
	var closed atomic.Bool
	var lateCalls atomic.Int64
	now := func() time.Time {
		if closed.Load() {
			lateCalls.Add(1)
		}
		return clock.Now()
	}
	s := memstore.New(memstore.Options{Now: now, CleanupInterval: time.Millisecond})
	ctx := context.Background()
	if _, err := s.Save(ctx, rec(clock.Now(), "x", time.Minute)); err != nil {
		t.Fatal(err)
	}
	clock.Advance(2 * time.Minute)
	deadline := time.Now().Add(10 * time.Second)
	for s.Len() != 0 {
		if time.Now().After(deadline) {
			t.Fatal("the background sweep did not remove the expired session")
		}
		time.Sleep(time.Millisecond)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	closed.Store(true)
	if err := s.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	time.Sleep(20 * time.Millisecond) // many sweep intervals
	if n := lateCalls.Load(); n != 0 {
		t.Fatalf("the sweeper ran %d times after Close returned", n)
	}
}

func TestCloseBeforeSaveAndUseAfterClose(t *testing.T) {
	s := memstore.New(memstore.Options{})
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	r := rec(time.Now(), "after close", time.Hour)
	if _, err := s.Save(ctx, r); err != nil {
		t.Fatalf("Save after Close: %v", err)
	}
	got, err := s.Load(ctx, r.ID)
	if err != nil || !bytes.Equal(got.Data, r.Data) {
		t.Fatalf("Load after Close = %q, %v", got.Data, err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestTimesRoundTripToTheNanosecond(t *testing.T) {
	loc := time.FixedZone("X", 5*3600+1800)
	created := time.Date(2031, 4, 5, 6, 7, 8, 123456789, loc)
	expires := time.Date(9999, 12, 31, 23, 59, 59, 999999999, loc)
	s := newStore(t, memstore.Options{})
	r := store.Record{ID: store.NewID(), Created: created, Expires: expires}
	if _, err := s.Save(context.Background(), r); err != nil {
		t.Fatal(err)
	}
	got, err := s.Load(context.Background(), r.ID)
	if err != nil {
		t.Fatal(err)
	}
	// To the nanosecond; an expiry past 2262 (int64 nanoseconds) is kept as
	// the latest time the store can hold.
	if !got.Created.Equal(created) || !got.Expires.Equal(time.Unix(0, math.MaxInt64)) {
		t.Fatalf("times = %v, %v; want %v, the latest int64 time", got.Created, got.Expires, created)
	}
}

// TestMemoryPerSession measures the heap a session costs: 100,000 sessions
// with 100 bytes of data each. The package documentation quotes the result.
func TestMemoryPerSession(t *testing.T) {
	if testing.Short() {
		t.Skip("slow")
	}
	const n = 100_000
	ids := make([]string, n)
	for i := range ids {
		ids[i] = store.NewID()
	}
	data := bytes.Repeat([]byte("d"), 100)
	now := time.Now()
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	s := memstore.New(memstore.Options{CleanupInterval: -1})
	for _, id := range ids {
		if _, err := s.Save(context.Background(), store.Record{ID: id, Data: data, Created: now, Expires: now.Add(time.Hour)}); err != nil {
			t.Fatal(err)
		}
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	per := float64(after.HeapAlloc-before.HeapAlloc) / n
	t.Logf("%.0f bytes per session with 100 bytes of data", per)
	runtime.KeepAlive(s)
	runtime.KeepAlive(ids) // else their memory is freed and offsets the count
	if per > 512 {
		t.Errorf("a session costs %.0f bytes, want at most 512", per)
	}
}

func ExampleNew() {
	s := memstore.New(memstore.Options{MaxSessions: 10_000})
	defer s.Close()
	ctx := context.Background()

	id := store.NewID()
	now := time.Now()
	token, err := s.Save(ctx, store.Record{ID: id, Data: []byte("hello"), Created: now, Expires: now.Add(time.Hour)})
	if err != nil {
		panic(err)
	}
	r, err := s.Load(ctx, token)
	fmt.Println(string(r.Data), err, s.Len())

	_ = s.Delete(ctx, id)
	_, err = s.Load(ctx, token)
	fmt.Println(errors.Is(err, store.ErrNotFound))
	// Output:
	// hello <nil> 1
	// true
}

func benchStore(b *testing.B, n int) (*memstore.Store, []string) {
	s := newStore(b, memstore.Options{CleanupInterval: -1})
	ids := make([]string, n)
	now := time.Now()
	data := bytes.Repeat([]byte("d"), 100)
	for i := range ids {
		ids[i] = store.NewID()
		if _, err := s.Save(context.Background(), store.Record{ID: ids[i], Data: data, Created: now, Expires: now.Add(time.Hour)}); err != nil {
			b.Fatal(err)
		}
	}
	return s, ids
}

func BenchmarkLoad(b *testing.B) {
	s, ids := benchStore(b, 1)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.Load(ctx, ids[0]); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkSave(b *testing.B) {
	s, ids := benchStore(b, 1)
	ctx := context.Background()
	now := time.Now()
	r := store.Record{ID: ids[0], Data: bytes.Repeat([]byte("d"), 100), Created: now, Expires: now.Add(time.Hour)}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.Save(ctx, r); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSaveNew stores a new session each time, into a store that
// grows as a site's does (a create).
func BenchmarkSaveNew(b *testing.B) {
	s := memstore.New(memstore.Options{})
	b.Cleanup(func() { _ = s.Close() })
	ctx := context.Background()
	now := time.Now()
	r := store.Record{Data: bytes.Repeat([]byte("d"), 100), Created: now, Expires: now.Add(time.Hour)}
	ids := make([]string, 1<<16)
	for i := range ids {
		ids[i] = store.NewID()
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if i == len(ids) {
			b.StopTimer()
			_ = s.Close()
			s = memstore.New(memstore.Options{})
			i = 0
			b.StartTimer()
		}
		r.ID = ids[i]
		i++
		if _, err := s.Save(ctx, r); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkLoadParallel(b *testing.B) {
	s, ids := benchStore(b, 10_000)
	ctx := context.Background()
	var next atomic.Uint64
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		i := int(next.Add(7919)) // each goroutine starts elsewhere
		for pb.Next() {
			if _, err := s.Load(ctx, ids[i%len(ids)]); err != nil {
				b.Error(err)
				return
			}
			i++
		}
	})
}
