package memstore

import (
	"context"
	"encoding/hex"
	"sync"

	"github.com/seed-699a33a2/session/store"
)

// userIndex maps each user to the keys of the sessions tied to them. It is
// kept exact: a session's key is added when it is tied to the user and
// removed when it is deleted, evicted, swept or tied to another user (or to
// none), and a user with no session left has no entry. Its own lock is
// taken inside a shard's lock, never the other way round, and never on the
// Load path.
type userIndex struct {
	mu    sync.Mutex
	users map[string][]key
}

const (
	// userOverhead is what one user's entry costs besides the user ID and
	// its keys: its slot in the map and the slice header.
	userOverhead = 96
	keySize      = int64(len(key{}))
)

// cost is what a user's entry costs the store.
func cost(user string, keys []key) int64 {
	if keys == nil {
		return 0
	}
	return userOverhead + int64(len(user)) + keySize*int64(cap(keys))
}

// add ties the session under k to user.
func (u *userIndex) add(s *Store, user string, k key) {
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.users == nil {
		u.users = make(map[string][]key)
	}
	keys := u.users[user]
	before := cost(user, keys)
	keys = append(keys, k)
	u.users[user] = keys
	s.bytes.Add(cost(user, keys) - before)
}

// remove unties the session under k from user.
func (u *userIndex) remove(s *Store, user string, k key) {
	u.mu.Lock()
	defer u.mu.Unlock()
	keys := u.users[user]
	for i := range keys {
		if keys[i] != k {
			continue
		}
		before := cost(user, keys)
		keys[i] = keys[len(keys)-1]
		keys = keys[:len(keys)-1]
		if len(keys) == 0 {
			delete(u.users, user)
			s.bytes.Add(-before)
			return
		}
		if cap(keys) > 4 && len(keys) <= cap(keys)/4 {
			keys = append([]key(nil), keys...) // give back what a busy past left
		}
		u.users[user] = keys
		s.bytes.Add(cost(user, keys) - before)
		return
	}
}

// keys returns a copy of user's keys.
func (u *userIndex) keys(user string) []key {
	u.mu.Lock()
	defer u.mu.Unlock()
	return append([]key(nil), u.users[user]...)
}

// Users reports how many users have sessions in the index.
func (s *Store) Users() int {
	s.users.mu.Lock()
	defer s.users.mu.Unlock()
	return len(s.users.users)
}

// UserSessions returns the live sessions tied to userID. It implements
// [store.UserIndex].
func (s *Store) UserSessions(ctx context.Context, userID string) ([]store.UserSession, error) {
	if err := ctx.Err(); err != nil {
		return nil, store.BackendError(driver, err)
	}
	now := s.now().UnixNano()
	var out []store.UserSession
	for _, k := range s.users.keys(userID) {
		sh := s.shardFor(&k)
		sh.mu.RLock()
		if e, ok := sh.m[k]; ok && e.userID == userID && now < e.expires {
			out = append(out, store.UserSession{Handle: hex.EncodeToString(k[:]), Record: e.record()})
		}
		sh.mu.RUnlock()
	}
	return out, nil
}

// DeleteUserSession deletes the session with the given handle if it
// belongs to userID. It implements [store.UserIndex].
func (s *Store) DeleteUserSession(ctx context.Context, userID, handle string) error {
	if ok, err := store.GuardHandle(ctx, driver, handle); !ok {
		return err
	}
	s.removeIf(keyOf(handle), func(e *entry) bool { return e.userID == userID })
	return nil
}
