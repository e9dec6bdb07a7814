// Package redisstore is the Redis driver of the session library: a
// [store.Store] and [store.Toucher] on top of go-redis v9.
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
// they read as a cookie. The value is a 9-byte header (a format byte and the
// creation time as Unix nanoseconds) followed by the session data.
//
// The expiry is the key's own TTL, so Redis removes expired sessions by
// itself and no cleanup job is needed. Every operation is one round trip:
//
//   - Save is one SET with PXAT, or one DEL when the expiry is not in the
//     future (a session is never stored without an expiry);
//   - Load is one pipeline of GET and PEXPIRETIME on the same key, which
//     works on Redis Cluster because both commands go to the key's slot;
//   - Touch is one PEXPIREAT;
//   - Delete is one DEL.
//
// Expiry times are kept to the millisecond. The driver needs Redis 7.0 or
// later (PEXPIRETIME) and never uses KEYS.
//
// # Errors
//
// A token that is not a well-formed session ID is [store.ErrNotFound]
// without a round trip, and so is a missing key. A value whose header is not
// one this package wrote is [store.ErrCorrupt]. Every other failure
// (network, timeout, cancelled context, a Redis error reply) wraps both
// [store.ErrBackend] and its cause.
package redisstore
