package filestore

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// The folder and the files in it. Every path is opened through an
// os.Root on the folder, so that none can lead outside it, and every file
// the store reads is checked to be a regular file (a symbolic link or a
// folder planted under a session's name is never followed).

// errNotRegular is why a planted symbolic link, folder or device under a
// session's name does not load.
var errNotRegular = errors.New("not a regular file")

// openFolder creates dir (mode 0700) when it is missing, refuses an
// existing one that another user owns or that others may write into, and
// opens it as a root.
func openFolder(dir string) (*os.Root, string, error) {
	if dir == "" {
		return nil, "", errors.New("file: no folder given")
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, "", backendErr(fmt.Errorf("folder %q: %w", dir, err))
	}
	if err := os.MkdirAll(abs, 0o700); err != nil {
		return nil, "", backendErr(fmt.Errorf("create folder: %w", err))
	}
	fi, err := os.Stat(abs)
	if err != nil {
		return nil, "", backendErr(err)
	}
	if !fi.IsDir() {
		return nil, "", backendErr(fmt.Errorf("%s is not a folder", abs))
	}
	if err := trusted(abs, fi); err != nil {
		return nil, "", err
	}
	root, err := os.OpenRoot(abs)
	if err != nil {
		return nil, "", backendErr(err)
	}
	return root, abs, nil
}

// unsafeFolder is the refusal of a folder others can plant files in.
func unsafeFolder(abs, why string) error {
	return fmt.Errorf("file: %s %s: anyone who can write into the session folder can plant sessions; use a folder of this user's with mode 0700 (chmod 700 %s)", abs, why, abs)
}

// tmpPrefix starts the name of every temporary file the store writes, and
// tmpNameLen is the length of that name: the prefix and 32 random hex
// digits. The sweep removes only names of exactly that shape.
const (
	tmpPrefix  = ".tmp-session-"
	tmpNameLen = len(tmpPrefix) + 32
)

// isTempName reports whether n is the name of one of the store's
// temporary files.
func isTempName(n string) bool {
	return len(n) == tmpNameLen && strings.HasPrefix(n, tmpPrefix) && isHex(n[len(tmpPrefix):])
}

func isHex(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}

// openRegular opens the file at name (relative to the folder) for reading
// if it is a regular file: it looks before it opens (Lstat, which does not
// follow a link), and holds what it opened against what it looked at. When
// they differ a Save renamed a new file into place in between, or a link
// was swapped in: it looks again, a few times.
func (s *Store) openRegular(name string) (*os.File, fs.FileInfo, error) {
	for attempt := 0; ; attempt++ {
		lfi, err := s.root.Lstat(name)
		if err != nil {
			return nil, nil, err
		}
		if !lfi.Mode().IsRegular() {
			return nil, nil, errNotRegular
		}
		f, err := s.root.Open(name)
		if err != nil {
			return nil, nil, err
		}
		fi, err := f.Stat()
		if err == nil && os.SameFile(lfi, fi) {
			return f, fi, nil
		}
		f.Close()
		if err != nil {
			return nil, nil, err
		}
		if attempt == 3 {
			return nil, nil, fmt.Errorf("%s kept changing while it was opened", name)
		}
	}
}

// regular is a regular file of the folder, open for reading.
type regular interface {
	io.ReaderAt
	Close() error
}

// writable is a regular file of the folder, open for reading and writing.
type writable interface {
	regular
	io.WriterAt
	Sync() error
}

// fileStatus is what a save needs to know of an open session file: its
// size, and its number of hard links (a file with more than one is never
// written in place: the other names would change too).
type fileStatus struct {
	size  int64
	links uint64
}

// openWritable opens the session file at name (in the folder itself) for
// reading and writing if it is a regular file, and returns it with its
// status: through openWritableAtFolder where the system has it, else as
// openRegular does, looking before it opens and holding what it opened
// against what it looked at.
func (s *Store) openWritable(name string) (writable, fileStatus, error) {
	if f, st, ok, err := s.openWritableAtFolder(name); ok {
		return f, st, err
	}
	lfi, err := s.root.Lstat(name)
	if err != nil {
		return nil, fileStatus{}, err
	}
	if !lfi.Mode().IsRegular() {
		return nil, fileStatus{}, errNotRegular
	}
	f, err := s.root.OpenFile(name, os.O_RDWR, 0)
	if err != nil {
		return nil, fileStatus{}, err
	}
	fi, err := f.Stat()
	if err == nil && !os.SameFile(lfi, fi) {
		err = fmt.Errorf("%s changed while it was opened", name)
	}
	if err != nil {
		f.Close()
		return nil, fileStatus{}, err
	}
	return f, fileStatus{size: fi.Size(), links: linkCount(fi)}, nil
}

// openReadable opens the regular file at name for reading and returns it
// with its size: in the folder itself through openAtFolder where the
// system has it (one open and one fstat, no link followed), else through
// openRegular.
func (s *Store) openReadable(name string) (regular, int64, error) {
	if !strings.Contains(name, "/") {
		if f, size, ok, err := s.openAtFolder(name); ok {
			return f, size, err
		}
	}
	f, fi, err := s.openRegular(name)
	if err != nil {
		return nil, 0, err
	}
	return f, fi.Size(), nil
}

// readRegular reads the whole regular file at name.
func (s *Store) readRegular(name string) ([]byte, error) {
	f, size, err := s.openReadable(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return readAll(f, size)
}

// readAll reads the size bytes of f.
func readAll(f io.ReaderAt, size int64) ([]byte, error) {
	b := make([]byte, size)
	if _, err := f.ReadAt(b, 0); err != nil && !(errors.Is(err, io.EOF) && size == 0) {
		return nil, err
	}
	return b, nil
}

// checkFolder reports a folder that is no longer at its path (removed, or
// replaced by something else): everything the root then reads looks
// missing, which must never pass for "no session".
func (s *Store) checkFolder() error {
	fi, err := os.Stat(s.dir)
	if err != nil {
		return err
	}
	rfi, err := s.root.Stat(".")
	if err != nil {
		return err
	}
	if !os.SameFile(fi, rfi) {
		return fmt.Errorf("%s is no longer the folder the store opened", s.dir)
	}
	return nil
}

// notFound turns a missing file into nil when the folder is still in
// place, and into the folder's error when it is not.
func (s *Store) notFound(err error) error {
	if errors.Is(err, fs.ErrNotExist) {
		return s.checkFolder()
	}
	return err
}

// peek reads the header of the session file at name: ok is false when
// there is none, or when it is not the store's own (another program's file,
// or one cut before its header ends). With checkFolder, a missing file is
// told from a folder that is gone (see notFound); a Save leaves that to
// the write that follows, which fails then anyway. A file of format 1 to 3
// is read up to the end of its header; a slotted one whole, since its
// newest record is the session (see readDecoded for a slotted file met
// while a writer changes it).
//
// A slotted file with a torn slot is read again too (see rereads), then
// taken for its whole slot's header: peek's callers either hold the
// session's lock (no writer is at work) or only count.
func (s *Store) peek(name string, checkFolder bool) (header, bool, error) {
	p, _, err := reread(func() (peeked, bool, error) {
		h, ok, torn, err := s.peekOnce(name, checkFolder)
		return peeked{h, ok}, torn, err
	})
	if errors.Is(err, errNoWholeSlot) {
		return header{}, false, nil // no session of ours
	}
	return p.h, p.ok, err // a slot still torn: the whole one's header
}

// peeked is one result of peekOnce.
type peeked struct {
	h  header
	ok bool
}

// reread calls read, one read of a session file, until it meets neither a
// slotted file with a torn slot (torn) nor one without a whole slot
// (errNoWholeSlot), or rereads more times have passed, and returns the
// last read.
func reread[T any](read func() (T, bool, error)) (v T, torn bool, err error) {
	for attempt := 0; ; attempt++ {
		v, torn, err = read()
		again := err == nil && torn || errors.Is(err, errNoWholeSlot)
		if !again || attempt == rereads {
			return v, torn, err
		}
	}
}

// peekOnce is one read of peek; torn reports a slotted file with a torn
// slot beside the whole one whose header it returns, and errNoWholeSlot
// one without a whole slot.
func (s *Store) peekOnce(name string, checkFolder bool) (h header, ok, torn bool, err error) {
	f, size, err := s.openReadable(name)
	if errors.Is(err, errNotRegular) {
		return header{}, false, false, nil // not a session: a Save replaces it
	}
	if errors.Is(err, fs.ErrNotExist) {
		if !checkFolder {
			return header{}, false, false, nil
		}
		return header{}, false, false, s.notFound(err)
	}
	if err != nil {
		return header{}, false, false, err
	}
	defer f.Close()
	var fixed [headerLen]byte
	n, err := f.ReadAt(fixed[:], 0)
	if err != nil && !errors.Is(err, io.EOF) {
		return header{}, false, false, err
	}
	if isSlotted(fixed[:n]) {
		b, err := readAll(f, size)
		if err != nil {
			return header{}, false, false, err
		}
		v, err := decodeSlotted(b)
		if errors.Is(err, errNoWholeSlot) {
			return header{}, false, false, err
		}
		return v.h, err == nil, v.torn, nil
	}
	h, err = decodeHeader(fixed[:n])
	if err != nil {
		return header{}, false, false, nil
	}
	// The texts follow the fixed part: read just them.
	b := make([]byte, h.size)
	copy(b, fixed[:n])
	if n < h.size {
		if _, err := f.ReadAt(b[n:], int64(n)); err != nil {
			return header{}, false, false, nil // cut short: no session of ours
		}
	}
	h.texts(b)
	return h, true, false, nil
}

// rereads is how many times a slotted file with a torn slot is read again
// (see slots.go): a reader can meet one writer changing one slot and,
// before its read ends, the next writer changing the other. A file none of
// whose slots holds a whole record counts as damaged after that; readDecoded
// then reads a file with a whole and a torn slot once more under the
// session's lock.
const rereads = 2

// errCorruptFile marks the errors of readDecoded that are the file's
// contents, not the reading of it.
var errCorruptFile = errors.New("damaged session file")

// readDecoded reads the session file at name whole and decodes it, for a
// caller that does not hold the session's lock (see rereads). A file that
// does not decode is an error wrapping errCorruptFile and the reason.
func (s *Store) readDecoded(name string) (header, []byte, error) {
	d, torn, err := reread(func() (decoded, bool, error) {
		h, data, torn, err := s.readDecodedOnce(name)
		return decoded{h, data}, torn, err
	})
	if err == nil && torn {
		// Still torn: a writer was killed mid-write, or writers keep
		// coming. Under the lock no write is under way: the whole slot is
		// then the newest record.
		unlock, err := s.lockSession(name)
		if err != nil {
			return header{}, nil, err
		}
		defer unlock()
		h, data, _, err := s.readDecodedOnce(name)
		return h, data, err
	}
	return d.h, d.data, err
}

// decoded is one result of readDecodedOnce.
type decoded struct {
	h    header
	data []byte
}

// readDecodedOnce is one read of readDecoded; torn reports a slotted file
// with a torn slot beside the whole one it decoded.
func (s *Store) readDecodedOnce(name string) (h header, data []byte, torn bool, err error) {
	b, err := s.readRegular(name)
	if err != nil {
		return header{}, nil, false, err
	}
	if h, data, torn, err = decode(b); err != nil {
		return header{}, nil, false, fmt.Errorf("%w: %w", errCorruptFile, err)
	}
	return h, data, torn, nil
}

// ours reports whether the first bytes of a file are a header of this
// store's format: the magic, a known format and the reserved zeros. Only
// such files, and the store's temporary files, are ever removed by the
// sweep.
func ours(b []byte) bool {
	return len(b) >= 8 && string(b[:4]) == magic && b[4] >= 1 && b[4] <= slottedFormat && b[5] == 0 && b[6] == 0 && b[7] == 0
}

// writeNew writes b as the file name, where the caller, holding the
// session's lock, found no file: as an unnamed file linked into place
// where the system allows it (createAtFolder), else as writeAtomic does.
func (s *Store) writeNew(name string, b []byte) error {
	if ok, err := s.createAtFolder(name, b); ok {
		if err == nil && s.fsync {
			err = s.syncFolder()
		}
		return err
	}
	return s.writeAtomic(name, b)
}

// writeAtomic writes b to a new temporary file of the store's and renames
// it to name, so that a reader sees the old file or the new one, never a
// mix; a rename replaces whatever is at name, a planted link included,
// without following it.
func (s *Store) writeAtomic(name string, b []byte) error {
	var rnd [16]byte
	_, _ = rand.Read(rnd[:]) // crypto/rand never fails
	tmp := tmpPrefix + hex.EncodeToString(rnd[:])
	if ok, err := s.writeAtFolder(tmp, name, b); ok {
		if err == nil && s.fsync {
			err = s.syncFolder()
		}
		return err
	}
	f, err := s.root.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	_, err = f.Write(b)
	if err == nil && s.fsync {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = s.root.Rename(tmp, name)
	}
	if err != nil {
		_ = s.root.Remove(tmp)
		return err
	}
	if s.fsync {
		return s.syncFolder()
	}
	return nil
}

func (s *Store) syncFolder() error {
	d, err := s.root.Open(".")
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	return err
}

// removeName removes the entry at name; a missing one is no error.
func (s *Store) removeName(name string) error {
	if err := s.root.Remove(name); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return nil
}

// eachEntry calls fn for every entry of the folder at dir (relative to the
// store's), reading the folder dirBatch entries at a time so that a folder
// of a million sessions is never listed into memory at once; it stops at
// the first error of fn or of ctx (checked between batches).
func (s *Store) eachEntry(dir string, done func() error, fn func(fs.DirEntry) error) error {
	d, err := s.root.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	for {
		entries, err := d.ReadDir(dirBatch)
		for _, e := range entries {
			if err := done(); err != nil {
				return err
			}
			if err := fn(e); err != nil {
				return err
			}
		}
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
	}
}

// dirBatch is how many folder entries are read at a time.
const dirBatch = 256

// tmpMaxAge is how old a temporary file must be before the sweep takes it
// for the leftover of a crashed Save. A Save takes milliseconds.
const tmpMaxAge = time.Hour
