package session_test

import (
	"context"
	"errors"
	"net/http"
	"runtime"
	"runtime/metrics"
	"testing"
	"time"

	"github.com/seed-699a33a2/session"
	"github.com/seed-699a33a2/session/internal/backends"
	"github.com/seed-699a33a2/session/internal/codec"
	"github.com/seed-699a33a2/session/store"
	"github.com/seed-699a33a2/session/store/storetest"
)

// TestSessionsListsEverySessionWithoutIDs: Sessions walks every live
// session of the store with its user, times, IP address and user agent,
// never an ID; EndSession ends one by handle; the cookie driver answers
// ErrNoListing.
func TestSessionsListsEverySessionWithoutIDs(t *testing.T) {
	forEachDriver(t, func(t *testing.T, d backends.Driver) {
		clock := storetest.NewClock(timeNow(d))
		m := newManager(t, d.New(t, clock.Now), session.Config{Now: clock.Now, Lifetime: time.Hour})
		ctx := context.Background()
		if d.ClientSide {
			if err := m.Sessions(ctx, func(session.SessionInfo) bool { return true }); !errors.Is(err, session.ErrNoListing) {
				t.Fatalf("cookie driver: %v, want ErrNoListing", err)
			}
			if err := m.EndSession(ctx, "x"); !errors.Is(err, session.ErrNoListing) {
				t.Fatalf("cookie driver EndSession: %v, want ErrNoListing", err)
			}
			return
		}
		ada := &device{ua: "Laptop/1.0"}
		var adaID string
		ada.do(t, m, func(w http.ResponseWriter, r *http.Request) {
			var err error
			if adaID, err = m.Login(w, r, "ada"); err != nil {
				t.Fatal(err)
			}
		})
		anon := &device{ua: "Phone/2.0"}
		anon.do(t, m, func(_ http.ResponseWriter, r *http.Request) {
			_, data, _ := m.Start(r)
			data["cart"] = 3
		})
		seen := map[string]session.SessionInfo{}
		if err := m.Sessions(ctx, func(s session.SessionInfo) bool { seen[s.User] = s; return true }); err != nil {
			t.Fatal(err)
		}
		a, ok := seen["ada"]
		if len(seen) != 2 || !ok || seen[""].Handle == "" {
			t.Fatalf("Sessions = %+v, want ada's and an anonymous one", seen)
		}
		if a.Handle != session.Handle(adaID) || a.UserAgent != "Laptop/1.0" || a.IPAddress != "203.0.113.7" ||
			a.Created.IsZero() || a.Expires.IsZero() || a.LastActivity.After(clock.Now().Add(time.Second)) || a.LastActivity.Before(a.Created) {
			t.Errorf("ada's session: %+v", a)
		}
		if err := m.EndSession(ctx, a.Handle); err != nil {
			t.Fatal(err)
		}
		if ada.user(t, m) != "" {
			t.Fatal("a session ended by handle is still signed in")
		}
	})
}

// TestSessionsStreams: through the manager, a memory store of 100,000
// sessions is walked without the walk's memory growing with them (the live
// heap, measured half-way, is within 8 MiB of where it started), and the
// walk stops when fn says so. Each driver's package walks 100,000 sessions
// of its own backend the same way (TestListStreams).
func TestSessionsStreams(t *testing.T) {
	const n = 100_000
	st := memStore(t)
	m := newManager(t, st, session.Config{})
	now := time.Now()
	for i := range n {
		data, err := codec.Encode(map[string]any{"n": i})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := st.Save(context.Background(), store.Record{ID: store.NewID(), Data: data, Created: now, Expires: now.Add(time.Hour)}); err != nil {
			t.Fatal(err)
		}
	}
	ctx := context.Background()
	before := liveHeap()
	var grown int64
	seen := 0
	err := m.Sessions(ctx, func(session.SessionInfo) bool {
		if seen++; seen == n/2 {
			grown = liveHeap() - before
		}
		return true
	})
	if err != nil || seen != n {
		t.Fatalf("Sessions saw %d of %d: %v", seen, n, err)
	}
	if grown > 8<<20 {
		t.Errorf("half-way through the walk the live heap had grown by %d bytes: the walk does not stream", grown)
	}
	calls := 0
	if err := m.Sessions(ctx, func(session.SessionInfo) bool { calls++; return calls < 10 }); err != nil || calls != 10 {
		t.Fatalf("a walk stopped at the 10th session made %d calls: %v", calls, err)
	}
}

func liveHeap() int64 {
	runtime.GC()
	s := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	metrics.Read(s)
	return int64(s[0].Value.Uint64())
}
