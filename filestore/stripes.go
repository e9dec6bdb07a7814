package filestore

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
)

// The changes to one session's file (its rename, its removal, its link in
// the user index, the sweep's check-then-remove) are serialized among the
// goroutines of a process by a mutex and among processes sharing the
// folder by flock(2) on a stripe file: locksDir/stripe-XX, where XX are the
// first two hex digits of the session file's name. The 256 stripe files
// are created when first needed, kept open by the store until Close, and
// never removed (a lock on the session file itself would be lost when a
// rename replaces the file). Where the system has no flock (see
// flock_other.go) only the mutex holds.
const (
	locksDir     = "locks"
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

// stripeName is the name, relative to the folder, of stripe i's file.
func stripeName(i int) string {
	const digits = "0123456789abcdef"
	return locksDir + "/" + stripePrefix + string([]byte{digits[i>>4], digits[i&15]})
}

// lockSession takes the lock of the session file named n, within the
// process and across processes, and returns its release.
func (s *Store) lockSession(n string) (unlock func(), err error) {
	i := stripeOf(n)
	mu := &s.locks[i]
	mu.Lock()
	f, err := s.stripe(i)
	if err == nil {
		err = flock(f)
	}
	if err != nil {
		mu.Unlock()
		if ferr := s.notFound(err); ferr != nil && ferr != err {
			return nil, ferr // the folder itself is gone or replaced
		}
		return nil, fmt.Errorf("lock %s: %w", stripeName(i), err)
	}
	return func() {
		_ = funlock(f) // closing the store's files releases it too
		mu.Unlock()
	}, nil
}

// stripe returns stripe i's file, opening it the first time (the store
// keeps it open until Close: a flock is a system call, an open three). The
// caller holds stripe i's mutex.
func (s *Store) stripe(i int) (*os.File, error) {
	if f := s.stripeFiles[i]; f != nil {
		return f, nil
	}
	f, err := s.openStripe(i)
	if err != nil {
		return nil, err
	}
	s.stripeFiles[i] = f
	return f, nil
}

// closeStripes closes the stripe files the store opened.
func (s *Store) closeStripes() {
	for i := range s.locks {
		s.locks[i].Lock()
		if f := s.stripeFiles[i]; f != nil {
			_ = f.Close()
			s.stripeFiles[i] = nil
		}
		s.locks[i].Unlock()
	}
}

// openStripe opens stripe i's file, creating it (and locksDir) when
// missing. What it opens must be a regular file.
func (s *Store) openStripe(i int) (*os.File, error) {
	name := stripeName(i)
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
