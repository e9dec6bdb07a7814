package filestore_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/seed-699a33a2/session/filestore"
	"github.com/seed-699a33a2/session/store"
	"github.com/seed-699a33a2/session/store/storetest"
)

// savedSession saves a new session holding data, live for an hour, and
// returns its record and version.
func savedSession(t *testing.T, s *filestore.Store, data string) (store.Record, uint64) {
	t.Helper()
	r := rec(time.Now(), data, time.Hour)
	_, v, err := s.SaveIf(context.Background(), r)
	if err != nil {
		t.Fatal(err)
	}
	return r, v
}

// TestChangeWritesInPlace: a change of a live session is written into its
// file, which keeps its inode (no new file, no rename), change after
// change, each loading as written with a growing version.
func TestChangeWritesInPlace(t *testing.T) {
	s := newStore(t, t.TempDir(), filestore.Options{CleanupInterval: -1})
	ctx := context.Background()
	r, v := savedSession(t, s, "v1")
	var err error
	first, err := os.Lstat(sessionPath(s, r.ID))
	if err != nil {
		t.Fatal(err)
	}
	for i := range 5 {
		r.Data, r.Version = []byte(strings.Repeat("x", i*40)+"change"), v
		if _, v, err = s.SaveIf(ctx, r); err != nil {
			t.Fatalf("change %d: %v", i, err)
		}
		got, err := s.Load(ctx, r.ID)
		if err != nil || string(got.Data) != string(r.Data) || got.Version != v {
			t.Fatalf("change %d: Load = %q v%d, %v; want %q v%d", i, got.Data, got.Version, err, r.Data, v)
		}
		now, err := os.Lstat(sessionPath(s, r.ID))
		if err != nil {
			t.Fatal(err)
		}
		if !os.SameFile(first, now) {
			t.Fatalf("change %d replaced the session's file", i)
		}
	}
	if v != 6 {
		t.Fatalf("version after 6 writes = %d", v)
	}
}

// TestChangeNeverWritesThroughAnotherLink: a session file with a second
// hard link (a backup made with cp -al or rsync --link-dest, or a link
// planted under the session's name) is never written in place, which would
// change the other name's bytes too: the change is a new file renamed over
// the session's name, and the other link keeps what it held.
func TestChangeNeverWritesThroughAnotherLink(t *testing.T) {
	dir := t.TempDir()
	s := newStore(t, filepath.Join(dir, "sessions"), filestore.Options{CleanupInterval: -1})
	ctx := context.Background()
	r, v := savedSession(t, s, "before")
	var err error
	backup := filepath.Join(dir, "backup")
	if err := os.Link(sessionPath(s, r.ID), backup); err != nil {
		t.Skipf("no hard links here: %v", err)
	}
	kept, err := os.ReadFile(backup)
	if err != nil {
		t.Fatal(err)
	}
	r.Data, r.Version = []byte("after"), v
	if _, _, err := s.SaveIf(ctx, r); err != nil {
		t.Fatal(err)
	}
	if got, err := os.ReadFile(backup); err != nil || !bytes.Equal(got, kept) {
		t.Fatalf("the other link changed with the session (err %v)", err)
	}
	got, err := s.Load(ctx, r.ID)
	if err != nil || string(got.Data) != "after" {
		t.Fatalf("Load = %q, %v; want the change", got.Data, err)
	}
	// The session's name now has a file of its own, changed in place again.
	first, err := os.Lstat(sessionPath(s, r.ID))
	if err != nil {
		t.Fatal(err)
	}
	r.Data, r.Version = []byte("again"), got.Version
	if _, _, err := s.SaveIf(ctx, r); err != nil {
		t.Fatal(err)
	}
	if now, err := os.Lstat(sessionPath(s, r.ID)); err != nil || !os.SameFile(first, now) {
		t.Fatalf("a file with one link was not changed in place (err %v)", err)
	}
}

// TestChangeTooLargeForItsSlotRewritesTheFile: a record that outgrows the
// file's slots is written as a new file, which loads, and changes in place
// from then on.
func TestChangeTooLargeForItsSlotRewritesTheFile(t *testing.T) {
	s := newStore(t, t.TempDir(), filestore.Options{CleanupInterval: -1})
	ctx := context.Background()
	r, v := savedSession(t, s, "small")
	var err error
	before, _ := os.Lstat(sessionPath(s, r.ID))
	r.Data, r.Version = []byte(strings.Repeat("big ", 2000)), v
	if _, v, err = s.SaveIf(ctx, r); err != nil {
		t.Fatal(err)
	}
	grown, _ := os.Lstat(sessionPath(s, r.ID))
	if os.SameFile(before, grown) {
		t.Fatal("an 8 KB record was written into a slot of a file made for a few bytes")
	}
	if got, err := s.Load(ctx, r.ID); err != nil || string(got.Data) != string(r.Data) || got.Version != v {
		t.Fatalf("Load after growing = %d bytes v%d, %v", len(got.Data), got.Version, err)
	}
	r.Data, r.Version = []byte("small again"), v
	if _, _, err = s.SaveIf(ctx, r); err != nil {
		t.Fatal(err)
	}
	after, _ := os.Lstat(sessionPath(s, r.ID))
	if !os.SameFile(grown, after) {
		t.Fatal("a record that fits was not written in place")
	}
	if got, err := s.Load(ctx, r.ID); err != nil || string(got.Data) != "small again" {
		t.Fatalf("Load after shrinking = %q, %v", got.Data, err)
	}
}

// TestExpiredSessionSavedAgainStartsOver: a session saved again after it
// expired starts over at version 1 (compare-and-set on 0 succeeds) and
// loads as saved, not as the expired record's higher version that its
// file still held.
func TestExpiredSessionSavedAgainStartsOver(t *testing.T) {
	clock := storetest.NewClock(time.Now())
	s := newStore(t, t.TempDir(), filestore.Options{Now: clock.Now, CleanupInterval: -1})
	ctx := context.Background()
	r := rec(clock.Now(), "old", time.Minute)
	var v uint64
	for range 4 {
		r.Version = v
		var err error
		if _, v, err = s.SaveIf(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	clock.Advance(2 * time.Minute)
	r.Data, r.Version, r.Expires = []byte("new"), 0, clock.Now().Add(time.Hour)
	_, v, err := s.SaveIf(ctx, r)
	if err != nil || v != 1 {
		t.Fatalf("SaveIf(0) over an expired session = v%d, %v; want v1", v, err)
	}
	if got, err := s.Load(ctx, r.ID); err != nil || string(got.Data) != "new" || got.Version != 1 {
		t.Fatalf("Load = %q v%d, %v; want \"new\" v1", got.Data, got.Version, err)
	}
}

// TestTornSlotLoadsThePreviousRecord: when the slot a change was written
// into is torn (a writer killed mid-write), the session loads as it was
// before that change, and the next change writes over the torn slot.
func TestTornSlotLoadsThePreviousRecord(t *testing.T) {
	s := newStore(t, t.TempDir(), filestore.Options{CleanupInterval: -1})
	ctx := context.Background()
	r, v1 := savedSession(t, s, "first")
	var err error
	path := sessionPath(s, r.ID)
	whole, _ := os.ReadFile(path)
	r.Data, r.Version = []byte("second, torn"), v1
	if _, _, err := s.SaveIf(ctx, r); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(path)
	if len(b) <= len(whole) {
		t.Fatalf("the change did not go to the second slot: %d bytes, were %d", len(b), len(whole))
	}
	// Cut the second slot's record short, as a killed write would.
	if err := os.WriteFile(path, b[:len(b)-3], 0o600); err != nil {
		t.Fatal(err)
	}
	got, err := s.Load(ctx, r.ID)
	if err != nil || string(got.Data) != "first" || got.Version != v1 {
		t.Fatalf("Load with a torn slot = %q v%d, %v; want \"first\" v%d", got.Data, got.Version, err, v1)
	}
	r.Data, r.Version = []byte("third"), v1
	if _, _, err := s.SaveIf(ctx, r); err != nil {
		t.Fatalf("SaveIf on the previous record's version: %v", err)
	}
	if got, err := s.Load(ctx, r.ID); err != nil || string(got.Data) != "third" {
		t.Fatalf("Load after writing over the torn slot = %q, %v", got.Data, err)
	}
	// Both slots torn: damaged, a fresh session for the manager.
	b, _ = os.ReadFile(path)
	for i := 16 + 30; i < len(b); i += 512 {
		b[i] ^= 0xff
	}
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Load(ctx, r.ID); !errors.Is(err, store.ErrCorrupt) {
		t.Fatalf("Load with both slots torn = %v, want ErrCorrupt", err)
	}
}

// TestLoadsDuringChangesSeeWholeRecords: loads racing changes of the same
// session (no lock on the loading side) always find a whole record, one
// that was written, and never an older one than they found before.
func TestLoadsDuringChangesSeeWholeRecords(t *testing.T) {
	s := newStore(t, t.TempDir(), filestore.Options{CleanupInterval: -1})
	ctx := context.Background()
	id := store.NewID()
	data := func(i int) []byte {
		return []byte(strconv.Itoa(i) + ":" + strings.Repeat(strconv.Itoa(i%10), 300+i%700))
	}
	r := store.Record{ID: id, Data: data(0), Created: time.Now(), Expires: time.Now().Add(time.Hour)}
	if _, err := s.Save(ctx, r); err != nil {
		t.Fatal(err)
	}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 1; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				r := store.Record{ID: id, Data: data(i), Created: time.Now(), Expires: time.Now().Add(time.Hour)}
				if _, err := s.Save(ctx, r); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var last uint64
			for {
				select {
				case <-stop:
					return
				default:
				}
				got, err := s.Load(ctx, id)
				if err != nil {
					errs <- fmt.Errorf("Load during changes: %w", err)
					return
				}
				i, _, _ := strings.Cut(string(got.Data), ":")
				n, err := strconv.Atoi(i)
				if err != nil || string(got.Data) != string(data(n)) {
					errs <- fmt.Errorf("Load during changes returned %d bytes that no change wrote", len(got.Data))
					return
				}
				if got.Version < last {
					errs <- fmt.Errorf("Load returned version %d after %d", got.Version, last)
					return
				}
				last = got.Version
			}
		}()
	}
	time.Sleep(time.Second)
	close(stop)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
}
