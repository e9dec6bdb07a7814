package storetest

import (
	"context"
	"sort"
	"time"

	"github.com/seed-699a33a2/session/store"
)

func (s *suite) list(t tb) {
	st, l, clock := with[store.Lister](s, t)
	ctx := context.Background()
	var want []string
	for _, data := range []string{"a", "b", "c"} {
		r := record(clock, []byte(data))
		r.UserID, r.IPAddress, r.UserAgent = "user-"+data, "198.51.100.1", "Agent/"+data
		mustSave(t, st, r)
		want = append(want, store.HashID(r.ID))
	}
	if !s.opts.RealClock {
		short := record(clock, []byte("short"))
		short.Expires = clock.Now().Add(time.Minute)
		mustSave(t, st, short)
		clock.Advance(2 * time.Minute)
	}
	var got []string
	err := l.List(ctx, func(us store.UserSession) bool {
		got = append(got, us.Handle)
		d := string(us.Record.Data)
		if us.Record.ID != "" || us.Record.UserID != "user-"+d || us.Record.UserAgent != "Agent/"+d || us.Record.IPAddress != "198.51.100.1" || us.Record.Expires.IsZero() {
			t.Errorf("listed record %+v", us.Record)
		}
		return true
	})
	if err != nil {
		t.Fatalf("List: %v", err)
	}
	sort.Strings(got)
	sort.Strings(want)
	if !equal(got, want) {
		t.Fatalf("List saw %v, want the live sessions %v", got, want)
	}
	calls := 0
	if err := l.List(ctx, func(store.UserSession) bool { calls++; return false }); err != nil || calls != 1 {
		t.Fatalf("a List that fn stops at once called fn %d times, %v", calls, err)
	}
	if err := l.DeleteHandle(ctx, want[0]); err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{want[0], "not-a-handle", "../../etc/passwd", ""} {
		if err := l.DeleteHandle(ctx, bad); err != nil {
			t.Fatalf("DeleteHandle(%q): %v", bad, err)
		}
	}
	n := 0
	if err := l.List(ctx, func(us store.UserSession) bool {
		n++
		if us.Handle == want[0] {
			t.Error("a session ended by handle is still listed")
		}
		return true
	}); err != nil || n != 2 {
		t.Fatalf("after DeleteHandle List saw %d, %v; want 2", n, err)
	}
}
