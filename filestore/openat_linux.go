//go:build linux

package filestore

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"syscall"
)

// The session files are read with openat(2) on a descriptor of the
// folder, O_NOFOLLOW and O_NONBLOCK, and one fstat: a link under a
// session's name is refused by the open itself (ELOOP), a FIFO does not
// block it, and anything but a regular file is refused by the fstat. That
// is what openRegular checks with an lstat, an open and a stat, in two
// system calls fewer, and without os.File's setup (four fcntl calls and a
// poller registration that regular files refuse): on a virtual machine
// each system call costs microseconds. Names are one component (the
// caller checks), so nothing can lead outside the folder.

// folderFile is the descriptor the reads go through: the folder root
// holds, checked to be the same folder. Reads use it through its RawConn,
// which keeps the descriptor from being closed (and its number reused)
// while a read runs.
type folderFile struct {
	f  *os.File
	rc syscall.RawConn
}

func openFolderFile(root *os.Root, abs string) (*folderFile, error) {
	f, err := os.OpenFile(abs, os.O_RDONLY|syscall.O_DIRECTORY, 0)
	if err != nil {
		return nil, backendErr(fmt.Errorf("folder %s: %w", abs, err))
	}
	fi, err := f.Stat()
	var rfi fs.FileInfo
	if err == nil {
		rfi, err = root.Stat(".")
	}
	if err == nil && !os.SameFile(fi, rfi) {
		err = fmt.Errorf("%s changed while it was opened", abs)
	}
	var rc syscall.RawConn
	if err == nil {
		rc, err = f.SyscallConn()
	}
	if err != nil {
		f.Close()
		return nil, backendErr(err)
	}
	return &folderFile{f: f, rc: rc}, nil
}

func (d *folderFile) close() {
	if d != nil {
		_ = d.f.Close()
	}
}

// openAtFolder opens the regular file name of the folder; ok is false
// when the store has no folder descriptor (it is closed).
func (s *Store) openAtFolder(name string) (f regular, size int64, ok bool, err error) {
	d := s.folderFile
	if d == nil {
		return nil, 0, false, nil
	}
	fd := -1
	cerr := d.rc.Control(func(dirfd uintptr) {
		for {
			fd, err = syscall.Openat(int(dirfd), name, syscall.O_RDONLY|syscall.O_NOFOLLOW|syscall.O_NONBLOCK|syscall.O_CLOEXEC, 0)
			if !errors.Is(err, syscall.EINTR) {
				return
			}
		}
	})
	switch {
	case cerr != nil:
		return nil, 0, false, nil // closed: the slow path says so
	case errors.Is(err, syscall.ELOOP):
		return nil, 0, true, errNotRegular // a link: never followed
	case err != nil:
		return nil, 0, true, &fs.PathError{Op: "open", Path: name, Err: err}
	}
	var st syscall.Stat_t
	if err := syscall.Fstat(fd, &st); err != nil {
		syscall.Close(fd)
		return nil, 0, true, &fs.PathError{Op: "stat", Path: name, Err: err}
	}
	if st.Mode&syscall.S_IFMT != syscall.S_IFREG {
		syscall.Close(fd)
		return nil, 0, true, errNotRegular
	}
	return rawFile(fd), st.Size, true, nil
}

// rawFile is an open file descriptor read with pread(2).
type rawFile int

func (f rawFile) ReadAt(p []byte, off int64) (int, error) {
	n := 0
	for n < len(p) {
		m, err := syscall.Pread(int(f), p[n:], off+int64(n))
		if errors.Is(err, syscall.EINTR) {
			continue
		}
		if err != nil {
			return n, err
		}
		if m == 0 {
			return n, io.EOF
		}
		n += m
	}
	return n, nil
}

func (f rawFile) Close() error { return syscall.Close(int(f)) }
