package redisstore

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/seed-699a33a2/session/store"
)

// DefaultPrefix is the key prefix used when Options.Prefix is empty.
const DefaultPrefix = "session:"

// Options configure a Store. The zero value means the defaults.
type Options struct {
	// Prefix is put in front of every key. Empty means DefaultPrefix.
	// Give stores that share a Redis different prefixes.
	Prefix string
}

// Store keeps sessions in Redis. It implements store.Store and
// store.Toucher. A Store is safe for concurrent use by multiple goroutines
// (as the go-redis client it wraps is); it holds no state of its own besides
// its configuration.
type Store struct {
	client redis.UniversalClient
	prefix string
}

var (
	_ store.Store   = (*Store)(nil)
	_ store.Toucher = (*Store)(nil)
)

// New returns a Store that keeps its sessions through client, which may be
// a *redis.Client (single server or Sentinel failover) or a
// *redis.ClusterClient. The Store does not own the client: closing it is
// the caller's job.
func New(client redis.UniversalClient, opts Options) *Store {
	prefix := opts.Prefix
	if prefix == "" {
		prefix = DefaultPrefix
	}
	return &Store{client: client, prefix: prefix}
}

// The value layout: format byte, creation time as big-endian int64 Unix
// nanoseconds, then the data.
const (
	formatV1   = 1
	headerSize = 1 + 8
	// zeroCreated stands for the zero time.Time, whose UnixNano is undefined.
	zeroCreated = math.MinInt64
)

// errNotFound is store.ErrNotFound with this package's prefix, made once:
// a missing session is the common case and should not allocate an error.
var errNotFound = fmt.Errorf("session: redisstore: %w", store.ErrNotFound)

func (s *Store) key(id string) string { return s.prefix + store.HashID(id) }

// Load returns the session that token (a session ID) names, in one round
// trip. See store.Store.
func (s *Store) Load(ctx context.Context, token string) (store.Record, error) {
	if err := ctx.Err(); err != nil {
		return store.Record{}, backendErr("load", err)
	}
	if !store.ValidID(token) {
		return store.Record{}, errNotFound
	}
	key := s.key(token)
	pipe := s.client.Pipeline()
	get := pipe.Get(ctx, key)
	ttl := pipe.PExpireTime(ctx, key)
	// Exec's error repeats the first failed command's; each command is
	// checked below, where redis.Nil can be told from a real failure.
	_, _ = pipe.Exec(ctx)

	val, err := get.Result()
	if errors.Is(err, redis.Nil) {
		return store.Record{}, errNotFound
	}
	if err != nil {
		return store.Record{}, backendErr("load", err)
	}
	exp, err := ttl.Result()
	if err != nil {
		return store.Record{}, backendErr("load", err)
	}
	switch exp {
	case -2:
		// The key went away between GET and PEXPIRETIME.
		return store.Record{}, errNotFound
	case -1:
		// This package never writes a key without a TTL; someone else did
		// (or PERSISTed ours). Never hand out a session that lives forever.
		return store.Record{}, fmt.Errorf("session: redisstore: %w: key has no expiry", store.ErrCorrupt)
	}
	expires := time.UnixMilli(int64(exp / time.Millisecond))
	if !expires.After(time.Now()) {
		// Our clock is ahead of the server's: the contract is that a store
		// never returns a record whose expiry has passed.
		return store.Record{}, errNotFound
	}
	if len(val) < headerSize || val[0] != formatV1 {
		return store.Record{}, fmt.Errorf("session: redisstore: %w: bad header", store.ErrCorrupt)
	}
	var created time.Time
	if n := int64(binary.BigEndian.Uint64([]byte(val[1:headerSize]))); n != zeroCreated {
		created = time.Unix(0, n)
	}
	return store.Record{
		ID: token,
		// Converting the string copies: the caller owns Data.
		Data:    []byte(val[headerSize:]),
		Created: created,
		Expires: expires,
	}, nil
}

// Save stores r under r.ID with one SET ... PXAT, so the key expires at
// r.Expires (to the millisecond), and returns r.ID as the token. A record
// whose Expires is not in the future is deleted instead. r.Created must be
// the zero time or lie between the years 1678 and 2262 (int64 Unix
// nanoseconds). See store.Store.
func (s *Store) Save(ctx context.Context, r store.Record) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", backendErr("save", err)
	}
	if !store.ValidID(r.ID) {
		return "", fmt.Errorf("session: redisstore: %w", store.ErrInvalidID)
	}
	key := s.key(r.ID)
	if !r.Expires.After(time.Now()) {
		if err := s.client.Del(ctx, key).Err(); err != nil {
			return "", backendErr("save", err)
		}
		return r.ID, nil
	}
	val := make([]byte, headerSize+len(r.Data))
	val[0] = formatV1
	created := int64(zeroCreated)
	if !r.Created.IsZero() {
		created = r.Created.UnixNano()
	}
	binary.BigEndian.PutUint64(val[1:headerSize], uint64(created))
	copy(val[headerSize:], r.Data)
	cmd := redis.NewStatusCmd(ctx, "set", key, val, "pxat", r.Expires.UnixMilli())
	if err := s.client.Process(ctx, cmd); err != nil {
		return "", backendErr("save", err)
	}
	return r.ID, nil
}

// Delete removes the session with the given ID. Deleting a missing session,
// or an ID that is not well formed, is not an error. See store.Store.
func (s *Store) Delete(ctx context.Context, id string) error {
	if err := ctx.Err(); err != nil {
		return backendErr("delete", err)
	}
	if !store.ValidID(id) {
		return nil
	}
	if err := s.client.Del(ctx, s.key(id)).Err(); err != nil {
		return backendErr("delete", err)
	}
	return nil
}

// Touch moves the expiry of the session with the given ID to expires (to
// the millisecond) with one PEXPIREAT, without rewriting the data; the next
// Load returns the new expiry. A missing session is store.ErrNotFound; an
// expiry that is not in the future ends the session. See store.Toucher.
func (s *Store) Touch(ctx context.Context, id string, expires time.Time) error {
	if err := ctx.Err(); err != nil {
		return backendErr("touch", err)
	}
	if !store.ValidID(id) {
		return errNotFound
	}
	ms := expires.UnixMilli()
	if ms <= 0 {
		// Past anyway; keep the argument one Redis accepts everywhere.
		ms = 1
	}
	ok, err := s.client.PExpireAt(ctx, s.key(id), time.UnixMilli(ms)).Result()
	if err != nil {
		return backendErr("touch", err)
	}
	if !ok {
		return errNotFound
	}
	return nil
}

// backendErr wraps a failure so that errors.Is finds both store.ErrBackend
// and the cause (a net.Error, context.Canceled, ...).
func backendErr(op string, err error) error {
	return fmt.Errorf("session: redisstore: %s: %w: %w", op, store.ErrBackend, err)
}
