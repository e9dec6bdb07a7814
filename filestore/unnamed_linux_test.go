package filestore

import "golang.org/x/sys/unix"

// UnnamedFilesWork reports whether the file system of dir creates unnamed
// files (O_TMPFILE), for the tests of the store's use of them.
func UnnamedFilesWork(dir string) bool {
	fd, err := unix.Open(dir, unix.O_TMPFILE|unix.O_WRONLY|unix.O_CLOEXEC, 0o600)
	if err != nil {
		return false
	}
	_ = unix.Close(fd)
	return true
}
