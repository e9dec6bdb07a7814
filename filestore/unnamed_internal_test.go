package filestore

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/seed-699a33a2/session/store"
)

// TestNewFilesAreLinkedIntoPlace: where the file system has unnamed files
// (Linux, O_TMPFILE), a new session's file is one linked under its name,
// and the store keeps using them; where they are refused (or elsewhere),
// new files go through a temporary name. Both load, and neither leaves a
// temporary file.
func TestNewFilesAreLinkedIntoPlace(t *testing.T) {
	for _, refused := range []bool{false, true} {
		dir := t.TempDir()
		s, err := New(dir, Options{CleanupInterval: -1})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = s.Close() })
		s.noUnnamed.Store(refused)
		ctx := context.Background()
		for i := range 3 {
			r := store.Record{ID: store.NewID(), Data: []byte("new session"), Created: time.Now(), Expires: time.Now().Add(time.Hour)}
			if _, _, err := s.SaveIf(ctx, r); err != nil {
				t.Fatalf("refused %v, save %d: %v", refused, i, err)
			}
			if got, err := s.Load(ctx, r.ID); err != nil || string(got.Data) != "new session" {
				t.Fatalf("refused %v, save %d: Load = %q, %v", refused, i, got.Data, err)
			}
		}
		if !refused && s.noUnnamed.Load() && UnnamedFilesWork(dir) {
			t.Fatalf("the folder takes unnamed files, yet the store stopped using them")
		}
		entries, err := os.ReadDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range entries {
			if strings.HasPrefix(e.Name(), tmpPrefix) {
				t.Fatalf("refused %v: a temporary file %s is left", refused, e.Name())
			}
		}
	}
}

// TestNewFileOverSomethingElseReplacesIt: where something that is not a
// session file already sits under a new session's name (a link that
// points elsewhere), linking refuses to replace it, and the save replaces
// it by a rename instead, without touching what the link points to.
func TestNewFileOverSomethingElseReplacesIt(t *testing.T) {
	dir := t.TempDir()
	s, err := New(dir, Options{CleanupInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	target := dir + "-target"
	if err := os.WriteFile(target, []byte("not a session"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.Remove(target) })
	id := store.NewID()
	if err := os.Symlink(target, dir+"/"+name(id)); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	r := store.Record{ID: id, Data: []byte("session"), Created: time.Now(), Expires: time.Now().Add(time.Hour)}
	if _, _, err := s.SaveIf(ctx, r); err != nil {
		t.Fatal(err)
	}
	if got, err := s.Load(ctx, id); err != nil || string(got.Data) != "session" {
		t.Fatalf("Load = %q, %v", got.Data, err)
	}
	if b, err := os.ReadFile(target); err != nil || string(b) != "not a session" {
		t.Fatalf("the link's target changed: %q, %v", b, err)
	}
	if fi, err := os.Lstat(dir + "/" + name(id)); err != nil || !fi.Mode().IsRegular() {
		t.Fatalf("the session's name holds %v, %v; want its file", fi, err)
	}
	if s.noUnnamed.Load() && UnnamedFilesWork(dir) {
		t.Fatalf("a name already taken marked the folder as refusing unnamed files")
	}
}
