package memstore

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/seed-699a33a2/session/internal/locks"
	"github.com/seed-699a33a2/session/internal/nanotime"
	"github.com/seed-699a33a2/session/internal/sweep"
	"github.com/seed-699a33a2/session/store"
)

// driver names the store in its errors.
const driver = "memory"

const (
	// numShards is the number of shards. 64 keeps lock contention low on
	// machines with many cores while costing an empty store only a few
	// kilobytes.
	numShards = 64

	defaultCleanupInterval = time.Minute
)

// Options configure a [Store]. The zero value is ready to use and means the
// defaults documented on each field.
type Options struct {
	// Now returns the current time; the store compares expiries with it.
	// The default is time.Now. Tests inject a fake clock here.
	Now func() time.Time

	// CleanupInterval is how often a background goroutine sweeps expired
	// sessions. Zero means one minute; a negative value means never (expired
	// sessions are still never loaded, and DeleteExpired or eviction
	// removes them).
	CleanupInterval time.Duration

	// MaxSessions bounds the number of sessions the store holds, all
	// shards together. Zero means no bound.
	MaxSessions int

	// MaxBytes is the store's memory budget, all shards together: the
	// sessions' data, the per-session overhead of the store's own
	// structures, and the user index. Zero means no budget. NewStore sets
	// 64 MiB (SESSION_MEMORY_LIMIT); code that builds the store itself
	// chooses. A session larger than the whole budget is refused with
	// [store.ErrTooLarge].
	//
	// When a Save would go over MaxBytes or MaxSessions, the store makes
	// room by evicting, in this order: expired sessions; sessions tied to
	// no user (see [store.Record.UserID]), the approximately least recently
	// used first; then signed-in sessions, the same way, but never while it
	// holds a session tied to no user. A Save that can only make room by
	// evicting a signed-in session for one tied to no user stores nothing
	// and fails with an error wrapping [store.ErrBackend]: anonymous traffic
	// cannot sign users out.
	MaxBytes int64
}

// Store is an in-memory session store. It implements [store.Store],
// [store.Toucher], [store.Swapper], [store.Sharer], [store.Locker],
// [store.UserIndex], [store.Lister], [store.Counter], [store.Pruner] and
// [io.Closer].
//
// A Store is safe for concurrent use by multiple goroutines. Create one
// with [New]; the zero value is not usable.
type Store struct {
	now         func() time.Time
	shards      []shard
	sweep       *sweep.Loop // the background sweep, started by the first Save
	blocking    locks.Table // the blocking mode's locks
	users       userIndex   // the sessions of each user (Login)
	maxSessions int64
	maxBytes    int64

	// The accounting, all shards together, kept with atomic counters so
	// that no global lock is ever taken.
	count atomic.Int64 // sessions held, expired ones not yet removed included
	anon  atomic.Int64 // of them, those tied to no user
	bytes atomic.Int64 // bytes held: sessions and the user index
	// earliest is a lower bound of every held session's expiry (Unix
	// nanoseconds): while the clock is before it, nothing has expired and
	// sweeps skip the scan.
	earliest atomic.Int64
	// lastPurge is when eviction last removed every expired session, so
	// that it does so at most once a second.
	lastPurge atomic.Int64
	// pending counts the sessions room was reserved for that are not
	// stored yet.
	pending atomic.Int64
}

var (
	_ store.Store     = (*Store)(nil)
	_ store.Toucher   = (*Store)(nil)
	_ store.Swapper   = (*Store)(nil)
	_ store.Sharer    = (*Store)(nil)
	_ store.Locker    = (*Store)(nil)
	_ store.UserIndex = (*Store)(nil)
	_ store.Lister    = (*Store)(nil)
	_ store.Counter   = (*Store)(nil)
	_ store.Pruner    = (*Store)(nil)
)

type key = [sha256.Size]byte

type shard struct {
	mu sync.RWMutex
	m  map[key]*entry
	_  [64]byte // keep neighbouring shards' locks off one cache line
}

// entry is one session. All fields but lastUse are guarded by the shard's
// lock; lastUse is written under the read lock too, hence atomic.
type entry struct {
	data             []byte
	created, expires int64 // Unix nanoseconds (nanotime)
	version          uint64
	userID           string
	ip, ua           string       // where the session signed in from
	lastUse          atomic.Int64 // Unix nanoseconds of the last Load or Save
}

// New returns an empty store configured by opts. No goroutine starts until
// the first Save.
func New(opts Options) *Store { return newStore(opts, numShards) }

// newStore is New with a given number of shards (tests use one shard to
// check eviction order exactly).
func newStore(opts Options, n int) *Store {
	s := &Store{now: opts.Now, maxSessions: int64(max(opts.MaxSessions, 0)), maxBytes: max(opts.MaxBytes, 0)}
	if s.now == nil {
		s.now = time.Now
	}
	s.sweep = sweep.New(sweep.Interval(opts.CleanupInterval, defaultCleanupInterval), s.DeleteExpired, nil)
	s.shards = make([]shard, n)
	for i := range s.shards {
		s.shards[i].m = make(map[key]*entry)
	}
	s.earliest.Store(noExpiry)
	return s
}

func (s *Store) shardFor(k *key) *shard {
	// SHA-256 output is uniform, so its first bytes pick a shard evenly.
	return &s.shards[binary.LittleEndian.Uint64(k[:8])%uint64(len(s.shards))]
}

// record returns e as a Record (without its ID), with a copy of its data.
func (e *entry) record() store.Record {
	r := e.shared()
	if len(r.Data) > 0 {
		r.Data = append([]byte(nil), r.Data...)
	}
	return r
}

// shared returns e as a Record (without its ID) whose Data is e's own. No
// entry's data is ever changed in place: a save replaces the slice.
func (e *entry) shared() store.Record {
	return store.Record{Data: e.data, Created: nanotime.To(e.created), Expires: nanotime.To(e.expires), Version: e.version,
		UserID: e.userID, IPAddress: e.ip, UserAgent: e.ua}
}

// Load returns the session with the given token (its ID). A token that is
// not a valid ID, is unknown or has expired is [store.ErrNotFound]. The
// returned Data is a copy. Load takes only its shard's read lock.
func (s *Store) Load(ctx context.Context, token string) (store.Record, error) {
	return s.load(ctx, token, (*entry).record)
}

// LoadShared is Load without the copy: Data is the store's own, which the
// caller must never change. It implements [store.Sharer].
func (s *Store) LoadShared(ctx context.Context, token string) (store.Record, error) {
	return s.load(ctx, token, (*entry).shared)
}

// load is Load, the session's record made by rec under the read lock.
func (s *Store) load(ctx context.Context, token string, rec func(*entry) store.Record) (store.Record, error) {
	if ok, err := store.Guard(ctx, driver, token, store.ErrNotFound); !ok {
		return store.Record{}, err
	}
	k := store.HashIDBytes(token)
	sh := s.shardFor(&k)
	now := s.now().UnixNano()
	sh.mu.RLock()
	e, ok := sh.m[k]
	if !ok || now >= e.expires {
		sh.mu.RUnlock()
		return store.Record{}, store.ErrNotFound
	}
	r := rec(e)
	e.touch(now)
	sh.mu.RUnlock()
	r.ID = token
	return r, nil
}

// touch records a use at now. It writes only when the time moved, so that
// concurrent Loads of one popular session do not all dirty its cache line.
func (e *entry) touch(now int64) {
	if e.lastUse.Load() < now {
		e.lastUse.Store(now)
	}
}

// Save stores a copy of r under r.ID and returns r.ID as the token. An ID
// that fails [store.ValidID] is [store.ErrInvalidID]. A record whose Expires
// is not after the store's clock is deleted instead, and Save returns ("",
// nil). The first Save starts the background sweeper.
func (s *Store) Save(ctx context.Context, r store.Record) (string, error) {
	tok, _, err := s.put(ctx, r, false, false)
	return tok, err
}

// SaveIf is Save on the condition that the stored version is r.Version (0:
// no live session under r.ID); otherwise it stores nothing and returns
// [store.ErrConflict]. It implements [store.Swapper].
func (s *Store) SaveIf(ctx context.Context, r store.Record) (string, uint64, error) {
	return s.put(ctx, r, true, false)
}

// SaveIfShared is SaveIf keeping r.Data itself rather than a copy: the
// caller must never change it afterwards. It implements [store.Sharer].
// The store's budget counts the slice's capacity, which it keeps alive.
func (s *Store) SaveIfShared(ctx context.Context, r store.Record) (string, uint64, error) {
	return s.put(ctx, r, true, true)
}

// put stores r, on the version condition when cas is set, under the
// shard's lock; r.Data itself when share is set, else a copy. Room for a
// new or growing session is reserved first; when the store is at its
// bounds, the lock is let go while others are evicted to make that room.
func (s *Store) put(ctx context.Context, r store.Record, cas, share bool) (string, uint64, error) {
	if ok, err := store.Guard(ctx, driver, r.ID, store.ErrInvalidID); !ok {
		return "", 0, err
	}
	now := s.now().UnixNano()
	expires := nanotime.From(r.Expires)
	k := store.HashIDBytes(r.ID)
	sh := s.shardFor(&k)
	if expires <= now {
		return "", 0, s.putExpired(sh, k, now, r.Version, cas)
	}
	text := len(r.UserID) + len(r.IPAddress) + len(r.UserAgent)
	if size := sizeOf(len(r.Data), text); s.maxBytes > 0 && size > s.maxBytes {
		return "", 0, tooLarge(size, s.maxBytes)
	}
	data := r.Data
	if !share && len(data) > 0 {
		data = append([]byte(nil), data...)
	}
	size := sizeOf(cap(data), text)
	s.sweep.Start()
	sh.mu.Lock()
	e, ok := sh.m[k]
	growth, added := room(size, e, ok)
	// The room is taken under the shard's lock when the store has it (a
	// few atomic operations); making room evicts, which takes other
	// shards' locks, so it is done without this one, and the session is
	// looked up again after.
	if !s.tryReserve(growth, added) {
		sh.mu.Unlock()
		if err := s.reserve(growth, added, r.UserID != ""); err != nil {
			return "", 0, err
		}
		sh.mu.Lock()
		e, ok = sh.m[k]
	}
	version := uint64(1)
	if ok && now < e.expires {
		version = e.version + 1
	}
	if cas && version-1 != r.Version {
		sh.mu.Unlock()
		s.release(growth, added)
		s.settled(added)
		return "", 0, store.ErrConflict
	}
	if !ok {
		e = new(entry)
		sh.m[k] = e
		s.anon.Add(1) // until tied to a user below
	}
	// Settle the reservation with what is really replaced (the session may
	// have changed while room was made without the lock).
	s.bytes.Add(size - e.size(ok) - growth)
	if ok {
		s.count.Add(-added)
	} else {
		s.count.Add(1 - added)
	}
	if r.UserID != e.userID {
		s.retie(k, e, r.UserID)
	}
	e.data, e.created, e.expires, e.version = data, nanotime.From(r.Created), expires, version
	if e.ip != r.IPAddress || e.ua != r.UserAgent { // the store keeps no caller's memory
		e.ip, e.ua = strings.Clone(r.IPAddress), strings.Clone(r.UserAgent)
	}
	e.touch(now)
	sh.mu.Unlock()
	s.settled(added)
	s.lowerEarliest(expires)
	s.trim(k)
	return r.ID, version, nil
}

// room is what storing a session of size bytes over e (when ok) adds to
// the store: bytes and sessions.
func room(size int64, e *entry, ok bool) (bytes, sessions int64) {
	if ok {
		return size - e.size(true), 0
	}
	return size, 1
}

// putExpired is put for a record whose expiry has passed: it deletes the
// session, on the version condition when cas is set.
func (s *Store) putExpired(sh *shard, k key, now int64, version uint64, cas bool) error {
	sh.mu.Lock()
	defer sh.mu.Unlock()
	e, ok := sh.m[k]
	live := ok && now < e.expires
	if cas && (live && e.version != version || !live && version != 0) {
		return store.ErrConflict
	}
	if ok {
		s.remove(sh, k, e)
	}
	return nil
}

// retie moves the held entry e under k from its user to user, in the index
// and in the count of sessions tied to no user. The caller holds k's shard
// lock.
func (s *Store) retie(k key, e *entry, user string) {
	switch {
	case e.userID == "":
		s.anon.Add(-1)
	case user == "":
		s.anon.Add(1)
	}
	if e.userID != "" {
		s.users.remove(s, e.userID, k)
	}
	if user != "" {
		user = strings.Clone(user) // the store keeps no caller's memory
		s.users.add(s, user, k)
	}
	e.userID = user
}

// remove deletes the held entry e under k from sh, with its index entry
// and its share of the accounting. The caller holds sh.mu for writing.
func (s *Store) remove(sh *shard, k key, e *entry) {
	delete(sh.m, k)
	s.count.Add(-1)
	s.bytes.Add(-e.size(true))
	if e.userID == "" {
		s.anon.Add(-1)
	} else {
		s.users.remove(s, e.userID, k)
	}
}

// lowerEarliest makes earliest a lower bound of exp too.
func (s *Store) lowerEarliest(exp int64) {
	for {
		cur := s.earliest.Load()
		if exp >= cur || s.earliest.CompareAndSwap(cur, exp) {
			return
		}
	}
}

// Touch sets the expiry of the session with the given ID without copying
// its data. It returns [store.ErrNotFound] when there is no live session
// with that ID. An expires that is not after the store's clock deletes the
// session, as Save does.
func (s *Store) Touch(ctx context.Context, id string, expires time.Time) error {
	if ok, err := store.Guard(ctx, driver, id, store.ErrNotFound); !ok {
		return err
	}
	k := store.HashIDBytes(id)
	sh := s.shardFor(&k)
	now := s.now().UnixNano()
	exp := nanotime.From(expires)
	sh.mu.Lock()
	defer sh.mu.Unlock()
	e, ok := sh.m[k]
	if !ok || now >= e.expires {
		return store.ErrNotFound
	}
	if exp <= now {
		s.remove(sh, k, e)
		return nil
	}
	e.expires = exp
	e.touch(now)
	s.lowerEarliest(exp)
	return nil
}

// Delete removes the session with the given ID, and its entry in its
// user's index. Deleting a missing session, or an ID that fails
// [store.ValidID], is not an error.
func (s *Store) Delete(ctx context.Context, id string) error {
	if ok, err := store.Guard(ctx, driver, id, nil); !ok {
		return err
	}
	s.removeIf(store.HashIDBytes(id), nil)
	return nil
}

// removeIf removes the session under k, if there is one and cond (nil:
// always) holds for it, under its shard's lock.
func (s *Store) removeIf(k key, cond func(*entry) bool) {
	sh := s.shardFor(&k)
	sh.mu.Lock()
	if e, ok := sh.m[k]; ok && (cond == nil || cond(e)) {
		s.remove(sh, k, e)
	}
	sh.mu.Unlock()
}

// Len reports how many sessions the store holds, including expired ones
// that have not been swept yet.
func (s *Store) Len() int { return int(s.count.Load()) }

// Limits returns the store's bounds, Options.MaxSessions and
// Options.MaxBytes (0: none).
func (s *Store) Limits() (maxSessions int, maxBytes int64) {
	return int(s.maxSessions), s.maxBytes
}

// Bytes reports how many bytes the store accounts for: what MaxBytes
// bounds.
func (s *Store) Bytes() int64 { return s.bytes.Load() }
