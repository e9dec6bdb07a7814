package filestore

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"

	"github.com/seed-699a33a2/session/store"
)

// Count returns the number of live sessions: the session files whose header
// says they have not expired. It reads every header in the folder and
// implements [store.Counter].
func (s *Store) Count(ctx context.Context) (int, error) {
	if err := ctx.Err(); err != nil {
		return 0, store.BackendError(driver, err)
	}
	d, err := os.Open(s.dir)
	if err != nil {
		return 0, store.BackendError(driver, err)
	}
	defer d.Close()
	now, n := s.now(), 0
	for {
		entries, err := d.ReadDir(dirBatch)
		for _, e := range entries {
			if !isSessionName(e.Name()) || !e.Type().IsRegular() {
				continue
			}
			if err := ctx.Err(); err != nil {
				return n, store.BackendError(driver, err)
			}
			f, err := os.Open(filepath.Join(s.dir, e.Name()))
			if err != nil {
				continue // removed meanwhile
			}
			var b [headerLen]byte
			got, rerr := io.ReadAtLeast(f, b[:], headerLen1)
			f.Close()
			if rerr != nil {
				continue
			}
			if h, herr := decodeHeader(b[:got]); herr == nil && now.Before(h.expires) {
				n++
			}
		}
		if errors.Is(err, io.EOF) {
			return n, nil
		}
		if err != nil {
			return n, store.BackendError(driver, err)
		}
	}
}
