package filestore

import (
	"context"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/seed-699a33a2/session/store"
)

const (
	// tmpMaxAge is how old a temporary file must be before the sweep takes
	// it for the leftover of a crashed Save. A Save takes milliseconds.
	tmpMaxAge = time.Hour

	// dirBatch is how many folder entries the sweep reads at a time, so
	// that a folder of a million sessions is never listed into memory at
	// once, and a cancelled ctx is noticed between batches.
	dirBatch = 256
)

// DeleteExpired removes the session files whose header says they have
// expired by the store's clock, and damaged files of this store whose
// header cannot be read, and reports how many it removed. It also removes
// temporary files (".tmp-*") whose modification time is more than an hour
// old by the real clock (the file system's), which a crashed Save left
// behind; those are not counted. Nothing else in the folder is touched:
// neither other names, nor folders, nor symbolic links.
//
// A cancelled ctx stops it between files with an error wrapping ctx.Err()
// and [store.ErrBackend]; so does a failure to list the folder or to remove
// a file. A file that disappears meanwhile is skipped.
func (s *Store) DeleteExpired(ctx context.Context) (int, error) {
	if err := ctx.Err(); err != nil {
		return 0, store.BackendError(driver, err)
	}
	d, err := os.Open(s.dir)
	if err != nil {
		return 0, store.BackendError(driver, err)
	}
	defer d.Close()
	removed := 0
	for {
		entries, err := d.ReadDir(dirBatch)
		for _, e := range entries {
			if err := ctx.Err(); err != nil {
				return removed, store.BackendError(driver, err)
			}
			switch n := e.Name(); {
			case isSessionName(n) && e.Type().IsRegular():
				ok, err := s.removeIfExpired(n)
				if err != nil {
					return removed, store.BackendError(driver, err)
				}
				if ok {
					removed++
				}
			case strings.HasPrefix(n, tmpPrefix) && e.Type().IsRegular():
				if err := removeIfOld(filepath.Join(s.dir, n), e); err != nil {
					return removed, store.BackendError(driver, err)
				}
			}
		}
		if errors.Is(err, io.EOF) {
			return removed, s.pruneLinks(ctx)
		}
		if err != nil {
			return removed, store.BackendError(driver, err)
		}
	}
}

// pruneLinks removes the user index's links to session files that are
// gone, and the user folders left empty. Links to live sessions stay.
func (s *Store) pruneLinks(ctx context.Context) error {
	root := filepath.Join(s.dir, usersDir)
	users, err := os.ReadDir(root)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		return store.BackendError(driver, err)
	}
	for _, u := range users {
		if !u.IsDir() {
			continue
		}
		dir := filepath.Join(root, u.Name())
		links, err := os.ReadDir(dir)
		if err != nil {
			return store.BackendError(driver, err)
		}
		left := len(links)
		for _, l := range links {
			if err := ctx.Err(); err != nil {
				return store.BackendError(driver, err)
			}
			if !isSessionName(l.Name()) {
				continue
			}
			if _, err := os.Lstat(filepath.Join(s.dir, l.Name())); errors.Is(err, fs.ErrNotExist) {
				if os.Remove(filepath.Join(dir, l.Name())) == nil {
					left--
				}
			}
		}
		if left == 0 {
			_ = os.Remove(dir) // fails harmlessly if a Save just linked a session
		}
	}
	return nil
}

// isSessionName reports whether n is exactly 64 lowercase hex digits and
// the suffix: the only names this store gives its session files.
func isSessionName(n string) bool {
	if len(n) != nameLen || n[64:] != suffix {
		return false
	}
	for i := 0; i < 64; i++ {
		if c := n[i]; !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}

// removeIfExpired removes the session file n if its header says it has
// expired or cannot be read. The check and the removal hold the file's
// lock, so that a concurrent Save renewing the session is never undone.
func (s *Store) removeIfExpired(n string) (bool, error) {
	mu := s.lockFor(n)
	mu.Lock()
	defer mu.Unlock()
	path := filepath.Join(s.dir, n)
	f, err := os.Open(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return false, nil
		}
		return false, err
	}
	var b [headerLen]byte
	got, err := io.ReadAtLeast(f, b[:], headerLen1)
	f.Close()
	switch {
	case err == nil:
		h, herr := decodeHeader(b[:got])
		if herr == nil && s.now().Before(h.expires) {
			return false, nil
		}
	case errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF):
		// A truncated file of ours: corrupt, remove it.
	default:
		return false, err
	}
	if err := os.Remove(path); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return false, nil
		}
		return false, err
	}
	return true, nil
}

// removeIfOld removes the temporary file at path if it was last modified
// more than tmpMaxAge ago.
func removeIfOld(path string, e fs.DirEntry) error {
	fi, err := e.Info()
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		return err
	}
	if time.Since(fi.ModTime()) <= tmpMaxAge {
		return nil
	}
	if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return nil
}
