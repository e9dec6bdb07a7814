package filestore_test

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/seed-699a33a2/session/filestore"
	"github.com/seed-699a33a2/session/store"
	"github.com/seed-699a33a2/session/store/storetest"
)

// TestFolderOthersCanWriteIntoIsRefused: an existing folder that its group
// or everyone may write into, or that another user owns, is refused with an
// error naming the folder, the mode or the owner; whoever can write into
// it could plant sessions.
func TestFolderOthersCanWriteIntoIsRefused(t *testing.T) {
	for _, mode := range []os.FileMode{0o770, 0o707, 0o777, 0o1777} {
		dir := filepath.Join(t.TempDir(), "sessions")
		if err := os.Mkdir(dir, 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(dir, mode); err != nil {
			t.Fatal(err)
		}
		_, err := filestore.New(dir, filestore.Options{})
		if err == nil || !strings.Contains(err.Error(), dir) || !strings.Contains(err.Error(), "writable (mode d") || !strings.Contains(err.Error(), "chmod 700") {
			t.Errorf("mode %v: New = %v, want a refusal naming the folder and its mode", mode, err)
		}
	}
	ok := filepath.Join(t.TempDir(), "sessions")
	if err := os.Mkdir(ok, 0o750); err != nil {
		t.Fatal(err)
	}
	if _, err := filestore.New(ok, filestore.Options{}); err != nil {
		t.Errorf("a folder others may read but not write: %v", err)
	}
	if os.Geteuid() != 0 {
		t.Skip("the owner check needs root to give a folder away (CI runs as root)")
	}
	theirs := filepath.Join(t.TempDir(), "sessions")
	if err := os.Mkdir(theirs, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Chown(theirs, 65534, 65534); err != nil {
		t.Fatal(err)
	}
	_, err := filestore.New(theirs, filestore.Options{})
	if err == nil || !strings.Contains(err.Error(), "owned by another user (uid 65534") {
		t.Errorf("a folder of uid 65534: New = %v, want a refusal naming the owner", err)
	}
}

// TestPlantedLinksAreNeverFollowed: a symbolic link under a session's name,
// to a real session file elsewhere or inside the folder, does not load;
// a Save replaces the link and writes nothing outside the folder; a users
// folder that is a link is never entered.
func TestPlantedLinksAreNeverFollowed(t *testing.T) {
	parent := t.TempDir()
	clock := storetest.NewClock(time.Now())
	elsewhere := newStore(t, filepath.Join(parent, "elsewhere"), filestore.Options{Now: clock.Now})
	victim := rec(clock.Now(), "someone else's session", time.Hour)
	mustSave(t, elsewhere, victim)
	target := sessionPath(elsewhere, victim.ID)
	before, err := os.ReadFile(target)
	if err != nil {
		t.Fatal(err)
	}

	s := newStore(t, filepath.Join(parent, "sessions"), filestore.Options{Now: clock.Now})
	inside := rec(clock.Now(), "a session of this store", time.Hour)
	mustSave(t, s, inside)
	for name, to := range map[string]string{"outside": target, "inside": sessionPath(s, inside.ID)} {
		if err := os.Symlink(to, sessionPath(s, victim.ID)); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Load(context.Background(), victim.ID); !errors.Is(err, store.ErrCorrupt) {
			t.Errorf("a link to a session file %s the folder loaded: %v", name, err)
		}
		// A save replaces the link itself.
		r := victim
		r.Data = []byte("written by the store")
		mustSave(t, s, r)
		fi, err := os.Lstat(sessionPath(s, victim.ID))
		if err != nil || !fi.Mode().IsRegular() {
			t.Fatalf("after a Save over a link (%s): %v, %v", name, fi, err)
		}
		if err := os.Remove(sessionPath(s, victim.ID)); err != nil {
			t.Fatal(err)
		}
	}
	if after, err := os.ReadFile(target); err != nil || string(after) != string(before) {
		t.Fatalf("the link's target outside the folder changed: %v", err)
	}
	if _, err := s.Load(context.Background(), inside.ID); err != nil {
		t.Fatalf("the linked-to session inside the folder: %v", err)
	}

	// A users folder planted as a link to a folder outside.
	outside := filepath.Join(parent, "outside-users")
	if err := os.Mkdir(outside, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(outside, filepath.Join(s.Dir(), "users")); err != nil {
		t.Fatal(err)
	}
	signed := rec(clock.Now(), "x", time.Hour)
	signed.UserID = "alice"
	if _, err := s.Save(context.Background(), signed); !errors.Is(err, store.ErrBackend) {
		t.Errorf("Save of a signed-in session with users/ a link: %v, want an error", err)
	}
	if list, err := s.UserSessions(context.Background(), "alice"); err != nil || len(list) != 0 {
		t.Errorf("UserSessions through a users/ link: %v, %v", list, err)
	}
	if entries, _ := os.ReadDir(outside); len(entries) != 0 {
		t.Errorf("the store wrote into the folder users/ links to: %v", entries)
	}
}

// TestSweepRemovesOnlyWhatItCanProveItsOwn: a session's name holding
// another program's file, and another program's temporary file, stay
// however old; the store's expired sessions and its old temporary files go.
func TestSweepRemovesOnlyWhatItCanProveItsOwn(t *testing.T) {
	clock := storetest.NewClock(time.Now())
	s := newStore(t, t.TempDir(), filestore.Options{Now: clock.Now})
	expired := rec(clock.Now(), "mine", time.Minute)
	mustSave(t, s, expired)
	foreign := map[string][]byte{
		store.HashID(store.NewID()) + ".session": []byte("SQLite format 3\x00 not a session of ours"),
		store.HashID(store.NewID()) + ".session": []byte("SESS"), // too short to prove it ours
		".tmp-upload-42.bin":                     []byte("an upload in progress"),
		".tmp-session-1234":                      []byte("not the store's name shape"),
	}
	old := time.Now().Add(-48 * time.Hour)
	for n, b := range foreign {
		p := filepath.Join(s.Dir(), n)
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Chtimes(p, old, old); err != nil {
			t.Fatal(err)
		}
	}
	clock.Advance(time.Hour)
	if n, err := s.DeleteExpired(context.Background()); err != nil || n != 1 {
		t.Fatalf("DeleteExpired = %d, %v; want 1", n, err)
	}
	for n := range foreign {
		if _, err := os.Stat(filepath.Join(s.Dir(), n)); err != nil {
			t.Errorf("the sweep removed %s, which it cannot prove its own: %v", n, err)
		}
	}
	if _, err := os.Stat(sessionPath(s, expired.ID)); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("the expired session stayed: %v", err)
	}
}

// TestUserIndexFolderForgetsEndedSessions: the users/ folder holds a link
// per live signed-in session only: deleted, re-tied and expired sessions
// take their links with them, and a user without sessions has no folder.
func TestUserIndexFolderForgetsEndedSessions(t *testing.T) {
	clock := storetest.NewClock(time.Now())
	s := newStore(t, t.TempDir(), filestore.Options{Now: clock.Now, CleanupInterval: -1})
	ctx := context.Background()
	var ids []string
	for i := range 500 {
		r := rec(clock.Now(), "x", time.Minute)
		r.UserID = fmt.Sprint("user-", i)
		mustSave(t, s, r)
		ids = append(ids, r.ID)
	}
	users := func() int {
		t.Helper()
		entries, err := os.ReadDir(filepath.Join(s.Dir(), "users"))
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			t.Fatal(err)
		}
		return len(entries)
	}
	if users() != 500 {
		t.Fatalf("%d user folders for 500 users", users())
	}
	if err := s.Delete(ctx, ids[0]); err != nil {
		t.Fatal(err)
	}
	retied := rec(clock.Now(), "x", time.Minute)
	retied.ID, retied.UserID = ids[1], ""
	mustSave(t, s, retied)
	if users() != 498 {
		t.Fatalf("after a delete and a sign-out: %d user folders, want 498", users())
	}
	clock.Advance(2 * time.Minute)
	if _, err := s.DeleteExpired(ctx); err != nil {
		t.Fatal(err)
	}
	if users() != 0 {
		t.Fatalf("after every session expired and was swept: %d user folders", users())
	}
}
