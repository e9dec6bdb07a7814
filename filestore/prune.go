package filestore

import (
	"context"
	"errors"
	"io/fs"
	"path"
	"time"
)

// DeleteExpired removes the session files whose header says they have
// expired by the store's clock, and the files of this store whose header is
// damaged past its first bytes, with their links in the user index, and
// reports how many it removed. It also removes the store's own temporary
// files (".tmp-session-" and 32 hex digits) whose modification time is more
// than an hour old by the file system's clock, which a crashed Save left
// behind, the index's links to sessions that are gone, and the blocking
// mode's lock files whose lease has passed; those are not counted. The
// stripe files of locks/ are never removed. Nothing else in the folder is touched: no file it cannot prove
// its own (another name, or a session's name with another program's
// header), no folder, no link.
//
// A cancelled ctx stops it between files with an error wrapping ctx.Err()
// and [store.ErrBackend]; so does a failure to list the folder or to remove
// a file. A file that disappears meanwhile is skipped.
func (s *Store) DeleteExpired(ctx context.Context) (int, error) {
	if err := ctx.Err(); err != nil {
		return 0, backendErr(err)
	}
	if err := s.checkFolder(); err != nil {
		return 0, backendErr(err)
	}
	removed := 0
	err := s.eachEntry(".", ctx.Err, func(e fs.DirEntry) error {
		if !e.Type().IsRegular() {
			return nil
		}
		switch n := e.Name(); {
		case isSessionName(n):
			ok, err := s.removeIfExpired(n)
			if ok {
				removed++
			}
			return err
		case isTempName(n):
			return s.removeIfOld(n, e)
		}
		return nil
	})
	if err == nil {
		err = s.pruneLinks(ctx)
	}
	if err == nil {
		err = s.pruneLocks(ctx)
	}
	if err != nil {
		return removed, backendErr(err)
	}
	return removed, nil
}

// removeIfExpired removes the session file n if it is the store's own and
// its header says it has expired, or cannot be read past the store's
// magic. The check and the removal hold the file's lock, so that a
// concurrent Save renewing the session is never undone.
func (s *Store) removeIfExpired(n string) (bool, error) {
	unlock, err := s.lockSession(n)
	if err != nil {
		return false, err
	}
	defer unlock()
	b, err := s.readRegular(n)
	if errors.Is(err, fs.ErrNotExist) || errors.Is(err, errNotRegular) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	if !ours(b) {
		return false, nil // another program's file under a session's name
	}
	var h header
	if isSlotted(b) {
		// Read under the lock: no writer is changing a slot, so a file
		// none of whose slots is whole is damaged, and removed.
		var v slottedView
		v, err = decodeSlotted(b)
		h = v.h
	} else {
		h, err = decodeHeader(b)
		if err == nil && len(b) >= h.size {
			h.texts(b)
		}
	}
	if err == nil && s.now().Before(h.expires) {
		return false, nil
	}
	if err := s.removeSession(n, h.user); err != nil {
		return false, err
	}
	return true, nil
}

// removeIfOld removes the store's temporary file n if it was last modified
// more than tmpMaxAge ago.
func (s *Store) removeIfOld(n string, e fs.DirEntry) error {
	fi, err := e.Info()
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	if time.Since(fi.ModTime()) <= tmpMaxAge {
		return nil
	}
	return s.removeName(n)
}

// pruneLinks removes the user index's links to session files that are
// gone, and the user folders left empty; a crashed Save or Delete can leave
// those. Links to live sessions stay; folders that are links are never
// entered.
func (s *Store) pruneLinks(ctx context.Context) error {
	if ok, err := s.isFolder(usersDir); err != nil || !ok {
		return err
	}
	return s.eachEntry(usersDir, ctx.Err, func(u fs.DirEntry) error {
		if !u.IsDir() || !isHex(u.Name()) {
			return nil
		}
		dir := path.Join(usersDir, u.Name())
		err := s.eachEntry(dir, ctx.Err, func(l fs.DirEntry) error {
			if !isSessionName(l.Name()) {
				return nil
			}
			if _, err := s.root.Lstat(l.Name()); errors.Is(err, fs.ErrNotExist) {
				return s.removeName(path.Join(dir, l.Name()))
			}
			return nil
		})
		_ = s.root.Remove(dir) // fails harmlessly while links are left
		return err
	})
}

// isSessionName reports whether n is exactly 64 lowercase hex digits and
// the suffix: the only names this store gives its session files.
func isSessionName(n string) bool {
	return len(n) == nameLen && n[64:] == suffix && isHex(n[:64])
}
