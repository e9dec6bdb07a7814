package gormstore_test

import (
	"context"
	"database/sql"
	"fmt"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/seed-699a33a2/session/gormstore"
	"github.com/seed-699a33a2/session/store"
	"github.com/seed-699a33a2/session/store/storetest"
)

// readUser returns the user_id column of the row of id.
func readUser(t *testing.T, db *gorm.DB, table, id string) sql.NullString {
	t.Helper()
	var u sql.NullString
	if err := db.Table(table).Select("user_id").Where("id = ?", store.HashID(id)).Row().Scan(&u); err != nil {
		t.Fatalf("read user_id: %v", err)
	}
	return u
}

// TestUserIDColumn follows the user_id column through every way of writing
// a row: Save and SaveIf (insert and update) write the record's UserID, or
// NULL for none, and Load returns it.
func TestUserIDColumn(t *testing.T) {
	forEachDialect(t, func(t *testing.T, db *gorm.DB) {
		clock := storetest.NewClock(epoch)
		st, table := newStore(t, db, gormstore.Options{Now: clock.Now})
		ctx := context.Background()
		check := func(when string, r store.Record, want string) {
			t.Helper()
			got := readUser(t, db, table, r.ID)
			if got.Valid != (want != "") || got.String != want {
				t.Errorf("%s: user_id = %+v, want %q (NULL for none)", when, got, want)
			}
			l, err := st.Load(ctx, r.ID)
			if err != nil || l.UserID != want {
				t.Errorf("%s: Load = user %q, %v; want %q", when, l.UserID, err, want)
			}
		}

		r := record(clock, "x")
		save(t, st, r)
		check("Save without a user", r, "")
		r.UserID = "alice"
		save(t, st, r)
		check("Save with a user", r, "alice")
		r.UserID = "bob"
		save(t, st, r)
		check("Save to another user", r, "bob")
		r.UserID = ""
		save(t, st, r)
		check("Save without the user", r, "")

		n := record(clock, "y")
		n.UserID = "carol"
		_, v, err := st.SaveIf(ctx, n)
		if err != nil {
			t.Fatal(err)
		}
		check("SaveIf insert", n, "carol")
		n.Version, n.UserID = v, "dave"
		if _, v, err = st.SaveIf(ctx, n); err != nil {
			t.Fatal(err)
		}
		check("SaveIf update", n, "dave")
		n.Version, n.UserID = v, ""
		if _, _, err = st.SaveIf(ctx, n); err != nil {
			t.Fatal(err)
		}
		check("SaveIf update without the user", n, "")
		if list, err := st.UserSessions(ctx, "dave"); err != nil || len(list) != 0 {
			t.Errorf("dave's sessions = %+v, %v; want none", list, err)
		}
	})
}

// TestUserSessionsExact checks that user IDs match byte for byte on every
// dialect, MySQL's case-insensitive, space-padding collations included:
// neither "ALICE" nor "alice " lists or ends alice's session.
func TestUserSessionsExact(t *testing.T) {
	forEachDialect(t, func(t *testing.T, db *gorm.DB) {
		clock := storetest.NewClock(epoch)
		st, _ := newStore(t, db, gormstore.Options{Now: clock.Now})
		ctx := context.Background()
		r := record(clock, "x")
		r.UserID = "alice"
		save(t, st, r)
		for _, user := range []string{"ALICE", "alice ", "Alice"} {
			if list, err := st.UserSessions(ctx, user); err != nil || len(list) != 0 {
				t.Errorf("UserSessions(%q) = %+v, %v; want none", user, list, err)
			}
			if err := st.DeleteUserSession(ctx, user, store.HashID(r.ID)); err != nil {
				t.Fatal(err)
			}
			if _, err := st.Load(ctx, r.ID); err != nil {
				t.Fatalf("DeleteUserSession(%q) ended alice's session: %v", user, err)
			}
		}
		list, err := st.UserSessions(ctx, "alice")
		if err != nil || len(list) != 1 {
			t.Fatalf("UserSessions(alice) = %+v, %v", list, err)
		}
		us := list[0]
		if us.Handle != store.HashID(r.ID) || us.Record.ID != "" || string(us.Record.Data) != "x" || us.Record.Version != 1 ||
			!us.Record.Created.Equal(r.Created) || !us.Record.Expires.Equal(r.Expires) || us.Record.Expires.Location() != time.UTC {
			t.Errorf("listed %+v", us)
		}
	})
}

// TestUserKeepsLock checks that a save that ties the session to a user
// leaves the session's lock alone.
func TestUserKeepsLock(t *testing.T) {
	forEachDialect(t, func(t *testing.T, db *gorm.DB) {
		clock := storetest.NewClock(epoch)
		st, table := newStore(t, db, gormstore.Options{Now: clock.Now})
		ctx := context.Background()
		r := record(clock, "x")
		save(t, st, r)
		unlock, err := st.Lock(ctx, r.ID, time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		defer unlock(ctx)
		r.UserID = "alice"
		save(t, st, r)
		var token sql.NullString
		if err := db.Table(table).Select("lock_token").Where("id = ?", store.HashID(r.ID)).Row().Scan(&token); err != nil {
			t.Fatal(err)
		}
		if !token.Valid {
			t.Error("a save with a user cleared the lock")
		}
	})
}

// TestUserIndexForgetsEndedSessions: the index is the user_id column of
// each row, so it goes with the row: once every signed-in session has
// expired and been pruned, no row holds a user, and a deleted session's
// user is gone at once.
func TestUserIndexForgetsEndedSessions(t *testing.T) {
	forEachDialect(t, func(t *testing.T, db *gorm.DB) {
		clock := storetest.NewClock(epoch)
		st, table := newStore(t, db, gormstore.Options{Now: clock.Now, CleanupInterval: -1})
		ctx := context.Background()
		signedIn := func() int64 {
			t.Helper()
			var n int64
			if err := db.Table(table).Where("user_id IS NOT NULL").Count(&n).Error; err != nil {
				t.Fatal(err)
			}
			return n
		}
		var first store.Record
		for i := range 200 {
			r := record(clock, "x")
			r.Expires, r.UserID = clock.Now().Add(time.Minute), fmt.Sprint("user-", i)
			save(t, st, r)
			if i == 0 {
				first = r
			}
		}
		if err := st.Delete(ctx, first.ID); err != nil {
			t.Fatal(err)
		}
		if n := signedIn(); n != 199 {
			t.Fatalf("%d signed-in rows after a delete, want 199", n)
		}
		clock.Advance(2 * time.Minute)
		if _, err := st.DeleteExpired(ctx); err != nil {
			t.Fatal(err)
		}
		if n := signedIn(); n != 0 {
			t.Fatalf("%d signed-in rows after every session expired and was pruned", n)
		}
	})
}
