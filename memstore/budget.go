package memstore

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"time"

	"github.com/seed-699a33a2/session/store"
)

// The accounting behind Options.MaxBytes and Options.MaxSessions, and the
// eviction that keeps the store within them.

const (
	// entryOverhead is what a session costs besides its data and user ID:
	// its entry (an 80-byte size class), its slot in the shard's map (a
	// 32-byte key and a pointer, with the slack of a map that is not full).
	// TestAccountingMatchesTheHeap holds it against the heap.
	entryOverhead = 208

	// sampleShards and sampleEntries: eviction looks at up to sampleEntries
	// sessions of the wanted kind in each of sampleShards random shards and
	// evicts the least recently used of them (Go randomizes map iteration,
	// so the first entries of a range loop are a random sample; Redis
	// evicts the same way). scanLimit bounds the entries one shard's sample
	// reads to find sessions of the wanted kind.
	sampleShards  = 2
	sampleEntries = 4
	scanLimit     = 64

	// purgeEvery is how often, at most, eviction removes every expired
	// session before it evicts a live one.
	purgeEvery = time.Second

	// maxEvictions bounds trim's evictions after one Save, in case
	// concurrent writers keep taking the room.
	maxEvictions = 1 << 12

	// pendingWait bounds how long a Save waits for concurrent Saves that
	// reserved the room it needs to store their sessions, so that it can
	// evict them.
	pendingWait = 5 * time.Second

	noExpiry = math.MaxInt64
)

// errFull is why a Save fails when only sessions it may not evict could
// make room for it.
var errFull = errors.New("the store is full of signed-in sessions, which a session tied to no user never evicts (Options.MaxBytes, Options.MaxSessions)")

func tooLarge(size, max int64) error {
	return fmt.Errorf("%w: memory: a session of %d bytes is over the store's whole budget of %d bytes (Options.MaxBytes, SESSION_MEMORY_LIMIT)", store.ErrTooLarge, size, max)
}

// sizeOf is what a session with dataCap bytes of data and text bytes of
// user ID, IP address and user agent costs the store (its index entry
// apart).
func sizeOf(dataCap, text int) int64 {
	return entryOverhead + int64(dataCap) + int64(text)
}

// size is what e costs the store, or 0 when it is not held yet.
func (e *entry) size(held bool) int64 {
	if !held {
		return 0
	}
	return sizeOf(cap(e.data), len(e.userID)+len(e.ip)+len(e.ua))
}

// over reports whether the store holds more than its bounds allow.
func (s *Store) over() bool {
	return s.maxBytes > 0 && s.bytes.Load() > s.maxBytes || s.maxSessions > 0 && s.count.Load() > s.maxSessions
}

// reserve takes room for a session that grows by bytes and adds sessions
// (0 or 1) to the store, evicting others, in the order Options.MaxBytes
// documents, while the store would be over its bounds. For a session tied
// to no user (signedIn false) it never evicts a signed-in one: when only
// those could make room, it fails.
func (s *Store) reserve(bytes, sessions int64, signedIn bool) error {
	var deadline time.Time
	stuck := 0
	for !s.tryReserve(bytes, sessions) {
		if s.evictOne(noKey, signedIn) {
			stuck = 0
			continue
		}
		// The room may be reserved by Saves that have not stored their
		// sessions yet, which can then be evicted: wait for them a while.
		if deadline.IsZero() {
			deadline = time.Now().Add(pendingWait)
		}
		// The counters are read one after the other while other Saves
		// evict and reserve, so one reading can be torn: fail only when
		// a few readings in a row, with a try between them, find the
		// store full of what this Save may not evict.
		if s.nothingToEvict(signedIn) {
			stuck++
		} else {
			stuck = 0
		}
		if stuck == stuckReadings || time.Now().After(deadline) {
			return store.BackendError(driver, errFull)
		}
		runtime.Gosched()
	}
	return nil
}

// stuckReadings is how many readings in a row reserve needs to find
// nothing to evict before it fails.
const stuckReadings = 3

// nothingToEvict reports whether no Save is pending, and the store holds no
// session that a Save (of a signed-in session when signedIn) may evict.
func (s *Store) nothingToEvict(signedIn bool) bool {
	return s.pending.Load() == 0 && s.held(false) == 0 && (!signedIn || s.held(true) == 0)
}

// tryReserve takes the room if the store has it. The count is reserved
// with compare-and-swap, so that the store never holds more than
// MaxSessions; the bytes are added and given back when over.
func (s *Store) tryReserve(bytes, sessions int64) bool {
	// Pending first: whoever finds the store full while this reservation
	// counts waits for it rather than failing.
	s.pending.Add(sessions)
	for {
		n := s.count.Load()
		if sessions > 0 && s.maxSessions > 0 && n+sessions > s.maxSessions {
			s.pending.Add(-sessions)
			return false
		}
		if s.count.CompareAndSwap(n, n+sessions) {
			break
		}
	}
	if b := s.bytes.Add(bytes); bytes > 0 && s.maxBytes > 0 && b > s.maxBytes {
		s.release(bytes, sessions)
		s.pending.Add(-sessions)
		return false
	}
	return true
}

// release gives back a reservation.
func (s *Store) release(bytes, sessions int64) {
	s.bytes.Add(-bytes)
	s.count.Add(-sessions)
}

// settled marks a reservation as stored (or given back).
func (s *Store) settled(sessions int64) { s.pending.Add(-sessions) }

// trim evicts, after a Save, while the store is over its bounds (the user
// index grew, or concurrent Saves settled above their reservations),
// never the session under keep and never a signed-in session while one
// tied to no user is held.
func (s *Store) trim(keep key) {
	for i := 0; i < maxEvictions && s.over(); i++ {
		if !s.evictOne(keep, true) {
			return
		}
	}
}

// evictOne evicts one session other than keep: an expired one, else one
// tied to no user, else, when mayEvictSignedIn, a signed-in one. It
// reports whether it did (or another writer made the room).
func (s *Store) evictOne(keep key, mayEvictSignedIn bool) bool {
	now := s.now().UnixNano()
	return s.purgeExpired(now) || s.evict(now, keep, false) ||
		mayEvictSignedIn && s.anon.Load() == 0 && s.evict(now, keep, true)
}

// noKey is no session's key (SHA-256 of nothing an ID can be is never all zero).
var noKey key

// purgeExpired removes every expired session when some may have expired,
// at most once per purgeEvery, and reports whether it removed any.
func (s *Store) purgeExpired(now int64) bool {
	last := s.lastPurge.Load()
	if now < s.earliest.Load() || now-last < int64(purgeEvery) || !s.lastPurge.CompareAndSwap(last, now) {
		return false
	}
	return s.deleteExpired(nil, now) > 0
}

// candidate is a session eviction may take.
type candidate struct {
	sh    *shard
	k     key
	use   int64
	found bool
}

// evict evicts one session of the given kind (tied to a user or not) other
// than keep: an expired one, or the least recently used of a random sample,
// or, when the sample holds none of that kind, the first found. It reports
// whether the store now holds one session fewer (or another writer made
// the room).
func (s *Store) evict(now int64, keep key, signedIn bool) bool {
	if s.held(signedIn) == 0 {
		return false
	}
	var best candidate
	n := len(s.shards)
	for i := 0; i < min(sampleShards, n) && !(best.found && best.use == math.MinInt64); i++ {
		sh := &s.shards[rand.IntN(n)]
		best = sh.sample(now, keep, signedIn, best)
	}
	if !best.found {
		start := rand.IntN(n)
		for i := 0; i < n && !best.found; i++ {
			sh := &s.shards[(start+i)%n]
			best = sh.first(keep, signedIn)
		}
	}
	if !best.found {
		return false
	}
	best.sh.mu.Lock()
	if e, ok := best.sh.m[best.k]; ok && (e.userID != "") == signedIn {
		s.remove(best.sh, best.k, e)
	}
	best.sh.mu.Unlock()
	return true
}

// held is how many sessions of the kind the store holds.
func (s *Store) held(signedIn bool) int64 {
	if signedIn {
		return s.count.Load() - s.anon.Load()
	}
	return s.anon.Load()
}

// sample looks at up to sampleEntries sessions of the kind in sh and
// returns best or the least recently used (or an expired one) of them.
func (sh *shard) sample(now int64, keep key, signedIn bool, best candidate) candidate {
	sh.mu.RLock()
	defer sh.mu.RUnlock()
	seen, looked := 0, 0
	for k, e := range sh.m {
		if looked++; looked > scanLimit || seen == sampleEntries {
			break
		}
		if k == keep || (e.userID != "") != signedIn {
			continue
		}
		seen++
		use := e.lastUse.Load()
		if e.expires <= now {
			use = math.MinInt64
		}
		if !best.found || use < best.use {
			best = candidate{sh: sh, k: k, use: use, found: true}
		}
		if use == math.MinInt64 {
			break
		}
	}
	return best
}

// first returns any session of the kind in sh other than keep.
func (sh *shard) first(keep key, signedIn bool) candidate {
	sh.mu.RLock()
	defer sh.mu.RUnlock()
	for k, e := range sh.m {
		if k != keep && (e.userID != "") == signedIn {
			return candidate{sh: sh, k: k, found: true}
		}
	}
	return candidate{}
}
