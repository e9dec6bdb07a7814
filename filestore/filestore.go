package filestore

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/seed-699a33a2/session/internal/locks"
	"github.com/seed-699a33a2/session/internal/sweep"
	"github.com/seed-699a33a2/session/store"
)

// driver names the store in its errors.
const driver = "file"

const (
	suffix    = ".session"
	tmpPrefix = ".tmp-"
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

	// Fsync makes Save sync the file before renaming it into place and the
	// folder after, so that a saved session survives a power failure.
	// The default, false, is faster and still never leaves a torn file.
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
// [store.Store], [store.Pruner] and [io.Closer].
//
// A Store is safe for concurrent use by multiple goroutines. Create one
// with [New]; the zero value is not usable.
type Store struct {
	dir      string
	now      func() time.Time
	fsync    bool
	sweep    *sweep.Loop // the background sweep, started by the first Save
	blocking locks.Table // the blocking mode's locks (within this process)

	// locks serialize the changes to one session's file (rename, remove,
	// and the sweep's check-then-remove) within this process, striped by
	// the first byte of the file name's hash.
	locks [256]sync.Mutex
}

// New returns a store that keeps its files in dir, creating dir (and its
// parents) with mode 0700 if needed. An existing folder keeps its mode. It
// fails with an error wrapping [store.ErrBackend] and naming the path when
// dir cannot be created or is not a folder, and with a plain error when dir
// is empty (the current folder is never a default). No goroutine starts
// until the first Save.
func New(dir string, opts Options) (*Store, error) {
	if dir == "" {
		return nil, errors.New("file: no folder given")
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, store.BackendError(driver, fmt.Errorf("folder %q: %w", dir, err))
	}
	if err := os.MkdirAll(abs, 0o700); err != nil {
		return nil, store.BackendError(driver, fmt.Errorf("create folder: %w", err))
	}
	fi, err := os.Stat(abs)
	if err != nil {
		return nil, store.BackendError(driver, err)
	}
	if !fi.IsDir() {
		return nil, store.BackendError(driver, fmt.Errorf("%s is not a folder", abs))
	}
	s := &Store{dir: abs, now: opts.Now, fsync: opts.Fsync}
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

// lockFor returns the lock of the session file with the given name.
func (s *Store) lockFor(name string) *sync.Mutex {
	return &s.locks[unhex(name[0])<<4|unhex(name[1])]
}

func unhex(c byte) byte {
	if c >= 'a' {
		return c - 'a' + 10
	}
	return c - '0'
}

// Load returns the session with the given token (its ID). A token that is
// not a valid ID, an unknown or expired session, and a damaged file
// ([store.ErrCorrupt]) are all [store.ErrNotFound]. Any other failure to
// read the file wraps [store.ErrBackend].
func (s *Store) Load(ctx context.Context, token string) (store.Record, error) {
	if ok, err := store.Guard(ctx, driver, token, store.ErrNotFound); !ok {
		return store.Record{}, err
	}
	n := name(token)
	b, err := os.ReadFile(filepath.Join(s.dir, n))
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return store.Record{}, store.ErrNotFound
		}
		return store.Record{}, store.BackendError(driver, err)
	}
	h, data, err := decode(b)
	if err != nil {
		return store.Record{}, store.CorruptError(driver, fmt.Errorf("%s: %w", n, err))
	}
	if !s.now().Before(h.expires) {
		return store.Record{}, store.ErrNotFound
	}
	return store.Record{ID: token, Data: data, Created: h.created, Expires: h.expires, Version: h.version, UserID: h.user}, nil
}

// Save writes r to the file of r.ID and returns r.ID as the token. An ID
// that fails [store.ValidID] is [store.ErrInvalidID]. A record whose
// Expires is not after the store's clock is deleted instead, and Save
// returns ("", nil). The write is atomic: a temporary file in the same
// folder is renamed over the session's file. The first Save starts the
// background sweeper.
func (s *Store) Save(ctx context.Context, r store.Record) (string, error) {
	tok, _, err := s.put(ctx, r, false)
	return tok, err
}

// SaveIf is Save on the condition that the stored version is r.Version (0:
// no live session under r.ID); otherwise it writes nothing and returns
// [store.ErrConflict]. It implements [store.Swapper]. The condition holds
// among the goroutines of one process (a lock per session file); processes
// sharing one folder are not coordinated.
func (s *Store) SaveIf(ctx context.Context, r store.Record) (string, uint64, error) {
	return s.put(ctx, r, true)
}

// put writes r, on the version condition when cas is set. The session's
// lock is held from reading the current version to the rename, so that
// versions never repeat within the process.
func (s *Store) put(ctx context.Context, r store.Record, cas bool) (string, uint64, error) {
	if ok, err := store.Guard(ctx, driver, r.ID, store.ErrInvalidID); !ok {
		return "", 0, err
	}
	if len(r.UserID) > maxUserLen {
		return "", 0, fmt.Errorf("file: user ID of %d bytes, at most %d", len(r.UserID), maxUserLen)
	}
	n := name(r.ID)
	path := filepath.Join(s.dir, n)
	now := s.now()
	mu := s.lockFor(n)
	mu.Lock()
	defer mu.Unlock()
	cur, err := s.currentVersion(path, now)
	if err != nil {
		return "", 0, store.BackendError(driver, err)
	}
	if cas && cur != r.Version {
		return "", 0, store.ErrConflict
	}
	if !r.Expires.After(now) {
		if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return "", 0, store.BackendError(driver, err)
		}
		return "", 0, nil
	}
	s.sweep.Start()
	if r.UserID != "" {
		if err := s.link(r.UserID, n); err != nil {
			return "", 0, store.BackendError(driver, err)
		}
	}
	tmp, err := s.writeTemp(encode(r.Data, r.Created, r.Expires, cur+1, r.UserID))
	if err != nil {
		return "", 0, store.BackendError(driver, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		_ = os.Remove(tmp)
		return "", 0, store.BackendError(driver, err)
	}
	if s.fsync {
		if err := syncDir(s.dir); err != nil {
			return "", 0, store.BackendError(driver, err)
		}
	}
	return r.ID, cur + 1, nil
}

// currentVersion returns the version of the live session stored at path,
// or 0 when there is none (missing, expired or damaged). It reads only the
// header.
func (s *Store) currentVersion(path string, now time.Time) (uint64, error) {
	f, err := os.Open(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return 0, nil
		}
		return 0, err
	}
	defer f.Close()
	var b [headerLen]byte
	n, err := io.ReadAtLeast(f, b[:], headerLen1)
	if err != nil {
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return 0, nil // damaged: there is no live session to protect
		}
		return 0, err
	}
	h, err := decodeHeader(b[:n])
	if err != nil || !now.Before(h.expires) {
		return 0, nil
	}
	return h.version, nil
}

// writeTemp writes b to a new temporary file in the folder and returns its
// path. On failure it removes the file.
func (s *Store) writeTemp(b []byte) (path string, err error) {
	f, err := os.CreateTemp(s.dir, tmpPrefix+"*")
	if err != nil {
		return "", err
	}
	defer func() {
		if err != nil {
			_ = f.Close()
			_ = os.Remove(f.Name())
		}
	}()
	if _, err := f.Write(b); err != nil {
		return "", err
	}
	if s.fsync {
		if err := f.Sync(); err != nil {
			return "", err
		}
	}
	if err := f.Close(); err != nil {
		return "", err // the deferred Close fails harmlessly; Remove runs
	}
	return f.Name(), nil
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	return err
}

// Delete removes the session with the given ID. Deleting a missing
// session, or an ID that fails [store.ValidID], is not an error.
func (s *Store) Delete(ctx context.Context, id string) error {
	if ok, err := store.Guard(ctx, driver, id, nil); !ok {
		return err
	}
	return s.remove(name(id))
}

// remove deletes the session file with the given name; a missing file is
// not an error.
func (s *Store) remove(name string) error {
	mu := s.lockFor(name)
	mu.Lock()
	err := os.Remove(filepath.Join(s.dir, name))
	mu.Unlock()
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return store.BackendError(driver, err)
	}
	return nil
}
