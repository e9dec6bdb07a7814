package filestore

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
)

// The changes to one session's file (its writes, its removal, its link in
// the user index, the sweep's check-then-remove) are serialized among the
// goroutines of a process by one of 256 mutexes, and among the processes
// sharing the folder by a lock on the same stripe in the folder locksDir,
// where the stripe is the first two hex digits of the session file's name
// (a lock on the session file itself would be lost when a rename replaces
// the file):
//
//   - on Linux, an open file description lock (F_OFD_SETLKW) on byte i of
//     the one file locksDir/stripes;
//   - on macOS and the BSDs, flock(2) on the file locksDir/stripe-XX;
//   - elsewhere, none: the mutexes hold within the process only.
//
// The files are created when first needed, kept open by the store until
// Close, and never removed.
const (
	locksDir     = "locks"
	stripesName  = "stripes"
	stripePrefix = "stripe-"
	stripes      = 256
)

// stripeOf is the stripe of the session file named n (a session name or a
// handle: 64 hex digits first).
func stripeOf(n string) int { return int(unhex(n[0]))<<4 | int(unhex(n[1])) }

func unhex(c byte) byte {
	if c >= 'a' {
		return c - 'a' + 10
	}
	return c - '0'
}

// lockSession takes the lock of the session file named n, within the
// process and across processes, and returns its release.
func (s *Store) lockSession(n string) (unlock func(), err error) {
	i := stripeOf(n)
	mu := &s.locks[i]
	mu.Lock()
	if err := s.lockStripe(i); err != nil {
		mu.Unlock()
		if ferr := s.notFound(err); ferr != nil && ferr != err {
			return nil, ferr // the folder itself is gone or replaced
		}
		return nil, fmt.Errorf("lock stripe %d: %w", i, err)
	}
	return func() {
		s.unlockStripe(i)
		mu.Unlock()
	}, nil
}

// lockFile returns the lock file at name (in locksDir), opening it the
// first time into *slot (the store keeps it open until Close: a lock is a
// system call, an open three). The caller holds a mutex that guards slot.
func (s *Store) lockFile(slot **os.File, name string) (*os.File, error) {
	if *slot != nil {
		return *slot, nil
	}
	f, err := s.openLockFile(name)
	if err != nil {
		return nil, err
	}
	*slot = f
	return f, nil
}

// openLockFile opens the lock file at name (in locksDir), creating it (and
// locksDir) when missing. What it opens must be a regular file.
func (s *Store) openLockFile(name string) (*os.File, error) {
	name = locksDir + "/" + name
	for attempt := 0; ; attempt++ {
		if err := s.ensureLocksDir(); err != nil {
			return nil, err
		}
		f, err := s.root.OpenFile(name, os.O_RDWR|os.O_CREATE, 0o600)
		if errors.Is(err, fs.ErrNotExist) && attempt == 0 {
			s.locksReady.Store(false) // locksDir was removed: make it again
			continue
		}
		if err != nil {
			return nil, err
		}
		fi, err := f.Stat()
		if err == nil && !fi.Mode().IsRegular() {
			err = fmt.Errorf("%s: %w", path.Base(name), errNotRegular)
		}
		if err != nil {
			f.Close()
			return nil, err
		}
		return f, nil
	}
}

// closeLockFile closes *slot if open. The caller holds its mutex.
func closeLockFile(slot **os.File) {
	if *slot != nil {
		_ = (*slot).Close()
		*slot = nil
	}
}
