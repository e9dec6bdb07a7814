// Package memstore is an in-process, in-memory session store.
//
// Sessions live in the memory of one process: they are lost on restart and
// are not shared between instances, so the store suits development, tests
// and single-process deployments. For anything that must survive a restart
// or serve several instances, use a server-side store with a shared backend.
//
// # Safety
//
// A [Store] is safe for concurrent use by multiple goroutines. Save copies
// the caller's data in and Load copies it out, so a handler can never reach
// the store's memory, and concurrent requests on one session never share
// a map (no "concurrent map writes"). The manager, which never changes
// encoded data, uses [Store.LoadShared] and [Store.SaveIfShared]
// ([store.Sharer]) instead: a stored record's bytes are never changed in
// place (a save replaces them), so the store and the requests reading a
// session can share them, and the values decoded from them are still the
// requests' own (strings are immutable and []byte values are copied).
// The raw session ID is never kept: entries are keyed by [store.HashIDBytes].
//
// # Design
//
// The store is split into shards (64, or fewer when MaxSessions is small),
// chosen by the first bytes of the SHA-256 key. Each shard is a map with its
// own [sync.RWMutex]; there is no global lock on the read or write path.
// Load takes only its shard's read lock and records the time of use with an
// atomic store, for approximate least-recently-used eviction.
//
// # Expiry and limits
//
// Load never returns a record whose expiry is not after the store's clock.
// Expired entries are swept by a background goroutine that starts with the
// first Save and runs every [Options.CleanupInterval] until [Store.Close];
// [Store.DeleteExpired] sweeps on demand. With [Options.MaxSessions] set, the
// store never holds more sessions than that: a full shard first drops its
// expired entries and then evicts the approximately least recently used one
// (the oldest of a small random sample).
//
// # Memory
//
// On 64-bit platforms a session costs about 145 bytes of heap (its map slot
// and entry) plus its data rounded up to a Go size class: about 255 bytes
// for a session with 100 bytes of data (TestMemoryPerSession measures it
// for 100,000 sessions).
package memstore
