package memstore

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/seed-699a33a2/session/internal/locks"
	"github.com/seed-699a33a2/session/internal/sweep"
	"github.com/seed-699a33a2/session/store"
)

const (
	// maxShards is the number of shards of a store without a small
	// MaxSessions. 64 keeps lock contention low on machines with many cores
	// while costing an empty store only a few kilobytes.
	maxShards = 64

	// evictSample is how many entries a full shard looks at to choose the
	// one to evict. Go randomizes map iteration, so the first entries of a
	// range loop are a random sample; the oldest of five is close enough to
	// the least recently used one (Redis uses the same idea).
	evictSample = 5

	// sweepBatch is how many expired entries the sweep deletes per hold of
	// a shard's write lock, so that a large shard never blocks writers for
	// long.
	sweepBatch = 256

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
	// sessions are still never loaded, and DeleteExpired or a full shard
	// removes them).
	CleanupInterval time.Duration

	// MaxSessions bounds the number of sessions held. Zero means unlimited.
	// Otherwise the store never holds more than MaxSessions sessions: the
	// limit is divided as evenly as possible between the shards, and a
	// shard that is full evicts an expired or the approximately least
	// recently used session to make room for a new one.
	MaxSessions int
}

// Store is an in-memory session store. It implements [store.Store],
// [store.Toucher], [store.Pruner] and [io.Closer].
//
// A Store is safe for concurrent use by multiple goroutines. Create one
// with [New]; the zero value is not usable.
type Store struct {
	now      func() time.Time
	shards   []shard
	sweep    *sweep.Loop // the background sweep, started by the first Save
	blocking locks.Table // the blocking mode's locks
	users    userIndex   // the sessions of each user (Login)
}

type shard struct {
	mu sync.RWMutex
	m  map[[sha256.Size]byte]*entry
	// max is the shard's share of MaxSessions; 0 means unlimited.
	max int
	// earliest is a lower bound of the expiry of every entry in m (exact
	// after a sweep of the shard). While the clock is before it, the shard
	// holds nothing expired and a sweep or a full shard can skip the scan.
	earliest time.Time
	// gen counts the changes that can lower earliest, so that a sweep can
	// tell whether the minimum it computed under the read lock still holds.
	gen uint64
	_   [64]byte // keep neighbouring shards' locks off one cache line
}

// entry is one session. All fields but lastUse are guarded by the shard's
// lock; lastUse is written under the read lock too, hence atomic.
type entry struct {
	data    []byte
	created time.Time
	expires time.Time
	version uint64
	userID  string
	lastUse atomic.Int64 // Unix nanoseconds of the last Load or Save
}

// New returns an empty store configured by opts. No goroutine starts until
// the first Save.
func New(opts Options) *Store {
	n := maxShards
	if opts.MaxSessions > 0 && opts.MaxSessions < n {
		// Fewer shards than sessions, so that every shard can hold at
		// least one and the shares add up to exactly MaxSessions.
		n = opts.MaxSessions
	}
	return newStore(opts, n)
}

// newStore is New with a given number of shards (tests use one shard to
// check eviction order).
func newStore(opts Options, n int) *Store {
	s := &Store{now: opts.Now}
	if s.now == nil {
		s.now = time.Now
	}
	interval := opts.CleanupInterval
	if interval == 0 {
		interval = defaultCleanupInterval
	}
	s.sweep = sweep.New(interval, s.DeleteExpired, nil)
	s.shards = make([]shard, n)
	for i := range s.shards {
		sh := &s.shards[i]
		sh.m = make(map[[sha256.Size]byte]*entry)
		if opts.MaxSessions > 0 {
			sh.max = opts.MaxSessions / n
			if i < opts.MaxSessions%n {
				sh.max++
			}
		}
	}
	return s
}

func (s *Store) shardFor(key *[sha256.Size]byte) *shard {
	// SHA-256 output is uniform, so its first bytes pick a shard evenly.
	return &s.shards[binary.LittleEndian.Uint64(key[:8])%uint64(len(s.shards))]
}

// Load returns the session with the given token (its ID). A token that is
// not a valid ID, is unknown or has expired is [store.ErrNotFound]. The
// returned Data is a copy. Load takes only its shard's read lock.
func (s *Store) Load(ctx context.Context, token string) (store.Record, error) {
	if err := ctx.Err(); err != nil {
		return store.Record{}, backendErr("load", err)
	}
	if !store.ValidID(token) {
		return store.Record{}, store.ErrNotFound
	}
	key := store.HashIDBytes(token)
	sh := s.shardFor(&key)
	now := s.now()
	sh.mu.RLock()
	e, ok := sh.m[key]
	if !ok || !now.Before(e.expires) {
		sh.mu.RUnlock()
		return store.Record{}, store.ErrNotFound
	}
	r := store.Record{ID: token, Created: e.created, Expires: e.expires, Version: e.version, UserID: e.userID}
	if len(e.data) > 0 {
		r.Data = append([]byte(nil), e.data...)
	}
	e.touch(now)
	sh.mu.RUnlock()
	return r, nil
}

// touch records a use at now. It writes only when the time moved, so that
// concurrent Loads of one popular session do not all dirty its cache line.
func (e *entry) touch(now time.Time) {
	if n := now.UnixNano(); e.lastUse.Load() < n {
		e.lastUse.Store(n)
	}
}

// Save stores a copy of r under r.ID and returns r.ID as the token. An ID
// that fails [store.ValidID] is [store.ErrInvalidID]. A record whose Expires
// is not after the store's clock is deleted instead, and Save returns ("",
// nil). The first Save starts the background sweeper.
func (s *Store) Save(ctx context.Context, r store.Record) (string, error) {
	tok, _, err := s.put(ctx, "save", r, false)
	return tok, err
}

// SaveIf is Save on the condition that the stored version is r.Version (0:
// no live session under r.ID); otherwise it stores nothing and returns
// [store.ErrConflict]. It implements [store.Swapper].
func (s *Store) SaveIf(ctx context.Context, r store.Record) (string, uint64, error) {
	return s.put(ctx, "save", r, true)
}

// put stores r, on the version condition when cas is set, under the
// shard's lock.
func (s *Store) put(ctx context.Context, op string, r store.Record, cas bool) (string, uint64, error) {
	if err := ctx.Err(); err != nil {
		return "", 0, backendErr(op, err)
	}
	if !store.ValidID(r.ID) {
		return "", 0, fmt.Errorf("session: memstore: %s: %w", op, store.ErrInvalidID)
	}
	key := store.HashIDBytes(r.ID)
	sh := s.shardFor(&key)
	now := s.now()
	expired := !r.Expires.After(now)
	var data []byte
	if !expired {
		s.sweep.Start()
		if len(r.Data) > 0 {
			data = append([]byte(nil), r.Data...)
		}
	}
	sh.mu.Lock()
	e, ok := sh.m[key]
	live := ok && now.Before(e.expires)
	version := uint64(1)
	if live {
		version = e.version + 1
	}
	if cas && version-1 != r.Version {
		sh.mu.Unlock()
		return "", 0, store.ErrConflict
	}
	if expired {
		delete(sh.m, key)
		sh.mu.Unlock()
		return "", 0, nil
	}
	if !ok {
		if sh.max > 0 && len(sh.m) >= sh.max {
			sh.makeRoom(now)
		}
		e = new(entry)
		if len(sh.m) == 0 {
			sh.earliest = r.Expires
		}
		sh.m[key] = e
	}
	e.data, e.created, e.expires, e.version, e.userID = data, r.Created, r.Expires, version, r.UserID
	sh.gen++
	if r.Expires.Before(sh.earliest) {
		sh.earliest = r.Expires
	}
	e.touch(now)
	sh.mu.Unlock()
	if r.UserID != "" {
		s.users.add(r.UserID, key, s.alive)
	}
	return r.ID, version, nil
}

// makeRoom frees one slot in a full shard: it drops the expired entries, or
// if there are none, evicts the oldest-used entry of a random sample. The
// caller holds sh.mu for writing.
func (sh *shard) makeRoom(now time.Time) {
	if !now.Before(sh.earliest) {
		earliest := time.Time{}
		for k, e := range sh.m {
			if !now.Before(e.expires) {
				delete(sh.m, k)
			} else if earliest.IsZero() || e.expires.Before(earliest) {
				earliest = e.expires
			}
		}
		sh.earliest = earliest
		if len(sh.m) < sh.max {
			return
		}
	}
	var (
		victim [sha256.Size]byte
		oldest int64
		seen   int
	)
	for k, e := range sh.m {
		if t := e.lastUse.Load(); seen == 0 || t < oldest {
			victim, oldest = k, t
		}
		if seen++; seen == evictSample {
			break
		}
	}
	delete(sh.m, victim)
}

// Touch sets the expiry of the session with the given ID without copying
// its data. It returns [store.ErrNotFound] when there is no live session
// with that ID. An expires that is not after the store's clock deletes the
// session, as Save does.
func (s *Store) Touch(ctx context.Context, id string, expires time.Time) error {
	if err := ctx.Err(); err != nil {
		return backendErr("touch", err)
	}
	if !store.ValidID(id) {
		return store.ErrNotFound
	}
	key := store.HashIDBytes(id)
	sh := s.shardFor(&key)
	now := s.now()
	sh.mu.Lock()
	defer sh.mu.Unlock()
	e, ok := sh.m[key]
	if !ok || !now.Before(e.expires) {
		return store.ErrNotFound
	}
	if !expires.After(now) {
		delete(sh.m, key)
		return nil
	}
	e.expires = expires
	sh.gen++
	if expires.Before(sh.earliest) {
		sh.earliest = expires
	}
	e.touch(now)
	return nil
}

// Delete removes the session with the given ID. Deleting a missing session,
// or an ID that fails [store.ValidID], is not an error.
func (s *Store) Delete(ctx context.Context, id string) error {
	if err := ctx.Err(); err != nil {
		return backendErr("delete", err)
	}
	if !store.ValidID(id) {
		return nil
	}
	key := store.HashIDBytes(id)
	sh := s.shardFor(&key)
	sh.mu.Lock()
	delete(sh.m, key)
	sh.mu.Unlock()
	return nil
}

// DeleteExpired removes every expired session and reports how many it
// removed. It visits the shards one at a time and never holds more than one
// shard's lock: it collects a shard's expired keys under the read lock and
// deletes them under the write lock in small batches, rechecking each, so
// that concurrent Loads and Saves wait at most for one batch. A cancelled
// ctx stops it between batches with an error wrapping ctx.Err() and
// [store.ErrBackend].
func (s *Store) DeleteExpired(ctx context.Context) (int, error) {
	if err := ctx.Err(); err != nil {
		return 0, backendErr("delete expired", err)
	}
	removed := 0
	var expired [][sha256.Size]byte
	for i := range s.shards {
		sh := &s.shards[i]
		now := s.now()
		sh.mu.RLock()
		if len(sh.m) == 0 || now.Before(sh.earliest) {
			sh.mu.RUnlock()
			continue
		}
		gen := sh.gen
		var next time.Time // earliest expiry of what stays
		expired = expired[:0]
		for k, e := range sh.m {
			if !now.Before(e.expires) {
				expired = append(expired, k)
			} else if next.IsZero() || e.expires.Before(next) {
				next = e.expires
			}
		}
		sh.mu.RUnlock()
		for len(expired) > 0 {
			if err := ctx.Err(); err != nil {
				return removed, backendErr("delete expired", err)
			}
			batch := expired[:min(len(expired), sweepBatch)]
			expired = expired[len(batch):]
			sh.mu.Lock()
			for _, k := range batch {
				// Recheck: the session may have been saved again since.
				if e, ok := sh.m[k]; ok && !now.Before(e.expires) {
					delete(sh.m, k)
					removed++
				}
			}
			sh.mu.Unlock()
		}
		sh.mu.Lock()
		if sh.gen == gen {
			sh.earliest = next
		}
		sh.mu.Unlock()
	}
	return removed, nil
}

// Len reports how many sessions the store holds, including expired ones
// that have not been swept yet. It locks one shard at a time, so under
// concurrent writes the result is approximate.
func (s *Store) Len() int {
	n := 0
	for i := range s.shards {
		sh := &s.shards[i]
		sh.mu.RLock()
		n += len(sh.m)
		sh.mu.RUnlock()
	}
	return n
}

func backendErr(op string, err error) error {
	return fmt.Errorf("session: memstore: %s: %w: %w", op, store.ErrBackend, err)
}
