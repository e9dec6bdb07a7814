package filestore

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strconv"
	"time"

	"github.com/seed-699a33a2/session/internal/locks"
	"github.com/seed-699a33a2/session/store"
)

// The blocking mode's locks. Within a process, waiters queue in an
// in-process table, so that only one goroutine per process polls the
// folder; across processes the lock is a lock file,
// locksDir/<HashID>.lock, created with O_EXCL and holding its lease
// deadline and its holder's token. A lock file whose deadline has passed
// is stale: a waiter removes it (under the session's stripe lock, so that
// it never removes a newer holder's file) and creates its own. Its holder
// removes it on unlock, if it is still its own.

// lockSuffix ends the name of a lock file; lockLen is the length of its
// content: the deadline (16 hex digits of Unix nanoseconds), a space, the
// token (32 hex digits) and a newline.
const (
	lockSuffix = ".lock"
	lockLen    = 16 + 1 + 32 + 1
)

// unwrittenGrace is how long a lock file may stay shorter than lockLen
// before it counts as stale: its creator crashed between creating and
// writing it. Writing 50 bytes takes microseconds.
const unwrittenGrace = 10 * time.Second

// Lock takes the lock of the session with the given ID for the manager's
// blocking mode; see [store.Locker]. On Linux, macOS and the BSDs it holds
// across the processes sharing the folder (a lock file with a lease);
// elsewhere within this process only.
func (s *Store) Lock(ctx context.Context, id string, lease time.Duration) (func(context.Context) error, error) {
	if err := ctx.Err(); err != nil {
		return nil, backendErr(err)
	}
	key := store.HashIDBytes(id)
	release, err := s.blocking.Lock(ctx, key, lease)
	if err != nil || !crossProcess {
		return release, err
	}
	name := locksDir + "/" + hex.EncodeToString(key[:]) + lockSuffix
	token := locks.NewToken()
	var p locks.Poller
	for {
		ok, err := s.tryLockFile(name, token, time.Now().Add(lease))
		if err != nil {
			_ = release(ctx)
			return nil, backendErr(err)
		}
		if ok {
			break
		}
		if !p.Wait(ctx) {
			_ = release(ctx)
			return nil, fmt.Errorf("%w: %w", store.ErrLockTimeout, ctx.Err())
		}
	}
	return locks.ReleaseOnce(func(ctx context.Context) error {
		err := s.unlockFile(name, token)
		_ = release(ctx)
		return err
	}, backendErr), nil
}

// tryLockFile creates the lock file name for token until deadline, after
// removing a stale one, and reports whether it did; false means another
// holder has the lock.
func (s *Store) tryLockFile(name, token string, deadline time.Time) (bool, error) {
	for attempt := 0; attempt < 2; attempt++ {
		if err := s.ensureLocksDir(); err != nil {
			return false, err
		}
		f, err := s.root.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		switch {
		case err == nil:
			_, err = f.Write(lockContent(deadline, token))
			if cerr := f.Close(); err == nil {
				err = cerr
			}
			if err != nil {
				_ = s.root.Remove(name)
				return false, err
			}
			return true, nil
		case errors.Is(err, fs.ErrNotExist) && attempt == 0:
			s.locksReady.Store(false) // locksDir was removed: make it again
			continue
		case !errors.Is(err, fs.ErrExist):
			return false, err
		}
		removed, err := s.removeStaleLock(name)
		if err != nil || !removed {
			return false, err
		}
	}
	return false, nil
}

// lockContent is what a lock file holds.
func lockContent(deadline time.Time, token string) []byte {
	b := make([]byte, 0, lockLen)
	b = append(b, fmt.Sprintf("%016x", uint64(deadline.UnixNano()))...)
	b = append(b, ' ')
	b = append(b, token...)
	return append(b, '\n')
}

// readLock reads the lock file name: its deadline and token, with ok false
// when it is not fully written, and its modification time.
func (s *Store) readLock(name string) (deadline time.Time, token string, modified time.Time, ok bool, err error) {
	f, fi, err := s.openRegular(name)
	if err != nil {
		return time.Time{}, "", time.Time{}, false, err
	}
	defer f.Close()
	b := make([]byte, lockLen+1)
	n, _ := f.ReadAt(b, 0)
	if n != lockLen || b[16] != ' ' || b[lockLen-1] != '\n' {
		return time.Time{}, "", fi.ModTime(), false, nil
	}
	nanos, err := strconv.ParseUint(string(b[:16]), 16, 64)
	if err != nil {
		return time.Time{}, "", fi.ModTime(), false, nil
	}
	return time.Unix(0, int64(nanos)), string(b[17 : lockLen-1]), fi.ModTime(), true, nil
}

// stale reports whether a lock file read by readLock no longer holds the
// lock at now.
func stale(deadline, modified time.Time, ok bool, now time.Time) bool {
	if !ok {
		return now.Sub(modified) > unwrittenGrace
	}
	return !now.Before(deadline)
}

// removeStaleLock removes the lock file name if it is stale, and reports
// whether it did (or the file was gone already). It holds the session's
// stripe lock, so that the file it judged is the file it removes.
func (s *Store) removeStaleLock(name string) (bool, error) {
	unlock, err := s.lockSession(name[len(locksDir)+1:])
	if err != nil {
		return false, err
	}
	defer unlock()
	deadline, _, modified, ok, err := s.readLock(name)
	if errors.Is(err, fs.ErrNotExist) {
		return true, nil
	}
	if errors.Is(err, errNotRegular) {
		return false, fmt.Errorf("%s: %w", name, err)
	}
	if err != nil || !stale(deadline, modified, ok, time.Now()) {
		return false, err
	}
	return true, s.removeName(name)
}

// unlockFile removes the lock file name if token still holds it.
func (s *Store) unlockFile(name, token string) error {
	unlock, err := s.lockSession(name[len(locksDir)+1:])
	if err != nil {
		return err
	}
	defer unlock()
	_, owner, _, ok, err := s.readLock(name)
	if errors.Is(err, fs.ErrNotExist) || errors.Is(err, errNotRegular) {
		return nil
	}
	if err != nil || !ok || owner != token {
		return err // another holder's now
	}
	return s.removeName(name)
}

// isLockName reports whether n (in locksDir) names a lock file.
func isLockName(n string) bool {
	return len(n) == 64+len(lockSuffix) && n[64:] == lockSuffix && isHex(n[:64])
}

// ensureLocksDir makes sure locksDir exists, checking it once per store
// (and again after an open in it found it missing).
func (s *Store) ensureLocksDir() error {
	if s.locksReady.Load() {
		return nil
	}
	if err := s.folder(locksDir); err != nil {
		return err
	}
	s.locksReady.Store(true)
	return nil
}

// pruneLocks removes the stale lock files (their holders crashed or never
// unlocked). The stripe files, and anything that is not a lock file of
// the store's, stay.
func (s *Store) pruneLocks(ctx context.Context) error {
	if ok, err := s.isFolder(locksDir); err != nil || !ok {
		return err
	}
	return s.eachEntry(locksDir, ctx.Err, func(e fs.DirEntry) error {
		if !e.Type().IsRegular() || !isLockName(e.Name()) {
			return nil
		}
		_, err := s.removeStaleLock(locksDir + "/" + e.Name())
		return err
	})
}
