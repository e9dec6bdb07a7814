package filestore

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/seed-699a33a2/session/store"
)

// The user index: a folder per user under usersDir, named by the SHA-256 of
// the user ID, holding one empty file per session tied to the user, named
// like the session's file. A link outlives its session until a reader (or
// the sweep) finds it dead and removes it; the session file's own header
// says whose it is, so a stale link never shows another user's session.
const usersDir = "users"

func userDir(user string) string {
	sum := sha256.Sum256([]byte(user))
	return hex.EncodeToString(sum[:])
}

// link records that the session file n belongs to user.
func (s *Store) link(user, n string) error {
	dir := filepath.Join(s.dir, usersDir, userDir(user))
	for attempt := 0; ; attempt++ {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return err
		}
		f, err := os.OpenFile(filepath.Join(dir, n), os.O_CREATE|os.O_WRONLY, 0o600)
		if errors.Is(err, fs.ErrNotExist) && attempt == 0 {
			continue // the sweep removed the empty folder in between
		}
		if err != nil {
			return err
		}
		return f.Close()
	}
}

// readSession reads the session file n if it is live and belongs to user.
func (s *Store) readSession(n, user string) (store.Record, bool, error) {
	b, err := os.ReadFile(filepath.Join(s.dir, n))
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return store.Record{}, false, nil
		}
		return store.Record{}, false, err
	}
	h, data, err := decode(b)
	if err != nil || h.user != user || !s.now().Before(h.expires) {
		return store.Record{}, false, nil
	}
	return store.Record{Data: data, Created: h.created, Expires: h.expires, Version: h.version, UserID: h.user}, true, nil
}

// UserSessions returns the live sessions tied to userID, dropping the
// index's dead links on the way. It implements [store.UserIndex].
func (s *Store) UserSessions(ctx context.Context, userID string) ([]store.UserSession, error) {
	if err := ctx.Err(); err != nil {
		return nil, store.BackendError(driver, err)
	}
	dir := filepath.Join(s.dir, usersDir, userDir(userID))
	entries, err := os.ReadDir(dir)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, nil
		}
		return nil, store.BackendError(driver, err)
	}
	var out []store.UserSession
	for _, e := range entries {
		n := e.Name()
		if !isSessionName(n) {
			continue
		}
		r, ok, err := s.readSession(n, userID)
		if err != nil {
			return nil, store.BackendError(driver, err)
		}
		if !ok {
			_ = os.Remove(filepath.Join(dir, n))
			continue
		}
		out = append(out, store.UserSession{Handle: strings.TrimSuffix(n, suffix), Record: r})
	}
	return out, nil
}

// DeleteUserSession deletes the session with the given handle if it belongs
// to userID. It implements [store.UserIndex].
func (s *Store) DeleteUserSession(ctx context.Context, userID, handle string) error {
	if err := ctx.Err(); err != nil {
		return store.BackendError(driver, err)
	}
	n := handle + suffix
	if !isSessionName(n) {
		return nil
	}
	mu := s.lockFor(n)
	mu.Lock()
	defer mu.Unlock()
	if _, ok, err := s.readSession(n, userID); err != nil || !ok {
		if err != nil {
			return store.BackendError(driver, err)
		}
		return nil
	}
	if err := os.Remove(filepath.Join(s.dir, n)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return store.BackendError(driver, err)
	}
	_ = os.Remove(filepath.Join(s.dir, usersDir, userDir(userID), n))
	return nil
}
