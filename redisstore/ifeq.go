package redisstore

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/seed-699a33a2/session/store"
)

// A change of a loaded session on a server whose SET takes IFEQ (Valkey
// 8.1 and later, which the tests run on; Redis 8.4 has the same option):
// SaveIf sends one SET of the new value with IFEQ and the
// whole value Load read (the record's Stamp), which stores it only over
// those very bytes. Bytes equal to the loaded ones carry the loaded
// version and expiry, so the SET succeeds only where saveScript would:
// the same condition, checked by the server without running a script.
// Where the SET stores nothing (another request wrote, a Touch moved the
// expiry, the key is gone) saveScript decides as before, so a Touch in
// between is no conflict; on a server without IFEQ (Redis 7, whose SET
// answers a syntax error) the Store stops trying and runs the script.
//
//	SaveIf, IFEQ server:    GET (Load) … SET key new IFEQ loaded PXAT ms
//	                        and, when that stored nothing, EVALSHA saveScript
//	SaveIf, other servers:  GET (Load) … EVALSHA saveScript

// setIfEqual tries to store val (r's value, at version r.Version+1) under
// key with one conditional SET over r.Stamp. done reports that it stored
// it, with the user ID the replaced value was tied to; !done with a nil
// error means saveScript has to decide.
func (s *Store) setIfEqual(ctx context.Context, key string, r store.Record, val []byte, expires string, now time.Time) (user string, done bool, err error) {
	if s.noIfeq.Load() {
		return "", false, nil
	}
	old, ok := stamped(r.Stamp, r.Version, now)
	if !ok {
		return "", false, nil
	}
	set := redis.NewStatusCmd(ctx, "set", key, val, "ifeq", r.Stamp, "pxat", expires)
	err = s.client.Process(ctx, set)
	switch {
	case err == nil:
		return old.user, true, nil
	case errors.Is(err, redis.Nil):
		return "", false, nil // not the loaded bytes any more
	case lacksIfeq(err):
		s.noIfeq.Store(true)
		return "", false, nil
	}
	return "", false, err
}

// stamped decodes a Stamp that SaveIf can use: a value of format 5 (the
// only one written now) at the expected version whose expiry is after
// now, as saveScript requires of the record it replaces.
func stamped(stamp string, version uint64, now time.Time) (value, bool) {
	if len(stamp) == 0 || stamp[0] != formatV5 {
		return value{}, false
	}
	v, ok := decode(stamp)
	return v, ok && v.version == version && v.expires.After(now)
}

// lacksIfeq reports whether err is a server's refusal of SET's IFEQ
// option: Redis before it (7.x) answers "ERR syntax error".
func lacksIfeq(err error) bool {
	var re redis.Error
	return errors.As(err, &re) && strings.HasPrefix(re.Error(), "ERR syntax error")
}
