//go:build darwin || dragonfly || freebsd || linux || netbsd || openbsd

package filestore

import (
	"errors"
	"os"
	"syscall"
)

// crossProcess reports whether the store's locks hold across processes
// sharing the folder on this system.
const crossProcess = true

// flock takes an exclusive flock(2) on f, waiting while another process
// holds it.
func flock(f *os.File) error { return flockOp(f, syscall.LOCK_EX) }

// funlock releases flock's lock.
func funlock(f *os.File) error { return flockOp(f, syscall.LOCK_UN) }

func flockOp(f *os.File, op int) error {
	rc, err := f.SyscallConn() // unlike Fd, no switch to blocking mode (two fcntl calls)
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
