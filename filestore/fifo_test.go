//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package filestore_test

import (
	"context"
	"errors"
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
