package redisstore

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/seed-699a33a2/session/internal/nanotime"
	"github.com/seed-699a33a2/session/store"
)

// DefaultPrefix is the key prefix used when Options.Prefix is empty.
const DefaultPrefix = "session:"

// Options configure a Store. The zero value means the defaults.
type Options struct {
	// Prefix is put in front of every key. Empty means DefaultPrefix.
	// Give stores that share a Redis different prefixes.
	Prefix string

	// CloseClient makes Close close the client too: set it when the store
	// is the client's only user (NewStore does, for the client it builds).
	CloseClient bool
}

// Store keeps sessions in Redis. It implements [store.Store],
// [store.Toucher], [store.Swapper], [store.Locker], [store.UserIndex],
// [store.Lister], [store.Counter] and [io.Closer]. It has no [store.Pruner]: Redis expires
// keys by itself. A Store is safe for concurrent use by multiple goroutines
// (as the go-redis client it wraps is); it holds no state of its own
// besides its configuration.
type Store struct {
	client      redis.UniversalClient
	prefix      string
	closeClient bool
	// noIfeq is set once the server refused SET's IFEQ option: SaveIf
	// then runs the script straight away (see setIfEqual).
	noIfeq atomic.Bool
}

var (
	_ store.Store     = (*Store)(nil)
	_ store.Toucher   = (*Store)(nil)
	_ store.Swapper   = (*Store)(nil)
	_ store.Locker    = (*Store)(nil)
	_ store.UserIndex = (*Store)(nil)
	_ store.Lister    = (*Store)(nil)
	_ store.Counter   = (*Store)(nil)
	_ io.Closer       = (*Store)(nil)
)

// New returns a Store that keeps its sessions through client, which may be
// a *redis.Client (single server or Sentinel failover) or a
// *redis.ClusterClient. Unless opts.CloseClient is set, the Store does not
// own the client: closing it is the caller's job.
func New(client redis.UniversalClient, opts Options) *Store {
	prefix := opts.Prefix
	if prefix == "" {
		prefix = DefaultPrefix
	}
	return &Store{client: client, prefix: prefix, closeClient: opts.CloseClient}
}

// Client returns the client the store uses.
func (s *Store) Client() redis.UniversalClient { return s.client }

// Prefix returns the store's key prefix.
func (s *Store) Prefix() string { return s.prefix }

// Close closes the client if the store owns it (Options.CloseClient), and
// does nothing otherwise.
func (s *Store) Close() error {
	if !s.closeClient {
		return nil
	}
	return s.client.Close()
}

// Addrs returns the addresses client connects to, for a log line: host and
// port only, never a password.
func Addrs(client redis.UniversalClient) []string {
	switch c := client.(type) {
	case *redis.Client:
		return []string{c.Options().Addr}
	case *redis.ClusterClient:
		return c.Options().Addrs
	}
	return nil
}

// The value layouts. Format 3, which this package writes for a session tied
// to a user: the format byte, the version as a big-endian uint64, the
// creation time as big-endian int64 Unix nanoseconds, the length of the user
// ID as a big-endian uint32, the user ID, then the data. Format 2, which it
// writes for a session without a user: the format byte, the version, the
// creation time, then the data. Format 4, for a session whose sign-in
// recorded an IP address or a user agent: format 3's header and user ID,
// then the IP address's length (big-endian uint16) and the IP address, the
// user agent's length (uint16) and the user agent, then the data. Format 1:
// the format byte, the creation time, then the data; its version counts as
// 1. Formats 1 and 2 have no user.
//
// Format 5, the only one this package writes now, is format 4 with the
// expiry (big-endian int64 Unix milliseconds) right after the user ID, so
// that a load is a single GET: the expiry comes with the value instead of
// from PEXPIRETIME, and Touch moves both together (one script). Formats 1
// to 4, written by earlier releases, are still read (a load of one of them
// costs a PEXPIRETIME more). Every script reads the user ID of formats 3,
// 4 and 5 alike: its length is at the same offset in all three.
const (
	formatV1 = 1
	headerV1 = 1 + 8
	formatV2 = 2
	headerV2 = 1 + 8 + 8
	formatV3 = 3
	headerV3 = 1 + 8 + 8 + 4 // then the user ID, then the data
	formatV4 = 4             // format 3's header and user ID, then the IP address and the user agent
	formatV5 = 5             // format 3's header and user ID, the expiry, then format 4's IP address and user agent
)

// saveScript is Save and SaveIf in one round trip on one key, so it works
// on Redis Cluster. It finds the version of the live record under the key
// (live as Load sees it: a value in a format this package reads, a TTL,
// and an expiry after the caller's clock; anything else is version 0),
// compares it with the expected one when there is one, and writes the next
// version with the new value, or deletes the key. It reads only the old
// value's header and user ID (GETRANGE), never its data, and SETs the new
// value as the caller sent it, whose version the caller puts as the
// expected one plus one: only when that is not the next version (Save,
// which expects none) does a SETRANGE put the right one in.
//
//	KEYS[1]  the session's key
//	ARGV[1]  the expected version, 8 big-endian bytes; "" to save whatever
//	         the stored version is (Save)
//	ARGV[2]  the expiry in Unix milliseconds; "" to delete the key instead
//	ARGV[3]  the caller's clock in Unix milliseconds
//	ARGV[4]  the new value (see encodeValue)
//
// It returns the new version (8 big-endian bytes) and the user ID the
// value it replaced was tied to ("" for none), so that the caller can take
// the session out of that user's index; or nil when the stored version is
// not the expected one. The versions are compared and incremented as byte
// strings: Lua's numbers are doubles. A creation that finds no key skips
// the script (see run).
var saveScript = redis.NewScript(`
local key = KEYS[1]
local cur = '\0\0\0\0\0\0\0\0'
local user = ''
local head = redis.call('GETRANGE', key, 0, 20)
local f = string.byte(head, 1)
if f then
  local ok = f == 2 and #head >= 17 or f == 1 and #head >= 9
  if f >= 3 and f <= 5 and #head >= 21 then
    local a, b, c, d = string.byte(head, 18, 21)
    local n = ((a * 256 + b) * 256 + c) * 256 + d
    ok = true
    if n > 0 then
      user = redis.call('GETRANGE', key, 21, 20 + n)
      ok = #user == n
      if not ok then
        user = ''
      end
    end
  end
  if ok and redis.call('PEXPIRETIME', key) > tonumber(ARGV[3]) then
    if f == 1 then
      cur = '\0\0\0\0\0\0\0\1'
    else
      cur = string.sub(head, 2, 9)
    end
  end
end
if ARGV[1] ~= '' and ARGV[1] ~= cur then
  return false
end
local b = {string.byte(cur, 1, 8)}
for i = 8, 1, -1 do
  if b[i] < 255 then
    b[i] = b[i] + 1
    break
  end
  b[i] = 0
end
local new = string.char(b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8])
if ARGV[2] == '' then
  redis.call('DEL', key)
else
  redis.call('SET', key, ARGV[4], 'PXAT', ARGV[2])
  if string.sub(ARGV[4], 2, 9) ~= new then
    redis.call('SETRANGE', key, 1, new)
  end
end
return {new, user}
`)

// touchScript is Touch in one round trip on one key: it moves the key's
// expiry and returns the user ID of the value (from its header alone), so
// that Touch can move the user index's entry along; "" for a session
// without a user (or a value this package did not write), nil when there
// is no key.
//
//	KEYS[1]  the session's key
//	ARGV[1]  the new expiry in Unix milliseconds
//	ARGV[2]  the same expiry as 8 big-endian bytes, for a format 5 header
var touchScript = redis.NewScript(`
if redis.call('PEXPIREAT', KEYS[1], ARGV[1]) == 0 then
  return false
end
local h = redis.call('GETRANGE', KEYS[1], 0, 20)
local f = string.byte(h, 1)
if #h < 21 or f < 3 or f > 5 then
  return ''
end
local a, b, c, d = string.byte(h, 18, 21)
local n = ((a * 256 + b) * 256 + c) * 256 + d
if f == 5 then
  redis.call('SETRANGE', KEYS[1], 21 + n, ARGV[2])
end
if n == 0 then
  return ''
end
return redis.call('GETRANGE', KEYS[1], 21, 20 + n)
`)

// driver names the store in its errors.
const driver = "redis"

func (s *Store) key(id string) string { return s.prefix + store.HashID(id) }

// Load returns the session that token (a session ID) names, in one round
// trip. See store.Store.
func (s *Store) Load(ctx context.Context, token string) (store.Record, error) {
	if ok, err := store.Guard(ctx, driver, token, store.ErrNotFound); !ok {
		return store.Record{}, err
	}
	key := s.key(token)
	get := s.client.Get(ctx, key)
	var ttl *redis.DurationCmd
	if val := get.Val(); len(val) > 0 && val[0] != formatV5 {
		// A value of an earlier release: its expiry is the key's.
		ttl = s.client.PExpireTime(ctx, key)
	}
	r, err := s.record(get, ttl, time.Now())
	if err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return store.Record{}, err
		}
		return store.Record{}, store.BackendError(driver, err)
	}
	r.ID = token
	return r, nil
}

// record decodes the reply of a GET of one session key, and for a value of
// an earlier format the reply of its PEXPIRETIME (nil for format 5), into
// the record Load returns (without its ID). A session that is missing
// or expired (by now) is store.ErrNotFound, a value this package did not write is
// an error wrapping store.ErrCorrupt; other errors are the backend's.
func (s *Store) record(get *redis.StringCmd, ttl *redis.DurationCmd, now time.Time) (store.Record, error) {
	val, err := get.Result()
	if errors.Is(err, redis.Nil) {
		return store.Record{}, store.ErrNotFound
	}
	if err != nil {
		return store.Record{}, err
	}
	v, ok := decode(val)
	if !ok {
		return store.Record{}, store.CorruptError(driver, errors.New("bad header"))
	}
	expires := v.expires
	if expires.IsZero() { // an earlier format: the key's expiry
		if ttl == nil {
			return store.Record{}, errors.New("no PEXPIRETIME for a value without an expiry")
		}
		exp, err := ttl.Result()
		if err != nil {
			return store.Record{}, err
		}
		switch exp {
		case -2:
			// The key went away between GET and PEXPIRETIME.
			return store.Record{}, store.ErrNotFound
		case -1:
			// This package never writes a key without a TTL; someone else
			// did (or PERSISTed ours). Never hand out a session that lives
			// forever.
			return store.Record{}, store.CorruptError(driver, errors.New("key has no expiry"))
		}
		expires = time.UnixMilli(int64(exp / time.Millisecond))
	}
	if !expires.After(now) {
		// Our clock is ahead of the server's: the contract is that a store
		// never returns a record whose expiry has passed.
		return store.Record{}, store.ErrNotFound
	}
	return store.Record{
		// Converting the string copies: the caller owns Data.
		Data:      []byte(v.data),
		Created:   v.created,
		Expires:   expires,
		Version:   v.version,
		UserID:    v.user,
		IPAddress: v.ip,
		UserAgent: v.ua,
		Stamp:     val, // for SaveIf's SET ... IFEQ (see setIfEqual)
	}, nil
}

// value is a decoded session value.
type value struct {
	version uint64
	created time.Time
	expires time.Time // format 5's; zero for the earlier formats
	user    string
	ip, ua  string
	data    string
}

// decode parses a value in any format this package reads; ok is false for
// anything else.
func decode(val string) (v value, ok bool) {
	var created string // 8 bytes
	switch {
	case len(val) >= headerV3 && val[0] >= formatV3 && val[0] <= formatV5:
		n := uint64(binary.BigEndian.Uint32([]byte(val[17:headerV3])))
		if uint64(len(val)-headerV3) < n {
			return value{}, false
		}
		v.version = binary.BigEndian.Uint64([]byte(val[1:9]))
		created = val[9:17]
		v.user = val[headerV3 : headerV3+int(n)]
		v.data = val[headerV3+int(n):]
		if val[0] == formatV5 {
			if len(v.data) < 8 {
				return value{}, false
			}
			ms := int64(binary.BigEndian.Uint64([]byte(v.data[:8])))
			if ms <= 0 {
				return value{}, false
			}
			v.expires, v.data = time.UnixMilli(ms), v.data[8:]
		}
		if val[0] >= formatV4 {
			var ok1, ok2 bool
			v.ip, v.data, ok1 = cutText(v.data)
			v.ua, v.data, ok2 = cutText(v.data)
			if !ok1 || !ok2 {
				return value{}, false
			}
		}
	case len(val) >= headerV2 && val[0] == formatV2:
		v.version = binary.BigEndian.Uint64([]byte(val[1:9]))
		created, v.data = val[9:17], val[headerV2:]
	case len(val) >= headerV1 && val[0] == formatV1:
		v.version = 1
		created, v.data = val[1:9], val[headerV1:]
	default:
		return value{}, false
	}
	v.created = nanotime.To(int64(binary.BigEndian.Uint64([]byte(created))))
	return v, true
}

// cutText cuts a text of format 4 (a big-endian uint16 length, then the
// bytes) from the front of s.
func cutText(s string) (text, rest string, ok bool) {
	if len(s) < 2 {
		return "", "", false
	}
	n := int(binary.BigEndian.Uint16([]byte(s[:2])))
	if len(s)-2 < n {
		return "", "", false
	}
	return s[2 : 2+n], s[2+n:], true
}

// Save stores r under r.ID, so that the key expires at r.Expires (to the
// millisecond), and returns r.ID as the token. It is one EVALSHA of a
// script that reads the stored version and SETs the value with the next one
// and PXAT; for a record with a UserID, one more round trip then adds the
// session to the user's index (see UserSessions), and when the session was
// tied to another user before, one more takes it out of that user's. A
// record whose Expires is not in the future is deleted instead (the token
// is then ""). r.Created must be the zero time or lie between the years
// 1678 and 2262 (int64 Unix nanoseconds). See store.Store.
func (s *Store) Save(ctx context.Context, r store.Record) (string, error) {
	tok, _, err := s.put(ctx, r, "")
	return tok, err
}

// SaveIf stores r only when the version of the live record under r.ID is
// r.Version (0: when there is none), with one EVALSHA of a script that
// compares the versions and SETs the value with PXAT, or DELs the key when
// r.Expires is not in the future (the token is then ""); a creation
// (version 0) where no key is there is one SET with NX and PXAT instead.
// It returns r.ID as the token and the new version, or store.ErrConflict,
// which does not wrap store.ErrBackend, when the versions differ. A value written by an
// earlier release (format 1) counts as version 1. The user index follows
// as for Save. See store.Swapper.
func (s *Store) SaveIf(ctx context.Context, r store.Record) (string, uint64, error) {
	var expected [8]byte
	binary.BigEndian.PutUint64(expected[:], r.Version)
	return s.put(ctx, r, string(expected[:]))
}

// put runs saveScript for r with the expected version ("": any), then
// moves the session in the user index.
func (s *Store) put(ctx context.Context, r store.Record, expected string) (string, uint64, error) {
	if ok, err := store.Guard(ctx, driver, r.ID, store.ErrInvalidID); !ok {
		return "", 0, err
	}
	now := time.Now()
	version, was, err := s.run(ctx, s.key(r.ID), expected, r, now)
	if errors.Is(err, redis.Nil) {
		return "", 0, store.ErrConflict
	}
	if err != nil {
		return "", 0, store.BackendError(driver, err)
	}
	live := r.Expires.After(now)
	user := r.UserID
	if !live {
		user = ""
	}
	if was != "" && was != user {
		if err := s.unindex(ctx, was, store.HashID(r.ID)); err != nil {
			return "", 0, store.BackendError(driver, err)
		}
	}
	if !live {
		return "", version, nil
	}
	if err := s.index(ctx, r.UserID, r.ID, r.Expires, now); err != nil {
		return "", 0, store.BackendError(driver, err)
	}
	return r.ID, version, nil
}

// run stores r under key, or deletes it when r's expiry is not after now,
// and returns the new version and the user the replaced value was tied
// to. expected is saveScript's ARGV[1]. A refused condition is redis.Nil.
//
// The creation of a session (expected version 0) is first tried as one
// SET with NX and PXAT, version 1: that is what saveScript does when there
// is no key, without running a script. Where a key is there (a live
// record, or one saveScript counts as none: expired by the caller's clock,
// in no format of ours, without a TTL), the script decides. The change of
// a loaded record is first tried as one SET with IFEQ over the bytes Load
// read, on servers that take it (see setIfEqual); where that stores
// nothing, the script decides too.
func (s *Store) run(ctx context.Context, key, expected string, r store.Record, now time.Time) (uint64, string, error) {
	live := r.Expires.After(now)
	next := uint64(1) // the version saveScript writes when it finds the expected one
	if len(expected) == 8 {
		next = binary.BigEndian.Uint64([]byte(expected)) + 1
	}
	val, err := encodeValue(r, next)
	if err != nil {
		return 0, "", err
	}
	expires := ""
	if live {
		expires = strconv.FormatInt(r.Expires.UnixMilli(), 10)
	}
	if live && len(expected) == 8 && expected != versionZero {
		user, done, err := s.setIfEqual(ctx, key, r, val, expires, now)
		if done || err != nil {
			return next, user, err
		}
	}
	if live && expected == versionZero {
		set := redis.NewStatusCmd(ctx, "set", key, val, "pxat", expires, "nx")
		err := s.client.Process(ctx, set)
		if err == nil {
			return 1, "", nil
		}
		if !errors.Is(err, redis.Nil) {
			return 0, "", err
		}
	}
	res, err := saveScript.Run(ctx, s.client, []string{key},
		expected, expires, strconv.FormatInt(now.UnixMilli(), 10), val).Slice()
	if err != nil {
		return 0, "", err
	}
	if len(res) != 2 {
		return 0, "", fmt.Errorf("unexpected script reply %q", res)
	}
	version, _ := res[0].(string)
	user, _ := res[1].(string)
	if len(version) != 8 {
		return 0, "", fmt.Errorf("unexpected script reply %q", res)
	}
	return binary.BigEndian.Uint64([]byte(version)), user, nil
}

// versionZero is the expected version of a session's creation, as
// saveScript's ARGV[1].
const versionZero = "\x00\x00\x00\x00\x00\x00\x00\x00"

// encodeValue returns r's value in format 5 (see the formats above) with
// the given version: the format byte, the version, the creation time, the
// user ID, the expiry, the sign-in's IP address and user agent, then the
// data.
func encodeValue(r store.Record, version uint64) ([]byte, error) {
	if uint64(len(r.UserID)) > math.MaxUint32 {
		return nil, fmt.Errorf("user ID of %d bytes", len(r.UserID))
	}
	if len(r.IPAddress) > math.MaxUint16 || len(r.UserAgent) > math.MaxUint16 {
		return nil, fmt.Errorf("an IP address or user agent over %d bytes", math.MaxUint16)
	}
	val := make([]byte, 1, headerV3+len(r.UserID)+8+4+len(r.IPAddress)+len(r.UserAgent)+len(r.Data))
	val[0] = formatV5
	val = binary.BigEndian.AppendUint64(val, version)
	val = binary.BigEndian.AppendUint64(val, uint64(nanotime.From(r.Created)))
	val = binary.BigEndian.AppendUint32(val, uint32(len(r.UserID)))
	val = append(val, r.UserID...)
	val = binary.BigEndian.AppendUint64(val, uint64(max(r.Expires.UnixMilli(), 1)))
	val = binary.BigEndian.AppendUint16(val, uint16(len(r.IPAddress)))
	val = append(val, r.IPAddress...)
	val = binary.BigEndian.AppendUint16(val, uint16(len(r.UserAgent)))
	val = append(val, r.UserAgent...)
	return append(val, r.Data...), nil
}

// deleteScript deletes a session's key and returns the user ID its value
// was tied to ("" for none), in one round trip on one key.
//
//	KEYS[1]  the session's key
var deleteScript = redis.NewScript(`
local h = redis.call('GETRANGE', KEYS[1], 0, 20)
local user = ''
local f = string.byte(h, 1)
if #h >= 21 and f >= 3 and f <= 5 then
  local a, b, c, d = string.byte(h, 18, 21)
  local n = ((a * 256 + b) * 256 + c) * 256 + d
  if n > 0 then
    user = redis.call('GETRANGE', KEYS[1], 21, 20 + n)
  end
end
redis.call('DEL', KEYS[1])
return user
`)

// Delete removes the session with the given ID, with one EVALSHA of a
// script that DELs the key and returns the user it was tied to; for a
// signed-in session one more round trip takes it out of the user's index.
// Deleting a missing session, or an ID that is not well formed, is not an
// error. See store.Store.
func (s *Store) Delete(ctx context.Context, id string) error {
	if ok, err := store.Guard(ctx, driver, id, nil); !ok {
		return err
	}
	return s.deleteKey(ctx, store.HashID(id))
}

// Touch moves the expiry of the session with the given ID to expires (to
// the millisecond) without rewriting the data, with one EVALSHA of a script
// that runs PEXPIREAT and reads the user ID from the value's header; the
// next Load returns the new expiry. For a session tied to a user, one more
// round trip moves the entry of the user's index along, so that the index
// never gives up a session that a touch kept alive. A missing session is
// store.ErrNotFound; an expiry that is not in the future ends the session.
// See store.Toucher.
func (s *Store) Touch(ctx context.Context, id string, expires time.Time) error {
	if ok, err := store.Guard(ctx, driver, id, store.ErrNotFound); !ok {
		return err
	}
	ms := expires.UnixMilli()
	if ms <= 0 {
		// Past anyway; keep the argument one Redis accepts everywhere.
		ms = 1
	}
	now := time.Now()
	var at [8]byte
	binary.BigEndian.PutUint64(at[:], uint64(ms))
	user, err := touchScript.Run(ctx, s.client, []string{s.key(id)}, strconv.FormatInt(ms, 10), at[:]).Text()
	if errors.Is(err, redis.Nil) {
		return store.ErrNotFound
	}
	if err != nil {
		return store.BackendError(driver, err)
	}
	if expires.After(now) {
		if err := s.index(ctx, user, id, expires, now); err != nil {
			return store.BackendError(driver, err)
		}
	}
	return nil
}
