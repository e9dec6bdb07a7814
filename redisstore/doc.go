// Package redisstore is the Redis driver of the session library: a
// [store.Store], [store.Toucher], [store.Swapper] and [store.Locker] on top
// of go-redis v9.
//
// [New] takes any [redis.UniversalClient]: a single server
// ([redis.NewClient]), Redis Cluster ([redis.NewClusterClient]) or a master
// found through Sentinel ([redis.NewFailoverClient]). [NewClientFromEnv]
// builds one of them from the environment variables the framework documents
// (REDIS_HOST, REDIS_PORT, ...) or from SESSION_REDIS_URL.
//
// # Keys and values
//
// A session lives in one Redis string whose key is the prefix (default
// "session:") followed by [store.HashID] of the session ID, so neither the
// key nor the value holds the ID: whoever can read Redis cannot use what
// they read as a cookie. The value is a 17-byte header followed by the
// session data: a format byte (2), the record's version as a big-endian
// uint64 and the creation time as big-endian int64 Unix nanoseconds. Values
// that earlier releases wrote (format 1: the format byte and the creation
// time, no version) still load, as version 1, and the next save rewrites
// them in format 2. (Releases before format 2 cannot read it: rolling back
// to one ends the sessions saved since.)
//
// The expiry is the key's own TTL, so Redis removes expired sessions by
// itself and no cleanup job is needed. Every operation is one round trip:
//
//   - Save is one EVALSHA of a small Lua script that reads the stored
//     version and SETs the value with the next version and PXAT; or one DEL
//     when the expiry is not in the future (a session is never stored
//     without an expiry);
//   - SaveIf is one EVALSHA of the same script, which first compares the
//     stored version with the expected one (byte for byte, as 8 big-endian
//     bytes of the header) and writes nothing on a mismatch; with an expiry
//     that is not in the future it DELs the key under the same condition.
//     A key holds a version only when Load would return it (a value in a
//     format this package reads, with a TTL, expiring after the caller's
//     clock); anything else counts as no record;
//   - Load is one pipeline of GET and PEXPIRETIME on the same key;
//   - Touch is one PEXPIREAT, which leaves the version alone;
//   - Delete is one DEL.
//
// Each of them touches only its one key (the script is given it as its one
// key argument), so all of them work on Redis Cluster. The script is sent
// by its SHA1; go-redis falls back to EVAL, once per server, when the
// server does not have it cached yet (NOSCRIPT).
//
// Expiry times are kept to the millisecond. The driver needs Redis 7.0 or
// later (PEXPIRETIME) and never uses the KEYS command.
//
// # Locks
//
// [Store.Lock] (the manager's blocking mode) keeps the lock of a session in
// a key of its own: the session's key followed by ":lock", holding a random
// token of the holder (nothing of the session ID) with the lease as its TTL.
// Lock takes it with one SET NX PX and, while another holder has it, tries
// again after a short jittered pause (2 to 20 ms) until its context is done,
// which is an error wrapping [store.ErrLockTimeout] and the context's error.
// unlock is one EVALSHA of a script that DELs the key only if it still holds
// the caller's token, so a holder whose lease ran out never releases the
// lock that another request took since. Both touch one key, so the lock
// works on Redis Cluster (where the lock key may live in another slot than
// the session's: nothing needs both in one command). The lease is the
// key's TTL, kept by the server, so a crashed holder frees the lock when it
// ends.
//
// The lock is as strong as a single Redis master: with Sentinel, a
// failover that loses the last writes (replication is asynchronous) can
// lose a lock too, and two requests may then overlap once.
//
// # Errors
//
// A token that is not a well-formed session ID is [store.ErrNotFound]
// without a round trip, and so is a missing key. A value whose header is not
// one this package wrote is [store.ErrCorrupt]. A SaveIf whose expected
// version is not the stored one is [store.ErrConflict], which does not wrap
// [store.ErrBackend]; a Lock that gave up waiting is
// [store.ErrLockTimeout]. Every other failure (network, timeout, cancelled
// context, a Redis error reply) wraps both [store.ErrBackend] and its cause.
package redisstore
