package storetest

import (
	"context"
	"time"

	"github.com/seed-699a33a2/session/store"
)

func (s *suite) count(t tb) {
	st, c, clock := with[store.Counter](s, t)
	n := func() int {
		t.Helper()
		got, err := c.Count(context.Background())
		if err != nil {
			t.Fatalf("Count: %v", err)
		}
		return got
	}
	if got := n(); got != 0 {
		t.Fatalf("Count of an empty store = %d", got)
	}
	a, b := record(clock, []byte("a")), record(clock, []byte("b"))
	mustSave(t, st, a)
	mustSave(t, st, b)
	mustSave(t, st, a) // saved twice, counted once
	if got := n(); got != 2 {
		t.Fatalf("Count = %d, want 2", got)
	}
	if err := st.Delete(context.Background(), a.ID); err != nil {
		t.Fatal(err)
	}
	if got := n(); got != 1 {
		t.Fatalf("Count after a delete = %d, want 1", got)
	}
	if !s.opts.RealClock {
		clock.Advance(2 * time.Hour)
		if got := n(); got != 0 {
			t.Fatalf("Count after expiry = %d, want 0", got)
		}
	}
}
