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
// holds it. Closing f releases it.
func flock(f *os.File) error {
	for {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX)
		if !errors.Is(err, syscall.EINTR) {
			return err
		}
	}
}
