package filestore

import (
	"context"
	"io/fs"
)

// Count returns the number of live sessions: the session files whose header
// says they have not expired. It reads every header in the folder and
// implements [store.Counter].
func (s *Store) Count(ctx context.Context) (int, error) {
	if err := ctx.Err(); err != nil {
		return 0, backendErr(err)
	}
	if err := s.checkFolder(); err != nil {
		return 0, backendErr(err)
	}
	now, n := s.now(), 0
	err := s.eachEntry(".", ctx.Err, func(e fs.DirEntry) error {
		if !isSessionName(e.Name()) || !e.Type().IsRegular() {
			return nil
		}
		h, ok, err := s.peek(e.Name(), true)
		if ok && now.Before(h.expires) {
			n++
		}
		return err
	})
	if err != nil {
		return n, backendErr(err)
	}
	return n, nil
}
