package storetest

import (
	"context"
	"sort"
	"time"

	"github.com/seed-699a33a2/session/store"
)

func handles(t tb, ui store.UserIndex, user string) []string {
	t.Helper()
	list, err := ui.UserSessions(context.Background(), user)
	if err != nil {
		t.Fatalf("UserSessions(%q): %v", user, err)
	}
	var out []string
	for _, us := range list {
		if us.Record.UserID != user {
			t.Errorf("UserSessions(%q) listed a session of %q", user, us.Record.UserID)
		}
		if us.Record.ID != "" {
			t.Errorf("UserSessions returned a session ID")
		}
		out = append(out, us.Handle)
	}
	sort.Strings(out)
	return out
}

func sorted(ids ...string) []string {
	var out []string
	for _, id := range ids {
		out = append(out, store.HashID(id))
	}
	sort.Strings(out)
	return out
}

func equal(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func (s *suite) userSessions(t tb) {
	st, ui, clock := with[store.UserIndex](s, t)
	ctx := context.Background()
	save := func(user, data string) store.Record {
		r := record(clock, []byte(data))
		r.UserID, r.IPAddress, r.UserAgent = user, "203.0.113.7", "Browser/"+data
		mustSave(t, st, r)
		return r
	}
	a1, a2 := save("alice", "laptop"), save("alice", "phone")
	b1 := save("bob", "desktop")
	save("", "anonymous")
	if got := mustLoad(t, st, a1.ID); got.UserID != "alice" || got.IPAddress != "203.0.113.7" || got.UserAgent != "Browser/laptop" {
		t.Fatalf("Load lost the UserID, IPAddress or UserAgent: %q, %q, %q", got.UserID, got.IPAddress, got.UserAgent)
	}
	if got, want := handles(t, ui, "alice"), sorted(a1.ID, a2.ID); !equal(got, want) {
		t.Fatalf("alice's sessions = %v, want %v", got, want)
	}
	list, _ := ui.UserSessions(ctx, "alice")
	for _, us := range list {
		if string(us.Record.Data) != "laptop" && string(us.Record.Data) != "phone" || !sameTime(us.Record.Expires, a1.Expires) ||
			us.Record.UserAgent != "Browser/"+string(us.Record.Data) || us.Record.IPAddress != "203.0.113.7" {
			t.Errorf("listed record %+v", us.Record)
		}
	}
	if got := handles(t, ui, "nobody"); len(got) != 0 {
		t.Fatalf("a user without sessions has %v", got)
	}

	// Ending a session by handle, but only the user's own.
	if err := ui.DeleteUserSession(ctx, "bob", store.HashID(a1.ID)); err != nil {
		t.Fatal(err)
	}
	mustLoad(t, st, a1.ID)
	if err := ui.DeleteUserSession(ctx, "alice", store.HashID(a1.ID)); err != nil {
		t.Fatal(err)
	}
	wantNotFound(t, st, a1.ID, "session ended by handle")
	if err := ui.DeleteUserSession(ctx, "alice", store.HashID(a1.ID)); err != nil {
		t.Fatalf("ending an ended session: %v", err)
	}
	if err := ui.DeleteUserSession(ctx, "alice", "not-a-handle"); err != nil {
		t.Fatalf("ending a malformed handle: %v", err)
	}

	// Deleted, re-assigned and expired sessions are not listed.
	if err := st.Delete(ctx, b1.ID); err != nil {
		t.Fatal(err)
	}
	if got := handles(t, ui, "bob"); len(got) != 0 {
		t.Fatalf("deleted session listed: %v", got)
	}
	a2.UserID = "carol"
	mustSave(t, st, a2)
	if got := handles(t, ui, "alice"); len(got) != 0 {
		t.Fatalf("a session now of carol is listed for alice: %v", got)
	}
	if got := handles(t, ui, "carol"); !equal(got, sorted(a2.ID)) {
		t.Fatalf("carol's sessions = %v", got)
	}
	if !s.opts.RealClock {
		short := record(clock, []byte("short"))
		short.UserID, short.Expires = "dave", clock.Now().Add(time.Minute)
		mustSave(t, st, short)
		clock.Advance(2 * time.Minute)
		if got := handles(t, ui, "dave"); len(got) != 0 {
			t.Fatalf("expired session listed: %v", got)
		}
	}
}
