package filestore

import (
	"errors"
	"os"
)

// Close stops the background sweep, waits for it to finish, and closes the
// store's handle on its folder. It is idempotent and safe for concurrent
// use. Every call after Close fails with an error wrapping
// [store.ErrBackend]: close the store after the server has stopped.
func (s *Store) Close() error {
	s.sweep.Close()
	s.closeStripes()
	s.folderFile.close()
	if err := s.root.Close(); err != nil && !errors.Is(err, os.ErrClosed) {
		return backendErr(err)
	}
	return nil
}
