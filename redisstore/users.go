package redisstore

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/seed-699a33a2/session/store"
)

// The user index: a sorted set per user, under the prefix followed by
// "user:" and the SHA-256 of the user ID in hex, whose members are the
// handles (store.HashID) of the user's sessions, each scored by the
// session's expiry in Unix milliseconds. It is a key of its own, in
// whatever hash slot its name falls, and is only ever written by commands
// on that one key: on Redis Cluster no script or transaction may touch keys
// of two slots. So the index may hold members whose session is gone,
// expired, or now tied to another user; readers check every member against
// the session's own value, which says whose it is, and drop the dead ones.
// The key expires with its latest member, so the index of a user who never
// comes back vanishes by itself.
const userInfix = "user:"

// userKey returns the key of the index of user.
func (s *Store) userKey(user string) string {
	sum := sha256.Sum256([]byte(user))
	return s.prefix + userInfix + hex.EncodeToString(sum[:])
}

// index adds the session id, which expires at expires, to the index of
// user (nothing for an empty user): one MULTI/EXEC on the index key that
// drops the members whose score has passed, ZADDs the session's handle
// with GT (a score only ever rises, so it is never before the session's
// expiry: a later save or touch moves it up, an earlier one leaves it) and
// moves the key's expiry to the member's if that is later (PEXPIREAT NX for
// a new key, then GT).
func (s *Store) index(ctx context.Context, user, id string, expires, now time.Time) error {
	if user == "" {
		return nil
	}
	key := s.userKey(user)
	ms := expires.UnixMilli()
	_, err := s.client.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.ZRemRangeByScore(ctx, key, "-inf", strconv.FormatInt(now.UnixMilli(), 10))
		p.ZAddGT(ctx, key, redis.Z{Score: float64(ms), Member: store.HashID(id)})
		p.Do(ctx, "pexpireat", key, ms, "nx")
		p.Do(ctx, "pexpireat", key, ms, "gt")
		return nil
	})
	return err
}

// unindex takes the session with the given handle out of user's index:
// one ZREM, after which Redis removes an index left empty.
func (s *Store) unindex(ctx context.Context, user, handle string) error {
	return s.client.ZRem(ctx, s.userKey(user), handle).Err()
}

// UserSessions returns the live sessions tied to userID (none for ""). It
// implements [store.UserIndex].
//
// It reads the user's index (one pipeline of ZREMRANGEBYSCORE, which drops
// the members whose expiry has passed, and ZRANGE), then the value and the
// expiry of every member's session (one pipeline of GET and PEXPIRETIME per
// member; on a cluster, go-redis sends each node its share). A member whose
// session is gone, expired, unreadable or tied to another user now is not
// listed, and one ZREM drops all of them from the index.
func (s *Store) UserSessions(ctx context.Context, userID string) ([]store.UserSession, error) {
	if err := ctx.Err(); err != nil {
		return nil, store.BackendError(driver, err)
	}
	if userID == "" {
		return nil, nil // no session has the empty user
	}
	key := s.userKey(userID)
	now := time.Now()
	pipe := s.client.Pipeline()
	pipe.ZRemRangeByScore(ctx, key, "-inf", strconv.FormatInt(now.UnixMilli(), 10))
	members := pipe.ZRange(ctx, key, 0, -1)
	if _, err := pipe.Exec(ctx); err != nil {
		return nil, store.BackendError(driver, err)
	}
	handles := members.Val()
	if len(handles) == 0 {
		return nil, nil
	}

	var dead []any
	type pending struct {
		handle string
		get    *redis.StringCmd
		ttl    *redis.DurationCmd
	}
	reads := make([]pending, 0, len(handles))
	pipe = s.client.Pipeline()
	for _, h := range handles {
		if !store.ValidHandle(h) {
			dead = append(dead, h) // not a member this package wrote
			continue
		}
		reads = append(reads, pending{h, pipe.Get(ctx, s.prefix+h), pipe.PExpireTime(ctx, s.prefix+h)})
	}
	if len(reads) > 0 {
		// As in Load, each command is checked on its own.
		_, _ = pipe.Exec(ctx)
	}
	var out []store.UserSession
	for _, p := range reads {
		r, err := s.record(p.get, p.ttl, now)
		switch {
		case err == nil && r.UserID == userID:
			out = append(out, store.UserSession{Handle: p.handle, Record: r})
		case err == nil || errors.Is(err, store.ErrNotFound):
			dead = append(dead, p.handle)
		default:
			return nil, store.BackendError(driver, err)
		}
	}
	if len(dead) > 0 {
		// Best effort: the list is right either way, and the next reader
		// tries again.
		_ = s.client.ZRem(ctx, key, dead...).Err()
	}
	return out, nil
}

// deleteUserScript deletes a session only if it is tied to the given user
// (a value in format 3, 4 or 5 whose user ID is ARGV[1]), in one round trip
// on one key. It returns the number of keys deleted.
//
//	KEYS[1]  the session's key
//	ARGV[1]  the user ID, not empty
var deleteUserScript = redis.NewScript(`
local h = redis.call('GETRANGE', KEYS[1], 0, 20)
local f = string.byte(h, 1)
if #h < 21 or f < 3 or f > 5 then
  return 0
end
local a, b, c, d = string.byte(h, 18, 21)
local n = ((a * 256 + b) * 256 + c) * 256 + d
if n ~= #ARGV[1] or redis.call('GETRANGE', KEYS[1], 21, 20 + n) ~= ARGV[1] then
  return 0
end
return redis.call('DEL', KEYS[1])
`)

// DeleteUserSession deletes the session with the given handle if it is tied
// to userID: one EVALSHA of a script that compares the user ID in the
// value's header and DELs the key only if it matches, then one ZREM of the
// handle from the user's index (where a session that is gone or is someone
// else's has no business either). A handle that is not 64 lowercase hex
// digits, or an empty userID, does nothing. It implements
// [store.UserIndex].
func (s *Store) DeleteUserSession(ctx context.Context, userID, handle string) error {
	if ok, err := store.GuardHandle(ctx, driver, handle); !ok || userID == "" {
		return err
	}
	if err := deleteUserScript.Run(ctx, s.client, []string{s.prefix + handle}, userID).Err(); err != nil {
		return store.BackendError(driver, err)
	}
	if err := s.client.ZRem(ctx, s.userKey(userID), handle).Err(); err != nil {
		return store.BackendError(driver, err)
	}
	return nil
}
