package filestore

import (
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/seed-699a33a2/session/store"
	"github.com/seed-699a33a2/session/store/storetest"
)

// TestListStreams walks a folder of 100,000 session files (written
// directly, eight goroutines at a time: the file system's creation of them
// is what takes the time).
func TestListStreams(t *testing.T) {
	dir := t.TempDir()
	s, err := New(dir, Options{CleanupInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	const n, workers = 100_000, 8
	now := time.Now()
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range n / workers {
				r := store.Record{ID: store.NewID(), Data: []byte("\x01\x00"), Created: now, Expires: now.Add(time.Hour)}
				if err := os.WriteFile(filepath.Join(dir, name(r.ID)), encode(r, 1), 0o600); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	storetest.CheckListStreams(t, s, n)
}
