// Package redisstore is the Redis driver of the session library: a
// [store.Store], [store.Toucher], [store.Swapper], [store.Locker] and
// [store.UserIndex] on top of go-redis v9.
//
// [New] takes any [redis.UniversalClient]: a single server
// ([redis.NewClient]), Redis Cluster ([redis.NewClusterClient]) or a master
// found through Sentinel ([redis.NewFailoverClient]). [NewClientFromEnv]
// builds one of them from the REDIS_* environment variables (REDIS_HOST,
// REDIS_PORT, ...) or from SESSION_REDIS_URL.
//
// # Keys and values
//
// A session lives in one Redis string whose key is the prefix (default
// "session:") followed by [store.HashID] of the session ID, so neither the
// key nor the value holds the ID: whoever can read Redis cannot use what
// they read as a cookie. The value is a header followed by the session
// data. For a session without a user the header has 17 bytes: a format
// byte (2), the record's version as a big-endian uint64 and the creation
// time as big-endian int64 Unix nanoseconds. For a session tied to a user
// ([store.Record.UserID]) it is format 3: the same 17 bytes (with format
// byte 3), then the length of the user ID as a big-endian uint32 and the
// user ID itself; [Store.Load] returns it. Values that earlier releases
// wrote (format 1: the format byte and the creation time, no version) still
// load, as version 1, and the next save rewrites them in format 2 or 3.
// (A release cannot read the formats that came after it: rolling back to
// one before format 2 ends the sessions saved since, and rolling back to
// one before format 3 ends the sessions tied to a user.)
//
// The expiry is the key's own TTL, so Redis removes expired sessions by
// itself and no cleanup job is needed. Every operation on a session without
// a user is one round trip:
//
//   - Save is one EVALSHA of a small Lua script that reads the stored
//     version and SETs the value with the next version and PXAT, or DELs
//     the key when the expiry is not in the future (a session is never
//     stored without an expiry);
//   - SaveIf is one EVALSHA of the same script, which first compares the
//     stored version with the expected one (byte for byte, as 8 big-endian
//     bytes of the header) and writes nothing on a mismatch; with an expiry
//     that is not in the future it DELs the key under the same condition.
//     A key holds a version only when Load would return it (a value in a
//     format this package reads, with a TTL, expiring after the caller's
//     clock); anything else counts as no record. The script reads only the
//     old value's header and user ID (GETRANGE). A creation (expected
//     version 0) is one SET with NX and PXAT instead, and runs the script
//     only when a key is already there. On a server whose SET takes IFEQ
//     (Valkey 8.1 and later, tested; Redis 8.4 has the same option) the change of a loaded record is one SET with
//     IFEQ and the value Load read ([store.Record.Stamp]) instead: bytes
//     equal to the loaded ones hold the loaded version and expiry, so it
//     stores exactly where the script would, without a script; when it
//     stores nothing (another request wrote, a Touch moved the expiry,
//     the key is gone) the script decides as before, a second round trip
//     on that path only. A server whose SET refuses the option (Redis 7
//     answers a syntax error) is told apart by that first refusal, and
//     the Store runs the script from then on;
//   - Load is one GET: the value's header holds the expiry (a value written
//     by an earlier release, without it, costs one PEXPIRETIME more);
//   - Touch is one EVALSHA of a script that runs PEXPIREAT, writes the same
//     expiry into the value's header with SETRANGE (both leave the version
//     alone) and returns the user ID from the header;
//   - Delete is one EVALSHA of a script that DELs the key and returns the
//     user the value was tied to.
//
// Each of them touches only its one key (a script is given it as its one
// key argument), so all of them work on Redis Cluster. The scripts are sent
// by their SHA1; go-redis falls back to EVAL, once per server, when the
// server does not have one cached yet (NOSCRIPT).
//
// A Save, SaveIf or Touch of a session tied to a user takes one more round
// trip, on the user's index (see A user's sessions below), and so does a
// Delete of one, or a save that unties it; Load never does. Delete is one
// EVALSHA (a script that DELs the key and says whose it was).
//
// Expiry times are kept to the millisecond. The driver needs Redis 7.0 or
// later (PEXPIRETIME, PEXPIREAT NX and GT), or Valkey, and never uses the
// KEYS command. Its tests run on Redis 7.0 (single, Cluster, Sentinel) and
// on Valkey 8.1.
//
// # A user's sessions
//
// The store implements [store.UserIndex] with an index per user: a sorted
// set under the prefix followed by "user:" and the SHA-256 of the user ID in
// hex (the key does not hold the user ID), whose members are the handles of
// the user's sessions ([store.HashID] of the ID, the hex of the session's
// key), each scored by the session's expiry in Unix milliseconds. On Redis
// Cluster a script or transaction may touch only keys of one hash slot, and
// the index falls in another slot than the sessions: so the index is kept
// by commands on its own key alone, and may lag behind the sessions. The
// session's own value always says whose it is; the index only says where to
// look.
//
//   - After a Save or SaveIf that stored a session with a user, and after a
//     Touch of one, one MULTI/EXEC on the index key drops the members whose
//     score has passed (ZREMRANGEBYSCORE), adds the session's handle with
//     ZADD GT (so its score never falls behind the session's expiry: a
//     touch that extends a session extends its entry) and moves the key's
//     expiry to the session's if that is later (PEXPIREAT NX, then GT): the
//     key expires with its latest member, so the index of a user who never
//     comes back vanishes by itself. When this step fails, the call returns
//     a backend error (the session itself is written), since a session
//     missing from its index would escape "log out other devices".
//   - Delete, and a save that ties the session to another user or to none,
//     take the session's member out of its former user's index at once: the
//     script that DELs or SETs the session's key returns the user its old
//     value was tied to, and one ZREM follows (Redis removes a sorted set
//     left empty). A member whose session expired stays until the next
//     write of that index drops it (its score has passed), and the key
//     itself expires with its latest member: once all of a user's sessions
//     have expired, no index key of theirs is left.
//   - A crash between the two steps can leave a member behind.
//     [Store.UserSessions] drops such members: one pipeline of ZREMRANGEBYSCORE
//     (members whose score has passed) and ZRANGE, one pipeline of GET and
//     PEXPIRETIME for each member's session (on a cluster, go-redis splits
//     it by node), and one ZREM of the members whose session is gone,
//     expired, unreadable or tied to someone else now. It lists the
//     others, with their records.
//   - [Store.DeleteUserSession] is one EVALSHA of a one-key script that
//     DELs the session only if the user ID in its value's header is the
//     caller's, then one ZREM of the handle from the caller's index. A
//     handle that is not 64 lowercase hex digits does nothing.
//
// The empty user ID means no user: it has no index, UserSessions lists
// nothing for it and DeleteUserSession ends nothing.
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
