package filestore

import (
	"context"
	"errors"
	"io/fs"
	"strings"

	"github.com/seed-699a33a2/session/store"
)

// errStop ends a walk that fn stopped.
var errStop = errors.New("stop")

// List calls fn with each live session until fn returns false. It reads
// the folder a batch of entries at a time and each session file once, so
// its memory does not grow with the number of sessions. It implements
// [store.Lister].
func (s *Store) List(ctx context.Context, fn func(store.UserSession) bool) error {
	if err := ctx.Err(); err != nil {
		return backendErr(err)
	}
	if err := s.checkFolder(); err != nil {
		return backendErr(err)
	}
	now := s.now()
	err := s.eachEntry(".", ctx.Err, func(e fs.DirEntry) error {
		n := e.Name()
		if !isSessionName(n) || !e.Type().IsRegular() {
			return nil
		}
		h, data, err := s.readDecoded(n)
		if errors.Is(err, fs.ErrNotExist) || errors.Is(err, errNotRegular) || errors.Is(err, errCorruptFile) {
			return nil // removed meanwhile, or not a session
		}
		if err != nil {
			return err
		}
		if !now.Before(h.expires) {
			return nil
		}
		if !fn(store.UserSession{Handle: strings.TrimSuffix(n, suffix), Record: h.record(data)}) {
			return errStop
		}
		return nil
	})
	if err != nil && !errors.Is(err, errStop) {
		return backendErr(err)
	}
	return nil
}

// DeleteHandle deletes the session with the given handle (see
// [store.UserSession]), and its link in its user's index. It implements
// [store.Lister].
func (s *Store) DeleteHandle(ctx context.Context, handle string) error {
	if ok, err := store.GuardHandle(ctx, driver, handle); !ok {
		return err
	}
	n := handle + suffix
	return wrapErr(s.removeNamed(n))
}
