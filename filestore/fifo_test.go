//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package filestore_test

import (
	"context"
	"errors"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/seed-699a33a2/session/filestore"
	"github.com/seed-699a33a2/session/store"
)

// TestPlantedFIFOBlocksNothing: a FIFO (or any file that is not a regular
// one) under a session's name is no session: Load answers at once with
// ErrCorrupt instead of waiting for a writer, and a Save replaces it.
func TestPlantedFIFOBlocksNothing(t *testing.T) {
	s := newStore(t, t.TempDir(), filestore.Options{CleanupInterval: -1})
	id := store.NewID()
	if err := syscall.Mkfifo(sessionPath(s, id), 0o600); err != nil {
		t.Skip("no FIFOs here:", err)
	}
	done := make(chan error, 1)
	go func() {
		_, err := s.Load(context.Background(), id)
		done <- err
	}()
	select {
	case err := <-done:
		if !errors.Is(err, store.ErrCorrupt) {
			t.Fatalf("Load of a FIFO = %v, want ErrCorrupt", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Load of a FIFO blocked")
	}
	r := rec(time.Now(), "x", time.Hour)
	r.ID = id
	mustSave(t, s, r)
	if got, err := s.Load(context.Background(), id); err != nil || string(got.Data) != "x" {
		t.Fatalf("Load after a Save over the FIFO = %q, %v", got.Data, err)
	}
}

// TestFailedSaveLeavesNoTemporaryFile: a Save whose rename fails (a folder
// planted under the session's name: no file may replace it) is an error
// wrapping ErrBackend, the folder stays, and no temporary file is left
// behind for the sweep to find.
func TestFailedSaveLeavesNoTemporaryFile(t *testing.T) {
	s := newStore(t, t.TempDir(), filestore.Options{CleanupInterval: -1})
	r := rec(time.Now(), "x", time.Hour)
	r.ID = store.NewID()
	if err := os.Mkdir(sessionPath(s, r.ID), 0o700); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Save(context.Background(), r); !errors.Is(err, store.ErrBackend) {
		t.Fatalf("Save over a folder = %v, want ErrBackend", err)
	}
	if fi, err := os.Lstat(sessionPath(s, r.ID)); err != nil || !fi.IsDir() {
		t.Fatalf("the planted folder after the Save: %v, %v", fi, err)
	}
	entries, err := os.ReadDir(s.Dir())
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".tmp-") {
			t.Errorf("temporary file %s left behind", e.Name())
		}
	}
}
