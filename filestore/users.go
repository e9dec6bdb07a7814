package filestore

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"strings"

	"github.com/seed-699a33a2/session/store"
)

// The user index: a folder per user under usersDir, named by the SHA-256 of
// the user ID, holding one empty file per session tied to the user, named
// like the session's file. A link is made when a session is tied to the
// user and removed with the session (deleted, expired and swept, or tied
// to someone else), and a user's folder goes with its last link. The
// session file's own header says whose it is, so a stale link (left by a
// crash) never shows another user's session, and the sweep removes it.
const usersDir = "users"

func userDir(user string) string {
	sum := sha256.Sum256([]byte(user))
	return path.Join(usersDir, hex.EncodeToString(sum[:]))
}

// errNotFolder is why the store refuses a users folder (or a user's)
// that is a link or a file: it is never followed.
var errNotFolder = errors.New("not a folder")

// folder makes sure name (relative to the store's folder) is a real
// folder, creating it when missing.
func (s *Store) folder(name string) error {
	fi, err := s.root.Lstat(name)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		if err := s.root.Mkdir(name, 0o700); err != nil && !errors.Is(err, fs.ErrExist) {
			return err
		}
		return s.folder(name) // check what is there now
	case err != nil:
		return err
	case !fi.IsDir():
		return fmt.Errorf("%s: %w", name, errNotFolder)
	}
	return nil
}

// isFolder reports whether name, and the folders on its way, are real
// folders (not links to folders).
func (s *Store) isFolder(name string) (bool, error) {
	if dir := path.Dir(name); dir != "." {
		if ok, err := s.isFolder(dir); err != nil || !ok {
			return false, err
		}
	}
	fi, err := s.root.Lstat(name)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return fi.IsDir(), nil
}

// link records that the session file n belongs to user.
func (s *Store) link(user, n string) error {
	dir := userDir(user)
	for attempt := 0; ; attempt++ {
		if err := s.folder(usersDir); err != nil {
			return err
		}
		if err := s.folder(dir); err != nil {
			return err
		}
		f, err := s.root.OpenFile(path.Join(dir, n), os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
		switch {
		case err == nil:
			return f.Close()
		case errors.Is(err, fs.ErrExist):
			return nil // linked already
		case errors.Is(err, fs.ErrNotExist) && attempt == 0:
			continue // the sweep removed the empty folder in between
		}
		return err
	}
}

// unlink removes the link of the session file n from user's index, and the
// user's folder when that was its last link.
func (s *Store) unlink(user, n string) error {
	dir := userDir(user)
	if ok, err := s.isFolder(dir); err != nil || !ok {
		return err
	}
	if err := s.removeName(path.Join(dir, n)); err != nil {
		return err
	}
	_ = s.root.Remove(dir) // fails harmlessly while other links are left
	return nil
}

// readSession reads the session file n if it is live and belongs to user.
func (s *Store) readSession(n, user string) (store.Record, bool, error) {
	h, data, err := s.readDecoded(n)
	if errors.Is(err, fs.ErrNotExist) || errors.Is(err, errNotRegular) || errors.Is(err, errCorruptFile) {
		return store.Record{}, false, nil
	}
	if err != nil {
		return store.Record{}, false, err
	}
	if h.user != user || !s.now().Before(h.expires) {
		return store.Record{}, false, nil
	}
	return h.record(data), true, nil
}

// UserSessions returns the live sessions tied to userID, dropping the
// index's stale links on the way. It implements [store.UserIndex].
func (s *Store) UserSessions(ctx context.Context, userID string) ([]store.UserSession, error) {
	if err := ctx.Err(); err != nil {
		return nil, backendErr(err)
	}
	dir := userDir(userID)
	if ok, err := s.isFolder(dir); err != nil || !ok {
		return nil, wrapErr(err)
	}
	var out []store.UserSession
	err := s.eachEntry(dir, ctx.Err, func(e fs.DirEntry) error {
		n := e.Name()
		if !isSessionName(n) {
			return nil
		}
		r, ok, err := s.readSession(n, userID)
		if err != nil {
			return err
		}
		if !ok {
			_ = s.root.Remove(path.Join(dir, n))
			return nil
		}
		out = append(out, store.UserSession{Handle: strings.TrimSuffix(n, suffix), Record: r})
		return nil
	})
	if err != nil {
		return nil, backendErr(err)
	}
	return out, nil
}

// DeleteUserSession deletes the session with the given handle if it belongs
// to userID. It implements [store.UserIndex].
func (s *Store) DeleteUserSession(ctx context.Context, userID, handle string) error {
	if ok, err := store.GuardHandle(ctx, driver, handle); !ok {
		return err
	}
	n := handle + suffix
	unlock, err := s.lockSession(n)
	if err != nil {
		return backendErr(err)
	}
	defer unlock()
	h, ok, err := s.peek(n, true)
	if err == nil && ok && h.user == userID {
		err = s.removeSession(n, userID)
	}
	return wrapErr(err)
}

// wrapErr is backendErr for a non-nil err.
func wrapErr(err error) error {
	if err == nil {
		return nil
	}
	return backendErr(err)
}
