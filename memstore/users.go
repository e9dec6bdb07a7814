package memstore

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"sync"

	"github.com/seed-699a33a2/session/store"
)

// userIndex maps a user to the keys of the sessions tied to them. Members
// are added on Save and dropped lazily: whoever reads a user's set drops
// the keys whose session is gone or belongs to someone else now, so the
// index never needs the sweep. It has its own lock, which the Load path
// never takes.
type userIndex struct {
	mu    sync.Mutex
	users map[string]map[[sha256.Size]byte]struct{}
}

// pruneAbove is the size past which add drops dead members of the set it
// adds to, so that a user who signs in often does not grow it forever.
const pruneAbove = 16

func (u *userIndex) add(user string, key [sha256.Size]byte, alive func(key [sha256.Size]byte, user string) bool) {
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.users == nil {
		u.users = make(map[string]map[[sha256.Size]byte]struct{})
	}
	set := u.users[user]
	if set == nil {
		set = make(map[[sha256.Size]byte]struct{})
		u.users[user] = set
	}
	set[key] = struct{}{}
	if len(set) > pruneAbove {
		for k := range set {
			if !alive(k, user) {
				delete(set, k)
			}
		}
	}
}

// keys returns the user's keys, dropping those for which alive is false.
func (u *userIndex) keys(user string, alive func(key [sha256.Size]byte, user string) bool) [][sha256.Size]byte {
	u.mu.Lock()
	defer u.mu.Unlock()
	set := u.users[user]
	out := make([][sha256.Size]byte, 0, len(set))
	for k := range set {
		if alive(k, user) {
			out = append(out, k)
		} else {
			delete(set, k)
		}
	}
	if len(set) == 0 {
		delete(u.users, user)
	}
	return out
}

// alive reports whether key names a live session of user.
func (s *Store) alive(key [sha256.Size]byte, user string) bool {
	_, ok := s.get(key, user)
	return ok
}

// get returns the live session under key if it belongs to user.
func (s *Store) get(key [sha256.Size]byte, user string) (store.Record, bool) {
	sh := s.shardFor(&key)
	now := s.now()
	sh.mu.RLock()
	defer sh.mu.RUnlock()
	e, ok := sh.m[key]
	if !ok || !now.Before(e.expires) || e.userID != user {
		return store.Record{}, false
	}
	r := store.Record{Created: e.created, Expires: e.expires, Version: e.version, UserID: e.userID}
	if len(e.data) > 0 {
		r.Data = append([]byte(nil), e.data...)
	}
	return r, true
}

// UserSessions returns the live sessions tied to userID. It implements
// [store.UserIndex].
func (s *Store) UserSessions(ctx context.Context, userID string) ([]store.UserSession, error) {
	if err := ctx.Err(); err != nil {
		return nil, backendErr("user sessions", err)
	}
	var out []store.UserSession
	for _, k := range s.users.keys(userID, s.alive) {
		if r, ok := s.get(k, userID); ok {
			out = append(out, store.UserSession{Handle: hex.EncodeToString(k[:]), Record: r})
		}
	}
	return out, nil
}

// DeleteUserSession deletes the session with the given handle if it
// belongs to userID. It implements [store.UserIndex].
func (s *Store) DeleteUserSession(ctx context.Context, userID, handle string) error {
	if err := ctx.Err(); err != nil {
		return backendErr("delete user session", err)
	}
	var key [sha256.Size]byte
	if len(handle) != 2*sha256.Size {
		return nil
	}
	if _, err := hex.Decode(key[:], []byte(handle)); err != nil {
		return nil
	}
	sh := s.shardFor(&key)
	sh.mu.Lock()
	if e, ok := sh.m[key]; ok && e.userID == userID {
		delete(sh.m, key)
	}
	sh.mu.Unlock()
	return nil
}
