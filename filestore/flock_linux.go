//go:build linux

package filestore

import (
	"errors"
	"os"
	"sync"
	"syscall"
)

// crossProcess reports whether the store's locks hold across processes
// sharing the folder on this system.
const crossProcess = true

// Open file description locks (fcntl(2), Linux 3.15 and later), from
// <asm-generic/fcntl.h>, the same on every architecture: a lock belongs to
// the open file, not to the process, so two stores of one process lock
// each other out too, and closing another descriptor of the file releases
// nothing.
const (
	fOFDSetLk  = 37
	fOFDSetLkW = 38
)

// stripeLocks is the one lock file of the Linux stripes, each stripe a byte
// of it.
type stripeLocks struct {
	mu sync.Mutex // guards f
	f  *os.File
}

// lockStripe takes stripe i's lock across processes: byte i of
// locksDir/stripes, waiting while another holds it.
func (s *Store) lockStripe(i int) error {
	s.stripeLocks.mu.Lock()
	f, err := s.lockFile(&s.stripeLocks.f, stripesName)
	s.stripeLocks.mu.Unlock()
	if err != nil {
		return err
	}
	return ofdLock(f, fOFDSetLkW, syscall.F_WRLCK, i)
}

// unlockStripe releases lockStripe's lock.
func (s *Store) unlockStripe(i int) {
	s.stripeLocks.mu.Lock()
	f := s.stripeLocks.f
	s.stripeLocks.mu.Unlock()
	if f != nil {
		_ = ofdLock(f, fOFDSetLk, syscall.F_UNLCK, i)
	}
}

// closeStripes closes the lock file, which releases every lock on it.
func (s *Store) closeStripes() {
	for i := range s.locks {
		s.locks[i].Lock() // no lock is held or being taken
	}
	s.stripeLocks.mu.Lock()
	closeLockFile(&s.stripeLocks.f)
	s.stripeLocks.mu.Unlock()
	for i := range s.locks {
		s.locks[i].Unlock()
	}
}

func ofdLock(f *os.File, cmd int, typ int16, i int) error {
	lk := syscall.Flock_t{Type: typ, Whence: 0, Start: int64(i), Len: 1}
	rc, err := f.SyscallConn()
	if err != nil {
		return err
	}
	cerr := rc.Control(func(fd uintptr) {
		for {
			err = syscall.FcntlFlock(fd, cmd, &lk)
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
