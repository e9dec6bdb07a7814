package filestore

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/seed-699a33a2/session/internal/locks"
	"github.com/seed-699a33a2/session/internal/sweep"
	"github.com/seed-699a33a2/session/store"
)

var (
	_ store.Store     = (*Store)(nil)
	_ store.Swapper   = (*Store)(nil)
	_ store.Locker    = (*Store)(nil)
	_ store.UserIndex = (*Store)(nil)
	_ store.Lister    = (*Store)(nil)
	_ store.Counter   = (*Store)(nil)
	_ store.Pruner    = (*Store)(nil)
	_ io.Closer       = (*Store)(nil)
)

// driver names the store in its errors.
const driver = "file"

const (
	suffix = ".session"
	// nameLen is the length of a session file's name: hex SHA-256 + suffix.
	nameLen = 64 + len(suffix)

	defaultCleanupInterval = 10 * time.Minute
)

// Options configure a [Store]. The zero value is ready to use and means the
// defaults documented on each field.
type Options struct {
	// Now returns the current time; the store compares expiries with it.
	// The default is time.Now. Tests inject a fake clock here.
	Now func() time.Time

	// Fsync makes Save sync what it wrote: a new file before renaming it
	// into place and the folder after, a change in place once written, so
	// that a saved session survives a power failure. The default, false, is
	// faster and still never leaves a torn session.
	Fsync bool

	// CleanupInterval is how often a background goroutine removes expired
	// session files. Zero means ten minutes; a negative value means never
	// (call DeleteExpired yourself, or from one process of several that
	// share a folder).
	CleanupInterval time.Duration

	// OnCleanupError, if set, receives the errors of the background sweep
	// (the store never logs). Nil means they are dropped; the next round
	// tries again, and DeleteExpired called directly returns them.
	OnCleanupError func(error)
}

// Store keeps sessions in files in one folder. It implements
// [store.Store], [store.Swapper], [store.Locker], [store.UserIndex],
// [store.Lister], [store.Counter], [store.Pruner] and [io.Closer]; no
// [store.Toucher]: a touch rewrites the file.
//
// A Store is safe for concurrent use by multiple goroutines. Create one
// with [New]; the zero value is not usable.
type Store struct {
	root       *os.Root    // the folder: no path the store opens leads outside it
	folderFile *folderFile // the folder's descriptor for reads (see openat_linux.go); nil for none
	dir        string
	now        func() time.Time
	fsync      bool
	sweep      *sweep.Loop // the background sweep, started by the first Save
	blocking   locks.Table // the blocking mode's locks within this process

	// locks serialize the changes to one session's file within this
	// process, beside the stripe files' flocks across processes (see
	// lockSession); locksReady is set once locksDir is known to exist.
	locks       [stripes]sync.Mutex
	stripeLocks stripeLocks // the cross-process side (see stripes.go)
	locksReady  atomic.Bool

	// noUnnamed is set once the folder turned out to refuse unnamed files
	// (see createAtFolder): new files go through a temporary name then.
	noUnnamed atomic.Bool
}

// New returns a store that keeps its files in dir, creating dir (and its
// parents) with mode 0700 if needed. An existing folder keeps its mode,
// but one that another user owns or that its group or everyone may write
// into is refused: whoever can write into the folder could plant sessions.
// It fails with an error wrapping [store.ErrBackend] and naming the path
// when dir cannot be created or is not a folder, and with a plain error
// when dir is empty (the current folder is never a default). No goroutine
// starts until the first Save.
func New(dir string, opts Options) (*Store, error) {
	root, abs, err := openFolder(dir)
	if err != nil {
		return nil, err
	}
	ff, err := openFolderFile(root, abs)
	if err != nil {
		root.Close()
		return nil, err
	}
	s := &Store{root: root, dir: abs, now: opts.Now, fsync: opts.Fsync, folderFile: ff}
	if s.now == nil {
		s.now = time.Now
	}
	s.sweep = sweep.New(sweep.Interval(opts.CleanupInterval, defaultCleanupInterval), s.DeleteExpired, opts.OnCleanupError)
	return s, nil
}

// Dir returns the absolute path of the store's folder.
func (s *Store) Dir() string { return s.dir }

// name returns the file name of the session with the given ID, which the
// caller has checked with store.ValidID.
func name(id string) string { return store.HashID(id) + suffix }

// Load returns the session with the given token (its ID). A token that is
// not a valid ID, an unknown or expired session, and a damaged file
// ([store.ErrCorrupt]) are all [store.ErrNotFound]; so is anything but a
// regular file under the session's name (a planted link or folder, which
// is never followed: [store.ErrCorrupt]). Any other failure to read the
// file wraps [store.ErrBackend].
func (s *Store) Load(ctx context.Context, token string) (store.Record, error) {
	if ok, err := store.Guard(ctx, driver, token, store.ErrNotFound); !ok {
		return store.Record{}, err
	}
	n := name(token)
	h, data, err := s.readDecoded(n)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		if err := s.checkFolder(); err != nil {
			return store.Record{}, backendErr(err)
		}
		return store.Record{}, store.ErrNotFound
	case errors.Is(err, errNotRegular), errors.Is(err, errCorruptFile):
		return store.Record{}, store.CorruptError(driver, fmt.Errorf("%s: %w", n, err))
	case err != nil:
		return store.Record{}, backendErr(err)
	}
	if !s.now().Before(h.expires) {
		return store.Record{}, store.ErrNotFound
	}
	r := h.record(data)
	r.ID = token
	return r, nil
}

// Save writes r to the file of r.ID and returns r.ID as the token. An ID
// that fails [store.ValidID] is [store.ErrInvalidID]. A record whose
// Expires is not after the store's clock is deleted instead, and Save
// returns ("", nil). The write is atomic: a new session's file appears
// whole or not at all (on Linux an unnamed file linked into place, elsewhere
// a temporary one renamed into place), and a change goes into the file's
// spare slot, the previous record staying whole until the new one is (see
// the package doc). The first Save starts the background sweeper.
func (s *Store) Save(ctx context.Context, r store.Record) (string, error) {
	tok, _, err := s.put(ctx, r, false)
	return tok, err
}

// SaveIf is Save on the condition that the stored version is r.Version (0:
// no live session under r.ID); otherwise it writes nothing and returns
// [store.ErrConflict]. It implements [store.Swapper]. The condition holds
// among the goroutines of one process and, on Linux, macOS and the BSDs,
// among the processes sharing the folder (see the package doc).
func (s *Store) SaveIf(ctx context.Context, r store.Record) (string, uint64, error) {
	return s.put(ctx, r, true)
}

// put writes r, on the version condition when cas is set. The session's
// lock is held from reading the current version to the write, so that
// versions never repeat, within the process or across processes. The user
// index follows the record's user: the link of a former user goes, the new
// user's comes.
func (s *Store) put(ctx context.Context, r store.Record, cas bool) (string, uint64, error) {
	if ok, err := store.Guard(ctx, driver, r.ID, store.ErrInvalidID); !ok {
		return "", 0, err
	}
	if len(r.UserID) > maxTextLen || len(r.IPAddress) > maxTextLen || len(r.UserAgent) > maxTextLen {
		return "", 0, fmt.Errorf("file: a user ID, IP address or user agent over %d bytes", maxTextLen)
	}
	n := name(r.ID)
	now := s.now()
	unlock, err := s.lockSession(n)
	if err != nil {
		return "", 0, backendErr(err)
	}
	defer unlock()
	f, file, err := s.current(n)
	if err != nil {
		return "", 0, backendErr(err)
	}
	if f != nil {
		defer f.Close()
	}
	cur, held := file.h, file.slot >= 0
	live := held && now.Before(cur.expires)
	version := uint64(0)
	if live {
		version = cur.version
	}
	if cas && version != r.Version {
		return "", 0, store.ErrConflict
	}
	if !r.Expires.After(now) {
		if err := s.removeSession(n, cur.user); err != nil {
			return "", 0, backendErr(err)
		}
		return "", 0, nil
	}
	s.sweep.Start()
	if cur.user != r.UserID && cur.user != "" {
		if err := s.unlink(cur.user, n); err != nil {
			return "", 0, backendErr(err)
		}
	}
	if r.UserID != "" {
		if err := s.link(r.UserID, n); err != nil {
			return "", 0, backendErr(err)
		}
	}
	rec := encode(r, version+1)
	switch off, ok := file.spareSlot(len(rec)); {
	case ok && live:
		err = s.writeSlot(f, rec, off)
	case f == nil:
		err = s.writeNew(n, slotted(rec))
	default:
		err = s.writeAtomic(n, slotted(rec))
	}
	if err != nil {
		return "", 0, backendErr(err)
	}
	return r.ID, version + 1, nil
}

// current opens the session file n for reading and writing and decodes it,
// for a change under n's lock. f is nil when there is no file (or anything
// but a regular file) under the name; the view's slot is -1 when there is
// no session of the store's in it, and its capacity 0 when the file is not
// slotted (an older format, whose record counts all the same) or has other
// hard links (it is never written in place).
func (s *Store) current(n string) (f writable, v slottedView, err error) {
	v.slot = -1
	f, st, err := s.openWritable(n)
	if errors.Is(err, fs.ErrNotExist) || errors.Is(err, errNotRegular) {
		return nil, v, nil // nothing, or not a session: a Save replaces it
	}
	if err != nil {
		return nil, v, err
	}
	b, err := readAll(f, st.size)
	if err != nil {
		f.Close()
		return nil, v, err
	}
	if isSlotted(b) {
		if sv, err := decodeSlotted(b); err == nil {
			v = sv
			if st.links > 1 {
				v.capacity = 0 // another name shares the file: a change rewrites it
			}
		}
		return f, v, nil
	}
	if h, data, err := decodeRecord(b, true); err == nil {
		v.h, v.data, v.slot = h, data, 0
	} else if h, err := decodeHeader(b); err == nil && len(b) >= h.size {
		// A damaged older file: its header still says whose it was.
		h.texts(b)
		v.h, v.slot = h, 0
	}
	return f, v, nil
}

// writeSlot writes the record rec at off of the session file f, in place
// (see slots.go), and syncs it with Options.Fsync.
func (s *Store) writeSlot(f writable, rec []byte, off int64) error {
	_, err := f.WriteAt(rec, off)
	if err == nil && s.fsync {
		err = f.Sync()
	}
	return err
}

// Delete removes the session with the given ID, and its link in its user's
// index. Deleting a missing session, or an ID that fails [store.ValidID],
// is not an error.
func (s *Store) Delete(ctx context.Context, id string) error {
	if ok, err := store.Guard(ctx, driver, id, nil); !ok {
		return err
	}
	return wrapErr(s.removeNamed(name(id)))
}

// removeNamed removes the session file n, whoever it is tied to, with its
// link in the user index.
func (s *Store) removeNamed(n string) error {
	unlock, err := s.lockSession(n)
	if err != nil {
		return err
	}
	defer unlock()
	h, _, err := s.peek(n, true)
	if err == nil {
		err = s.removeSession(n, h.user)
	}
	return err
}

// removeSession removes the session file n and its link in user's index
// (none for ""). The caller holds n's lock.
func (s *Store) removeSession(n, user string) error {
	if err := s.removeName(n); err != nil {
		return err
	}
	if user != "" {
		return s.unlink(user, n)
	}
	return nil
}

func backendErr(err error) error { return store.BackendError(driver, err) }
