package filestore

// Close stops the background sweep and waits for it to finish, so that no
// sweep runs after Close returns. It is idempotent, safe for concurrent
// use, and always returns nil. The store keeps answering Load, Save and
// the other methods after Close; it just no longer sweeps in the
// background.
func (s *Store) Close() error {
	s.sweep.Close()
	return nil
}
