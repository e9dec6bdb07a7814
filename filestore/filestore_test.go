package filestore_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/seed-699a33a2/session/filestore"
	"github.com/seed-699a33a2/session/store"
	"github.com/seed-699a33a2/session/store/storetest"
)

var (
	_ store.Store  = (*filestore.Store)(nil)
	_ store.Pruner = (*filestore.Store)(nil)
)

func newStore(t testing.TB, dir string, opts filestore.Options) *filestore.Store {
	t.Helper()
	s, err := filestore.New(dir, opts)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return s
}

// fileAbilities are the optional abilities the driver declares to the conformance
// suite: exactly those it implements.
const fileAbilities = storetest.CompareAndSet | storetest.Lock | storetest.UserIndex | storetest.List | storetest.Count | storetest.Prune

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T, now func() time.Time) store.Store {
		return newStore(t, t.TempDir(), filestore.Options{Now: now})
	}, storetest.Options{Abilities: fileAbilities})
}

func TestConformanceFsync(t *testing.T) {
	storetest.Run(t, func(t *testing.T, now func() time.Time) store.Store {
		return newStore(t, t.TempDir(), filestore.Options{Now: now, Fsync: true})
	}, storetest.Options{Abilities: fileAbilities})
}

func rec(now time.Time, data string, ttl time.Duration) store.Record {
	return store.Record{ID: store.NewID(), Data: []byte(data), Created: now.Add(-time.Minute), Expires: now.Add(ttl)}
}

func mustSave(t *testing.T, s *filestore.Store, r store.Record) {
	t.Helper()
	if _, err := s.Save(context.Background(), r); err != nil {
		t.Fatalf("Save: %v", err)
	}
}

func sessionPath(s *filestore.Store, id string) string {
	return filepath.Join(s.Dir(), store.HashID(id)+".session")
}

func wantCorrupt(t *testing.T, s *filestore.Store, id, why string) {
	t.Helper()
	_, err := s.Load(context.Background(), id)
	if !errors.Is(err, store.ErrCorrupt) || !errors.Is(err, store.ErrNotFound) || errors.Is(err, store.ErrBackend) {
		t.Errorf("%s: Load error = %v, want ErrCorrupt (and ErrNotFound, not ErrBackend)", why, err)
	}
}

func wantNotFound(t *testing.T, s *filestore.Store, id, why string) {
	t.Helper()
	_, err := s.Load(context.Background(), id)
	if !errors.Is(err, store.ErrNotFound) || errors.Is(err, store.ErrBackend) {
		t.Errorf("%s: Load error = %v, want ErrNotFound", why, err)
	}
}

// snapshot describes every file and folder under root, except skip (and
// what is under it): name, type, mode, size, modification time and a hash
// of the contents. The modification time of skip's folder is left out, as
// changes to skip change it.
func snapshot(t *testing.T, root, skip string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if path == skip {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		fi, err := os.Lstat(path)
		if err != nil {
			return err
		}
		desc := fmt.Sprintf("%v %d", fi.Mode(), fi.Size())
		if path != filepath.Dir(skip) {
			desc += fmt.Sprintf(" %d", fi.ModTime().UnixNano())
		}
		switch {
		case fi.Mode().IsRegular():
			b, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			desc += fmt.Sprintf(" %x", sha256.Sum256(b))
		case fi.Mode()&fs.ModeSymlink != 0:
			target, err := os.Readlink(path)
			if err != nil {
				return err
			}
			desc += " -> " + target
		}
		out[path] = desc
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func sameSnapshot(t *testing.T, before, after map[string]string) {
	t.Helper()
	for p, d := range before {
		if a, ok := after[p]; !ok {
			t.Errorf("%s was removed", p)
		} else if a != d {
			t.Errorf("%s changed: %s, was %s", p, a, d)
		}
	}
	for p := range after {
		if _, ok := before[p]; !ok {
			t.Errorf("%s was created", p)
		}
	}
}

// TestFlaw3PathTraversal is SPEC flaw 3: RapidGo's file driver built
// the path from the unchecked cookie value, so "../x" reached (and the
// middleware rewrote) any *.json file. Here the parent of the store's
// folder holds valid-looking session files under the names a traversal
// would reach; every hostile token must leave them unread, unchanged and in
// place, and nothing may appear outside the folder.
func TestFlaw3PathTraversal(t *testing.T) {
	parent := t.TempDir()
	dir := filepath.Join(parent, "sessions")
	clock := storetest.NewClock(time.Now())
	s := newStore(t, dir, filestore.Options{Now: clock.Now})
	ctx := context.Background()

	// A real session file, to copy into the sentinels: if the store ever
	// opened one of them, Load would succeed instead of ErrNotFound.
	donor := rec(clock.Now(), "stolen", time.Hour)
	mustSave(t, s, donor)
	valid, err := os.ReadFile(sessionPath(s, donor.ID))
	if err != nil {
		t.Fatal(err)
	}
	outsideID := store.NewID()
	sentinels := []string{
		"victim.json",
		"victim",
		"passwd",
		store.HashID(outsideID) + ".session",
		strings.Repeat("ab", 32) + ".session",
		filepath.Join("etc", "passwd"),
		filepath.Join("etc", "passwd.session"),
	}
	for _, n := range sentinels {
		p := filepath.Join(parent, n)
		if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, valid, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	before := snapshot(t, parent, dir)

	tokens := storetest.GarbageTokens()
	for _, n := range sentinels {
		tokens["sentinel "+n] = "../" + n
		tokens["sentinel stem "+n] = "../" + strings.TrimSuffix(strings.TrimSuffix(n, ".json"), ".session")
	}
	for name, tok := range tokens {
		if _, err := s.Load(ctx, tok); !errors.Is(err, store.ErrNotFound) || errors.Is(err, store.ErrBackend) {
			t.Errorf("Load(%s) = %.300v, want ErrNotFound", name, err)
		}
		r := rec(clock.Now(), "overwrite", time.Hour)
		r.ID = tok
		if !store.ValidID(tok) { // a few garbage tokens are well-formed IDs
			if _, err := s.Save(ctx, r); !errors.Is(err, store.ErrInvalidID) {
				t.Errorf("Save(%s) = %.300v, want ErrInvalidID", name, err)
			}
		}
		r.Expires = clock.Now().Add(-time.Hour) // the delete path of Save
		if _, err := s.Save(ctx, r); err != nil && !errors.Is(err, store.ErrInvalidID) {
			t.Errorf("expired Save(%s) = %.300v", name, err)
		}
		if err := s.Delete(ctx, tok); err != nil {
			t.Errorf("Delete(%s) = %.300v, want nil", name, err)
		}
	}
	// The session whose file sits outside the folder does not exist.
	wantNotFound(t, s, outsideID, "session file outside the folder")
	clock.Advance(24 * time.Hour)
	if _, err := s.DeleteExpired(ctx); err != nil {
		t.Fatal(err)
	}
	sameSnapshot(t, before, snapshot(t, parent, dir))

	// Inside the folder, only the donor's file (now swept) ever existed.
	for _, e := range entriesBesideLocks(t, dir) {
		t.Errorf("unexpected %s in the store's folder", e.Name())
	}
}

func TestFolderAndFileModes(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "a", "b")
	s := newStore(t, dir, filestore.Options{})
	r := rec(time.Now(), "secret", time.Hour)
	mustSave(t, s, r)
	fi, err := os.Stat(dir)
	if err != nil {
		t.Fatal(err)
	}
	if got := fi.Mode().Perm(); got != 0o700 {
		t.Errorf("folder mode %v, want 0700", got)
	}
	entries := entriesBesideLocks(t, dir)
	if len(entries) != 1 || entries[0].Name() != store.HashID(r.ID)+".session" {
		t.Fatalf("folder holds %v, want one file named by the ID's hash", entries)
	}
	fi, err = entries[0].Info()
	if err != nil {
		t.Fatal(err)
	}
	if got := fi.Mode(); got != 0o600 {
		t.Errorf("file mode %v, want -rw-------", got)
	}
	b, err := os.ReadFile(filepath.Join(dir, entries[0].Name()))
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(b, []byte(r.ID)) {
		t.Error("the session file contains the raw ID")
	}
}

func TestCorruptFiles(t *testing.T) {
	clock := storetest.NewClock(time.Now())
	s := newStore(t, t.TempDir(), filestore.Options{Now: clock.Now})
	r := rec(clock.Now(), "some session data", time.Hour)
	mustSave(t, s, r)
	path := sessionPath(s, r.ID)
	good, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	write := func(b []byte) {
		t.Helper()
		if err := os.WriteFile(path, b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	for n := range len(good) {
		write(good[:n])
		wantCorrupt(t, s, r.ID, fmt.Sprintf("truncated to %d bytes", n))
	}
	// A slotted file's slot may hold more than its record (what is left of
	// a longer one): a byte after the record is not damage, and is ignored.
	write(append(bytes.Clone(good), 0))
	if got, err := s.Load(context.Background(), r.ID); err != nil || string(got.Data) != string(r.Data) {
		t.Fatalf("a byte after the record: Load = %q, %v", got.Data, err)
	}
	for i := range len(good) {
		for _, bit := range []byte{0x01, 0x80} {
			b := bytes.Clone(good)
			b[i] ^= bit
			write(b)
			wantCorrupt(t, s, r.ID, fmt.Sprintf("byte %d flipped by %#x", i, bit))
		}
	}
	write(good)
	if got, err := s.Load(context.Background(), r.ID); err != nil || string(got.Data) != string(r.Data) {
		t.Fatalf("restored file: Load = %q, %v", got.Data, err)
	}

	// The sweep removes a session file whose header cannot be read, and
	// leaves one with a good header alone until it expires.
	write(good[:10])
	other := rec(clock.Now(), "other", time.Hour)
	mustSave(t, s, other)
	if n, err := s.DeleteExpired(context.Background()); err != nil || n != 1 {
		t.Fatalf("DeleteExpired = %d, %v; want 1 (the truncated file)", n, err)
	}
	if _, err := os.Stat(path); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("truncated file not removed: %v", err)
	}
	if _, err := s.Load(context.Background(), other.ID); err != nil {
		t.Errorf("intact session: %v", err)
	}
}

func TestStrayTempFile(t *testing.T) {
	clock := storetest.NewClock(time.Now())
	s := newStore(t, t.TempDir(), filestore.Options{Now: clock.Now})
	ctx := context.Background()
	r := rec(clock.Now(), "half-written", time.Hour)
	mustSave(t, s, r)
	b, err := os.ReadFile(sessionPath(s, r.ID))
	if err != nil {
		t.Fatal(err)
	}
	// A Save that crashed between writing its temporary file and renaming
	// it: the session's own file never appeared.
	if err := os.Remove(sessionPath(s, r.ID)); err != nil {
		t.Fatal(err)
	}
	tmp := filepath.Join(s.Dir(), ".tmp-session-"+strings.Repeat("0a", 16))
	if err := os.WriteFile(tmp, b, 0o600); err != nil {
		t.Fatal(err)
	}
	// Another program's temporary file, as old: never the store's to remove.
	foreign := filepath.Join(s.Dir(), ".tmp-upload-42.bin")
	if err := os.WriteFile(foreign, b, 0o600); err != nil {
		t.Fatal(err)
	}
	wantNotFound(t, s, r.ID, "session whose only file is a temporary one")

	if n, err := s.DeleteExpired(ctx); err != nil || n != 0 {
		t.Fatalf("DeleteExpired = %d, %v; want 0", n, err)
	}
	if _, err := os.Stat(tmp); err != nil {
		t.Fatalf("a fresh temporary file (maybe a Save in progress) was removed: %v", err)
	}
	old := time.Now().Add(-61 * time.Minute)
	for _, p := range []string{tmp, foreign} {
		if err := os.Chtimes(p, old, old); err != nil {
			t.Fatal(err)
		}
	}
	if n, err := s.DeleteExpired(ctx); err != nil || n != 0 {
		t.Fatalf("DeleteExpired = %d, %v; want 0 (temporary files are not sessions)", n, err)
	}
	if _, err := os.Stat(tmp); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("an hour-old temporary file was kept: %v", err)
	}
	if _, err := os.Stat(foreign); err != nil {
		t.Fatalf("another program's temporary file was removed: %v", err)
	}
}

func TestUnusableFolder(t *testing.T) {
	parent := t.TempDir()
	file := filepath.Join(parent, "file")
	if err := os.WriteFile(file, []byte("not a folder"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, dir := range []string{file, filepath.Join(file, "sessions")} {
		s, err := filestore.New(dir, filestore.Options{})
		if err == nil {
			s.Close()
			t.Errorf("New(%s) succeeded", dir)
			continue
		}
		if !errors.Is(err, store.ErrBackend) || !strings.Contains(err.Error(), file) {
			t.Errorf("New(%s) = %v, want ErrBackend naming the path", dir, err)
		}
		if !strings.HasPrefix(err.Error(), "file: ") {
			t.Errorf("error %q does not start with the driver's name", err)
		}
	}

	if _, err := filestore.New("", filestore.Options{}); err == nil {
		t.Error(`New("") succeeded`)
	}

	// SPEC flaw 10: the folder goes away under a running store. Every
	// operation fails with ErrBackend; none reports "no session".
	dir := filepath.Join(parent, "sessions")
	s := newStore(t, dir, filestore.Options{})
	r := rec(time.Now(), "x", time.Hour)
	mustSave(t, s, r)
	if err := os.RemoveAll(dir); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dir, []byte("a file now"), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	check := func(op string, err error) {
		t.Helper()
		if !errors.Is(err, store.ErrBackend) || errors.Is(err, store.ErrNotFound) {
			t.Errorf("%s into a folder replaced by a file: %v, want ErrBackend", op, err)
		}
	}
	_, err := s.Save(ctx, r)
	check("Save", err)
	_, err = s.Load(ctx, r.ID)
	check("Load", err)
	check("Delete", s.Delete(ctx, r.ID))
	_, err = s.DeleteExpired(ctx)
	check("DeleteExpired", err)
	entries, err := os.ReadDir(parent)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 2 {
		t.Errorf("parent holds %d entries, want 2 (no stray temporary file)", len(entries))
	}
}

// A Save whose rename fails removes its temporary file.
func TestFailedSaveLeavesNoTempFile(t *testing.T) {
	s := newStore(t, t.TempDir(), filestore.Options{})
	r := rec(time.Now(), "x", time.Hour)
	// A non-empty folder where the session's file should go.
	blocker := sessionPath(s, r.ID)
	if err := os.MkdirAll(filepath.Join(blocker, "x"), 0o700); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Save(context.Background(), r); !errors.Is(err, store.ErrBackend) {
		t.Fatalf("Save over a folder = %v, want ErrBackend", err)
	}
	if entries := entriesBesideLocks(t, s.Dir()); len(entries) != 1 {
		t.Fatalf("folder holds %d entries after a failed Save, want only the blocker", len(entries))
	}
	// A folder under a session's name is not a session: it does not load
	// (ErrCorrupt, logged by the manager), and is never followed.
	if _, err := s.Load(context.Background(), r.ID); !errors.Is(err, store.ErrCorrupt) {
		t.Errorf("Load of a folder = %v, want ErrCorrupt", err)
	}
}

func TestDeleteExpiredLeavesForeignFiles(t *testing.T) {
	parent := t.TempDir()
	dir := filepath.Join(parent, "sessions")
	clock := storetest.NewClock(time.Now())
	s := newStore(t, dir, filestore.Options{Now: clock.Now})
	r := rec(clock.Now(), "expires", time.Minute)
	mustSave(t, s, r)
	expired, err := os.ReadFile(sessionPath(s, r.ID))
	if err != nil {
		t.Fatal(err)
	}
	hex := store.HashID(store.NewID())
	foreign := map[string][]byte{
		"notes.txt":                       []byte("keep me"),
		"victim.json":                     expired,
		strings.ToUpper(hex) + ".session": expired,
		hex[:63] + ".session":             expired,
		hex + "0.session":                 expired,
		hex + ".session.bak":              expired,
		hex + ".SESSION":                  expired,
		hex + ".json":                     expired,
		"tmp-old":                         expired,
		"." + hex + ".session":            expired,
	}
	old := time.Now().Add(-48 * time.Hour)
	for n, b := range foreign {
		p := filepath.Join(dir, n)
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Chtimes(p, old, old); err != nil {
			t.Fatal(err)
		}
	}
	// Folders and a symbolic link under names the sweep would take.
	outside := filepath.Join(parent, "target.session")
	if err := os.WriteFile(outside, expired, 0o600); err != nil {
		t.Fatal(err)
	}
	hex2 := store.HashID(store.NewID())
	if err := os.Symlink(outside, filepath.Join(dir, hex2+".session")); err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{store.HashID(store.NewID()) + ".session", ".tmp-folder"} {
		p := filepath.Join(dir, n)
		if err := os.Mkdir(p, 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.Chtimes(p, old, old); err != nil {
			t.Fatal(err)
		}
	}
	before := snapshot(t, parent, sessionPath(s, r.ID))
	clock.Advance(time.Hour)
	if n, err := s.DeleteExpired(context.Background()); err != nil || n != 1 {
		t.Fatalf("DeleteExpired = %d, %v; want 1", n, err)
	}
	sameSnapshot(t, before, snapshot(t, parent, sessionPath(s, r.ID)))
	if _, err := os.Stat(sessionPath(s, r.ID)); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("the expired session's file is still there: %v", err)
	}
}

// TestFlaw4NoExpiredFileIsLoaded is SPEC flaw 4: RapidGo's session package ignored the
// age of what it read and never scheduled cleanup. An expired file must
// never load, whether or not the sweep has run, and also in a new store
// opened on the same folder (a restart).
func TestFlaw4NoExpiredFileIsLoaded(t *testing.T) {
	dir := t.TempDir()
	clock := storetest.NewClock(time.Now())
	s := newStore(t, dir, filestore.Options{Now: clock.Now, CleanupInterval: -1})
	r := rec(clock.Now(), "x", 10*time.Second)
	mustSave(t, s, r)
	clock.Advance(10 * time.Second)
	wantNotFound(t, s, r.ID, "at its expiry")
	clock.Advance(time.Hour)
	wantNotFound(t, s, r.ID, "an hour past its expiry")
	if _, err := os.Stat(sessionPath(s, r.ID)); err != nil {
		t.Fatalf("the file should still be on disk for this test: %v", err)
	}
	restarted := newStore(t, dir, filestore.Options{Now: clock.Now})
	wantNotFound(t, restarted, r.ID, "after a restart")
	if n, err := restarted.DeleteExpired(context.Background()); err != nil || n != 1 {
		t.Fatalf("DeleteExpired = %d, %v; want 1", n, err)
	}
}

// TestBackgroundSweep checks that the sweeper removes expired files and
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
	s, err := filestore.New(t.TempDir(), filestore.Options{Now: now, CleanupInterval: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	short := rec(clock.Now(), "short", time.Minute)
	mustSave(t, s, short)
	mustSave(t, s, rec(clock.Now(), "long", 24*time.Hour)) // makes every sweep read the clock
	clock.Advance(2 * time.Minute)
	deadline := time.Now().Add(10 * time.Second)
	for {
		if _, err := os.Stat(sessionPath(s, short.ID)); errors.Is(err, fs.ErrNotExist) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the background sweep did not remove the expired file")
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

func TestTimesRoundTrip(t *testing.T) {
	s := newStore(t, t.TempDir(), filestore.Options{})
	ctx := context.Background()
	created := time.Date(2031, 4, 5, 6, 7, 8, 123456789, time.FixedZone("X", 3600))
	for name, tc := range map[string]struct{ created, expires, wantExpires time.Time }{
		"nanoseconds":  {created, created.Add(time.Hour), created.Add(time.Hour)},
		"zero created": {time.Time{}, created.Add(time.Hour), created.Add(time.Hour)},
		"far future":   {created, time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC), time.Unix(0, 1<<63-1)},
	} {
		t.Run(name, func(t *testing.T) {
			r := store.Record{ID: store.NewID(), Created: tc.created, Expires: tc.expires}
			if _, err := s.Save(ctx, r); err != nil {
				t.Fatal(err)
			}
			got, err := s.Load(ctx, r.ID)
			if err != nil {
				t.Fatal(err)
			}
			if !got.Created.Equal(tc.created) || got.Created.IsZero() != tc.created.IsZero() {
				t.Errorf("Created = %v, want %v", got.Created, tc.created)
			}
			if !got.Expires.Equal(tc.wantExpires) {
				t.Errorf("Expires = %v, want %v", got.Expires, tc.wantExpires)
			}
		})
	}
}

func TestCancelledDeleteExpired(t *testing.T) {
	s := newStore(t, t.TempDir(), filestore.Options{})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := s.DeleteExpired(ctx)
	if !errors.Is(err, context.Canceled) || !errors.Is(err, store.ErrBackend) {
		t.Errorf("DeleteExpired: %v, want context.Canceled and ErrBackend", err)
	}
}

func ExampleNew() {
	dir, err := os.MkdirTemp("", "sessions")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)

	s, err := filestore.New(dir, filestore.Options{Fsync: true})
	if err != nil {
		panic(err)
	}
	defer s.Close()
	ctx := context.Background()

	now := time.Now()
	token, err := s.Save(ctx, store.Record{ID: store.NewID(), Data: []byte("hello"), Created: now, Expires: now.Add(time.Hour)})
	if err != nil {
		panic(err)
	}
	r, err := s.Load(ctx, token)
	fmt.Println(string(r.Data), err)
	_, err = s.Load(ctx, "../../etc/passwd")
	fmt.Println(errors.Is(err, store.ErrNotFound))
	// Output:
	// hello <nil>
	// true
}

func BenchmarkLoad(b *testing.B) {
	s := newStore(b, b.TempDir(), filestore.Options{CleanupInterval: -1})
	ctx := context.Background()
	now := time.Now()
	r := store.Record{ID: store.NewID(), Data: bytes.Repeat([]byte("d"), 100), Created: now, Expires: now.Add(time.Hour)}
	if _, err := s.Save(ctx, r); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.Load(ctx, r.ID); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkSave(b *testing.B) {
	for _, fsync := range []bool{false, true} {
		b.Run(fmt.Sprintf("fsync=%v", fsync), func(b *testing.B) {
			s := newStore(b, b.TempDir(), filestore.Options{Fsync: fsync, CleanupInterval: -1})
			ctx := context.Background()
			now := time.Now()
			r := store.Record{ID: store.NewID(), Data: bytes.Repeat([]byte("d"), 100), Created: now, Expires: now.Add(time.Hour)}
			b.ReportAllocs()
			for b.Loop() {
				if _, err := s.Save(ctx, r); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// entriesBesideLocks lists the store's folder dir without its locks
// folder, after checking that the locks folder (mode 0700) holds nothing
// but stripe files (mode 0600) and lock files.
func entriesBesideLocks(t *testing.T, dir string) []os.DirEntry {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []os.DirEntry
	for _, e := range entries {
		if e.Name() != "locks" {
			out = append(out, e)
			continue
		}
		if fi, err := e.Info(); err != nil || !fi.IsDir() || fi.Mode().Perm() != 0o700 {
			t.Fatalf("locks: %v, %v; want a folder of mode 0700", fi, err)
		}
		locks, err := os.ReadDir(filepath.Join(dir, "locks"))
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range locks {
			fi, err := l.Info()
			if err != nil || !fi.Mode().IsRegular() || fi.Mode().Perm() != 0o600 || !lockFileName.MatchString(l.Name()) {
				t.Errorf("locks/%s: %v, %v; want stripe and lock files of mode 0600", l.Name(), fi, err)
			}
		}
	}
	return out
}

// lockFileName matches the names of the files in the locks folder.
var lockFileName = regexp.MustCompile(`^(stripes|stripe-[0-9a-f]{2}|[0-9a-f]{64}\.lock)$`)
