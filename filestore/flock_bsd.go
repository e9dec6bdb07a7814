//go:build darwin || dragonfly || freebsd || netbsd || openbsd

package filestore

import (
	"errors"
	"os"
	"syscall"
)

// crossProcess reports whether the store's locks hold across processes
// sharing the folder on this system.
const crossProcess = true

// stripeLocks are the stripe files, locksDir/stripe-XX, one per stripe,
// each guarded by its stripe's mutex (these systems have no open file
// description locks on byte ranges, and flock locks a whole file).
type stripeLocks struct {
	files [stripes]*os.File
}

// lockStripe takes stripe i's lock across processes: flock(2) on its file.
// The caller holds stripe i's mutex.
func (s *Store) lockStripe(i int) error {
	const digits = "0123456789abcdef"
	f, err := s.lockFile(&s.stripeLocks.files[i], stripePrefix+string([]byte{digits[i>>4], digits[i&15]}))
	if err != nil {
		return err
	}
	return flockOp(f, syscall.LOCK_EX)
}

// unlockStripe releases lockStripe's lock.
func (s *Store) unlockStripe(i int) {
	if f := s.stripeLocks.files[i]; f != nil {
		_ = flockOp(f, syscall.LOCK_UN)
	}
}

// closeStripes closes the stripe files.
func (s *Store) closeStripes() {
	for i := range s.locks {
		s.locks[i].Lock()
		closeLockFile(&s.stripeLocks.files[i])
		s.locks[i].Unlock()
	}
}

func flockOp(f *os.File, op int) error {
	rc, err := f.SyscallConn() // unlike Fd, no switch to blocking mode
	if err != nil {
		return err
	}
	cerr := rc.Control(func(fd uintptr) {
		for {
			err = syscall.Flock(int(fd), op)
			if !errors.Is(err, syscall.EINTR) {
				return
			}
		}
	})
	if cerr != nil {
		return cerr
	}
	return err
}
