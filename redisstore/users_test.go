package redisstore_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/seed-699a33a2/session/redisstore"
	"github.com/seed-699a33a2/session/store"
)

func userKey(prefix, user string) string {
	sum := sha256.Sum256([]byte(user))
	return prefix + "user:" + hex.EncodeToString(sum[:])
}

// TestUserValueLayout reads the raw value of a session tied to a user, and
// of the same session after it is tied to nobody: format 5 both (see
// wantV5).
func TestUserValueLayout(t *testing.T) {
	c := singleClient(t)
	s, prefix := newStore(t, c)
	ctx := context.Background()
	created := time.Unix(1700000000, 123456789)
	r := store.Record{ID: store.NewID(), Data: []byte("data"), Created: created, Expires: time.Now().Add(time.Hour), UserID: "bob@example.com"}
	if _, err := s.Save(ctx, r); err != nil {
		t.Fatal(err)
	}
	val, err := c.Get(ctx, prefix+store.HashID(r.ID)).Bytes()
	if err != nil {
		t.Fatal(err)
	}
	if want := wantV5(1, r); string(val) != string(want) {
		t.Errorf("value %q, want %q", val, want)
	}

	r.UserID = ""
	if _, err := s.Save(ctx, r); err != nil {
		t.Fatal(err)
	}
	if val, err = c.Get(ctx, prefix+store.HashID(r.ID)).Bytes(); err != nil || string(val) != string(wantV5(2, r)) {
		t.Errorf("value after a save without user: %q, %v; want %q", val, err, wantV5(2, r))
	}
	if got, err := s.Load(ctx, r.ID); err != nil || got.UserID != "" || got.Version != 2 {
		t.Errorf("Load = user %q v%d, %v; want no user, v2", got.UserID, got.Version, err)
	}
}

// TestUserIndexKey checks the index on every deployment: a sorted set of
// its own (not holding the user ID in the clear), scored by expiry and
// expiring with its latest member, kept up by saves and touches.
func TestUserIndexKey(t *testing.T) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			c := b.client(t)
			s, prefix := newStore(t, c)
			ctx := context.Background()
			idx := userKey(prefix, "alice")
			exp := time.Now().Add(time.Hour).Truncate(time.Millisecond)
			r := store.Record{ID: store.NewID(), Data: []byte("x"), Expires: exp, UserID: "alice"}
			if _, err := s.Save(ctx, r); err != nil {
				t.Fatal(err)
			}
			check := func(when string, score, keyExp time.Time) {
				t.Helper()
				got, err := c.ZScore(ctx, idx, store.HashID(r.ID)).Result()
				if err != nil || int64(got) != score.UnixMilli() {
					t.Errorf("%s: ZSCORE = %v, %v; want %d", when, int64(got), err, score.UnixMilli())
				}
				pe, err := c.PExpireTime(ctx, idx).Result()
				if err != nil || int64(pe/time.Millisecond) != keyExp.UnixMilli() {
					t.Errorf("%s: PEXPIRETIME = %v, %v; want %d", when, pe, err, keyExp.UnixMilli())
				}
			}
			check("after Save", exp, exp)

			keys, err := scanKeys(ctx, c, prefix)
			if err != nil {
				t.Fatal(err)
			}
			if _, ok := keys[idx]; !ok || len(keys) != 2 {
				t.Errorf("keys %v, want the session's and %s", keys, idx)
			}
			for k := range keys {
				if strings.Contains(k, "alice") {
					t.Errorf("key %q holds the user ID", k)
				}
			}

			// A touch that extends the session moves the entry and the key's
			// expiry along; an earlier expiry moves neither back.
			later := exp.Add(time.Hour)
			if err := s.Touch(ctx, r.ID, later); err != nil {
				t.Fatal(err)
			}
			check("after Touch", later, later)
			r.Expires = exp.Add(30 * time.Minute)
			if _, err := s.Save(ctx, r); err != nil {
				t.Fatal(err)
			}
			check("after a Save with an earlier expiry", later, later)
			other := store.Record{ID: store.NewID(), Expires: exp, UserID: "alice"}
			if _, _, err := s.SaveIf(ctx, other); err != nil {
				t.Fatal(err)
			}
			check("after another session's SaveIf", later, later)
			list, err := s.UserSessions(ctx, "alice")
			if err != nil || len(list) != 2 {
				t.Fatalf("UserSessions = %d, %v; want 2", len(list), err)
			}
			for _, us := range list {
				if us.Handle == store.HashID(r.ID) && !us.Record.Expires.Equal(r.Expires) {
					t.Errorf("listed expiry %v, want %v", us.Record.Expires, r.Expires)
				}
			}

			// Ending the sessions empties the index, which then is gone.
			for _, us := range list {
				if err := s.DeleteUserSession(ctx, "alice", us.Handle); err != nil {
					t.Fatal(err)
				}
			}
			if n, err := c.Exists(ctx, idx).Result(); err != nil || n != 0 {
				t.Errorf("EXISTS index after the last session ended = %d, %v; want 0", n, err)
			}
		})
	}
}

// TestUserIndexDropsDead fills an index with members that name no live
// session of its user: a reader lists none of them and removes them all.
func TestUserIndexDropsDead(t *testing.T) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			c := b.client(t)
			s, prefix := newStore(t, c)
			ctx := context.Background()
			idx := userKey(prefix, "alice")
			save := func(user string) store.Record {
				t.Helper()
				r := store.Record{ID: store.NewID(), Data: []byte("x"), Expires: time.Now().Add(time.Hour), UserID: user}
				if _, err := s.Save(ctx, r); err != nil {
					t.Fatal(err)
				}
				return r
			}
			live := save("alice")
			deleted := save("alice")
			if err := s.Delete(ctx, deleted.ID); err != nil {
				t.Fatal(err)
			}
			moved := save("alice")
			moved.UserID = "bob"
			if _, err := s.Save(ctx, moved); err != nil {
				t.Fatal(err)
			}
			signedOut := save("alice")
			signedOut.UserID = ""
			if _, err := s.Save(ctx, signedOut); err != nil {
				t.Fatal(err)
			}
			// Written by hand: a session in format 2 (no user), garbage under
			// a session's key, a member that is no handle, and an expired
			// score.
			anon := store.NewID()
			if err := c.Set(ctx, prefix+store.HashID(anon), "\x02\x00\x00\x00\x00\x00\x00\x00\x01\x00\x00\x00\x00\x00\x00\x00\x00x", time.Hour).Err(); err != nil {
				t.Fatal(err)
			}
			garbage := store.NewID()
			if err := c.Set(ctx, prefix+store.HashID(garbage), "\x03\x00\x00\x00\x00\x00\x00\x00\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x09alice", time.Hour).Err(); err != nil {
				t.Fatal(err)
			}
			future := float64(time.Now().Add(time.Hour).UnixMilli())
			if err := c.ZAdd(ctx, idx,
				redis.Z{Score: future, Member: store.HashID(anon)},
				redis.Z{Score: future, Member: store.HashID(garbage)},
				redis.Z{Score: future, Member: "../not-a-handle"},
				redis.Z{Score: float64(time.Now().Add(-time.Minute).UnixMilli()), Member: store.HashID(store.NewID())},
			).Err(); err != nil {
				t.Fatal(err)
			}
			// The deleted, moved and signed-out sessions left the index
			// as they went: only the live one and the four by hand remain.
			if n, _ := c.ZCard(ctx, idx).Result(); n != 5 {
				t.Fatalf("index has %d members, want 5", n)
			}

			list, err := s.UserSessions(ctx, "alice")
			if err != nil {
				t.Fatal(err)
			}
			if len(list) != 1 || list[0].Handle != store.HashID(live.ID) || list[0].Record.UserID != "alice" ||
				string(list[0].Record.Data) != "x" || list[0].Record.ID != "" || list[0].Record.Version != 1 {
				t.Fatalf("UserSessions = %+v, want only the live session", list)
			}
			members, err := c.ZRange(ctx, idx, 0, -1).Result()
			if err != nil || len(members) != 1 || members[0] != store.HashID(live.ID) {
				t.Errorf("index after the read = %q, %v; want only the live session", members, err)
			}
			if list, err := s.UserSessions(ctx, "bob"); err != nil || len(list) != 1 || list[0].Handle != store.HashID(moved.ID) {
				t.Errorf("bob's sessions = %+v, %v", list, err)
			}
		})
	}
}

// TestDeleteUserSessionChecksUser checks that a handle ends a session only
// for its own user, and that a session without a user (format 2, or format
// 1 of earlier releases) never matches, whatever the user.
func TestDeleteUserSessionChecksUser(t *testing.T) {
	c := singleClient(t)
	s, prefix := newStore(t, c)
	ctx := context.Background()
	r := store.Record{ID: store.NewID(), Data: []byte("x"), Expires: time.Now().Add(time.Hour), UserID: "alice"}
	if _, err := s.Save(ctx, r); err != nil {
		t.Fatal(err)
	}
	for _, user := range []string{"bob", "alic", "alice2", "ALICE"} {
		if err := s.DeleteUserSession(ctx, user, store.HashID(r.ID)); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Load(ctx, r.ID); err != nil {
			t.Fatalf("DeleteUserSession(%q) ended alice's session: %v", user, err)
		}
	}
	for _, h := range []string{"", strings.ToUpper(store.HashID(r.ID)), store.HashID(r.ID) + ":lock", "user:" + store.HashID(r.ID)[5:]} {
		if err := s.DeleteUserSession(ctx, "alice", h); err != nil {
			t.Fatalf("DeleteUserSession(%q): %v", h, err)
		}
	}
	if _, err := s.Load(ctx, r.ID); err != nil {
		t.Fatalf("a malformed handle ended the session: %v", err)
	}

	for name, val := range map[string][]byte{
		"format 1": formatV1(time.Now(), "x"),
		"format 2": []byte("\x02\x00\x00\x00\x00\x00\x00\x00\x01\x00\x00\x00\x00\x00\x00\x00\x00x"),
	} {
		id := store.NewID()
		if err := c.Set(ctx, prefix+store.HashID(id), val, time.Hour).Err(); err != nil {
			t.Fatal(err)
		}
		for _, user := range []string{"", "x"} {
			if err := s.DeleteUserSession(ctx, user, store.HashID(id)); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := s.Load(ctx, id); err != nil {
			t.Errorf("%s: a session without a user was ended by handle: %v", name, err)
		}
	}
	if list, err := s.UserSessions(ctx, ""); err != nil || len(list) != 0 {
		t.Errorf("UserSessions(\"\") = %v, %v; want none", list, err)
	}

	if err := s.DeleteUserSession(ctx, "alice", store.HashID(r.ID)); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Load(ctx, r.ID); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("Load after DeleteUserSession = %v, want ErrNotFound", err)
	}
}

// TestUserIndexUnreachable: the user-index calls fail as backend errors.
func TestUserIndexUnreachable(t *testing.T) {
	c := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", DialTimeout: 200 * time.Millisecond, MaxRetries: -1, DialerRetries: 1})
	t.Cleanup(func() { _ = c.Close() })
	s := redisstore.New(c, redisstore.Options{})
	ctx := context.Background()
	if _, err := s.UserSessions(ctx, "alice"); !errors.Is(err, store.ErrBackend) {
		t.Errorf("UserSessions = %v, want ErrBackend", err)
	}
	if err := s.DeleteUserSession(ctx, "alice", store.HashID(store.NewID())); !errors.Is(err, store.ErrBackend) {
		t.Errorf("DeleteUserSession = %v, want ErrBackend", err)
	}
	_, err := s.Save(ctx, store.Record{ID: store.NewID(), Expires: time.Now().Add(time.Hour), UserID: "alice"})
	if !errors.Is(err, store.ErrBackend) {
		t.Errorf("Save = %v, want ErrBackend", err)
	}
}

// TestUserIndexKeysForgetEndedSessions: a user's index key holds only the
// sessions tied to the user: deleting a session, tying it to another user
// or to none takes it out at once (and the key goes with its last member),
// and the key expires with the latest of its sessions, so that once every
// session has expired no index key is left.
func TestUserIndexKeysForgetEndedSessions(t *testing.T) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			c := b.client(t)
			s, prefix := newStore(t, c)
			ctx := context.Background()
			exists := func(user string) bool {
				t.Helper()
				n, err := c.Exists(ctx, userKey(prefix, user)).Result()
				if err != nil {
					t.Fatal(err)
				}
				return n == 1
			}
			save := func(user string, ttl time.Duration) store.Record {
				t.Helper()
				r := store.Record{ID: store.NewID(), Data: []byte("x"), Expires: time.Now().Add(ttl), UserID: user}
				if _, err := s.Save(ctx, r); err != nil {
					t.Fatal(err)
				}
				return r
			}
			deleted, retied, signedOut := save("ann", time.Hour), save("bo", time.Hour), save("cy", time.Hour)
			if !exists("ann") || !exists("bo") || !exists("cy") {
				t.Fatal("Save did not index the sessions")
			}
			if err := s.Delete(ctx, deleted.ID); err != nil {
				t.Fatal(err)
			}
			retied.UserID = "di"
			if _, _, err := s.SaveIf(ctx, store.Record{ID: retied.ID, Data: retied.Data, Expires: retied.Expires, UserID: "di", Version: 1}); err != nil {
				t.Fatal(err)
			}
			signedOut.UserID = ""
			if _, err := s.Save(ctx, signedOut); err != nil {
				t.Fatal(err)
			}
			if exists("ann") || exists("bo") || exists("cy") || !exists("di") {
				t.Fatalf("index keys after delete, re-tie and sign-out: ann %v, bo %v, cy %v, di %v",
					exists("ann"), exists("bo"), exists("cy"), exists("di"))
			}
			// The key expires with its latest session.
			short := save("eve", 20*time.Second)
			long := save("eve", 40*time.Second)
			exp, err := c.PExpireTime(ctx, userKey(prefix, "eve")).Result()
			if err != nil {
				t.Fatal(err)
			}
			if got := time.UnixMilli(int64(exp / time.Millisecond)); !got.Equal(time.UnixMilli(long.Expires.UnixMilli())) {
				t.Fatalf("eve's index expires at %v, want with her latest session at %v (not %v)", got, long.Expires, short.Expires)
			}
		})
	}
}
