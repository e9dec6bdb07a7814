//go:build linux

package filestore

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strconv"
	"syscall"

	"golang.org/x/sys/unix"
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
//
// Saves take the same way. A new session's file is an unnamed file
// (createAtFolder: openat(2) O_TMPFILE, pwrite(2), linkat(2)); a file that
// replaces another is a temporary one (writeAtFolder: openat(2) O_EXCL and
// O_NOFOLLOW, pwrite(2), renameat(2)), six system calls fewer than through
// os.Root (os.File's setup, and the lstat of the target before a rename,
// which the kernel's own refusal to rename a file over a folder makes moot).

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

// inFolder runs fn with the folder's descriptor and reports whether it
// ran: not when the store has no descriptor (it is closed), and the caller
// then takes the slow path, which says so.
func (s *Store) inFolder(fn func(dirfd int)) bool {
	d := s.folderFile
	return d != nil && d.rc.Control(func(dirfd uintptr) { fn(int(dirfd)) }) == nil
}

// openAtFolder opens the regular file name of the folder for reading; ok
// is false when the store has no folder descriptor (it is closed).
func (s *Store) openAtFolder(name string) (regular, int64, bool, error) {
	f, st, ok, err := s.openAtFolderMode(name, syscall.O_RDONLY)
	if !ok || err != nil {
		return nil, 0, ok, err
	}
	return f, st.size, true, nil
}

// openWritableAtFolder is openAtFolder for reading and writing; the file's
// status says its size and how many links it has.
func (s *Store) openWritableAtFolder(name string) (writable, fileStatus, bool, error) {
	f, st, ok, err := s.openAtFolderMode(name, syscall.O_RDWR)
	if !ok || err != nil {
		return nil, fileStatus{}, ok, err
	}
	return f, st, true, nil
}

// openAtFolderMode opens the regular file name of the folder with mode
// (O_RDONLY or O_RDWR).
func (s *Store) openAtFolderMode(name string, mode int) (f rawFile, st fileStatus, ok bool, err error) {
	fd := -1
	ran := s.inFolder(func(dirfd int) {
		err = retryEINTR(func() (err error) {
			fd, err = syscall.Openat(dirfd, name, mode|syscall.O_NOFOLLOW|syscall.O_NONBLOCK|syscall.O_CLOEXEC, 0)
			return err
		})
	})
	switch {
	case !ran:
		return -1, st, false, nil
	case errors.Is(err, syscall.ELOOP):
		return -1, st, true, errNotRegular // a link: never followed
	case err != nil:
		return -1, st, true, &fs.PathError{Op: "open", Path: name, Err: err}
	}
	var sys syscall.Stat_t
	if err := syscall.Fstat(fd, &sys); err != nil {
		syscall.Close(fd)
		return -1, st, true, &fs.PathError{Op: "stat", Path: name, Err: err}
	}
	if sys.Mode&syscall.S_IFMT != syscall.S_IFREG {
		syscall.Close(fd)
		return -1, st, true, errNotRegular
	}
	return rawFile(fd), fileStatus{size: sys.Size, links: uint64(sys.Nlink)}, true, nil
}

// writeAtFolder is writeAtomic through the folder's descriptor: b is
// written to the new temporary file tmp, which is then renamed to name.
// ok is false when the store has no folder descriptor (it is closed).
func (s *Store) writeAtFolder(tmp, name string, b []byte) (ok bool, err error) {
	ok = s.inFolder(func(dirfd int) { err = writeAt(dirfd, tmp, name, b, s.fsync) })
	return ok, err
}

// writeAt writes b to the new file tmp of the folder dirfd, syncs it when
// sync is set, and renames it to name; on an error it removes tmp.
func writeAt(dirfd int, tmp, name string, b []byte, sync bool) error {
	var fd int
	err := retryEINTR(func() (err error) {
		fd, err = syscall.Openat(dirfd, tmp, syscall.O_WRONLY|syscall.O_CREAT|syscall.O_EXCL|syscall.O_NOFOLLOW|syscall.O_CLOEXEC, 0o600)
		return err
	})
	if err != nil {
		return &fs.PathError{Op: "open", Path: tmp, Err: err}
	}
	f := rawFile(fd)
	_, err = f.WriteAt(b, 0)
	if err == nil && sync {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		err = &fs.PathError{Op: "write", Path: tmp, Err: err}
	} else if rerr := syscall.Renameat(dirfd, tmp, dirfd, name); rerr != nil {
		err = &os.LinkError{Op: "rename", Old: tmp, New: name, Err: rerr}
	}
	if err != nil {
		_ = syscall.Unlinkat(dirfd, tmp)
	}
	return err
}

// createAtFolder writes b as the new file name of the folder: an unnamed
// file (open(2) with O_TMPFILE in the folder) written whole, then linked
// under name with linkat(2) through /proc/self/fd. The file appears whole
// or not at all, as with a temporary file renamed into place, in one change
// of the folder instead of three (create, rename over, and the temporary
// name's removal), and a writer killed before the link leaves nothing
// behind. ok is false when the caller is to write through a temporary name
// instead: no folder descriptor, a file system or kernel without unnamed
// files or no /proc (remembered: not tried again), or something already
// under name (a rename replaces it; a link would not).
func (s *Store) createAtFolder(name string, b []byte) (ok bool, err error) {
	if s.noUnnamed.Load() {
		return false, nil
	}
	var unsupported bool
	if !s.inFolder(func(dirfd int) { ok, unsupported, err = createAt(dirfd, name, b, s.fsync) }) {
		return false, nil
	}
	if unsupported {
		s.noUnnamed.Store(true)
	}
	return ok, err
}

// createAt is createAtFolder on the folder dirfd.
func createAt(dirfd int, name string, b []byte, sync bool) (ok, unsupported bool, err error) {
	var fd int
	err = retryEINTR(func() (err error) {
		fd, err = unix.Openat(dirfd, ".", unix.O_TMPFILE|unix.O_WRONLY|unix.O_CLOEXEC, 0o600)
		return err
	})
	switch {
	case errors.Is(err, unix.EOPNOTSUPP), errors.Is(err, unix.EISDIR), errors.Is(err, unix.EINVAL):
		return false, true, nil // no unnamed files here
	case err != nil:
		return true, false, &fs.PathError{Op: "open", Path: name + " (unnamed)", Err: err}
	}
	f := rawFile(fd)
	defer f.Close() // before the link or after it: an unnamed file goes with its descriptor
	_, err = f.WriteAt(b, 0)
	if err == nil && sync {
		err = f.Sync()
	}
	if err != nil {
		return true, false, &fs.PathError{Op: "write", Path: name + " (unnamed)", Err: err}
	}
	err = retryEINTR(func() error {
		return unix.Linkat(unix.AT_FDCWD, "/proc/self/fd/"+strconv.Itoa(fd), dirfd, name, unix.AT_SYMLINK_FOLLOW)
	})
	switch {
	case err == nil:
		return true, false, nil
	case errors.Is(err, unix.EEXIST):
		return false, false, nil // something is there: a rename replaces it
	case errors.Is(err, unix.ENOENT), errors.Is(err, unix.EPERM), errors.Is(err, unix.EACCES), errors.Is(err, unix.EXDEV):
		return false, true, nil // no /proc to link through, or linking refused
	}
	return true, false, &os.LinkError{Op: "link", Old: "(unnamed)", New: name, Err: err}
}

// retryEINTR calls fn until it fails with something other than EINTR.
func retryEINTR(fn func() error) error {
	for {
		if err := fn(); !errors.Is(err, syscall.EINTR) {
			return err
		}
	}
}

// rawFile is an open file descriptor read with pread(2) and written with pwrite(2).
type rawFile int

func (f rawFile) ReadAt(p []byte, off int64) (int, error) {
	return f.each(syscall.Pread, p, off, io.EOF)
}

// WriteAt writes p at off with pwrite(2).
func (f rawFile) WriteAt(p []byte, off int64) (int, error) {
	return f.each(syscall.Pwrite, p, off, io.ErrShortWrite)
}

// each calls op (pread or pwrite) until all of p is done from off, again
// after EINTR; a call that moves nothing ends it with short.
func (f rawFile) each(op func(int, []byte, int64) (int, error), p []byte, off int64, short error) (int, error) {
	n := 0
	for n < len(p) {
		m, err := op(int(f), p[n:], off+int64(n))
		if errors.Is(err, syscall.EINTR) {
			continue
		}
		if err != nil {
			return n, err
		}
		if m == 0 {
			return n, short
		}
		n += m
	}
	return n, nil
}

// Sync flushes the file to its device with fsync(2).
func (f rawFile) Sync() error { return retryEINTR(func() error { return syscall.Fsync(int(f)) }) }

func (f rawFile) Close() error { return syscall.Close(int(f)) }
