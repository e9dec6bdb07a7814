// Package gormstore is the database driver of the session library: it keeps
// sessions in one table of any database that GORM speaks to — PostgreSQL,
// MySQL/MariaDB and SQLite are tested.
//
// The package imports GORM only, never a GORM driver: the application opens
// the database with the dialect it wants and hands the *gorm.DB to [New].
//
//	db, err := gorm.Open(postgres.Open(dsn), &gorm.Config{})
//	...
//	st, err := gormstore.New(db, gormstore.Options{})
//	...
//	if err := st.Migrate(ctx); err != nil { ... } // once, at start-up or in a migration step
//	defer st.Close()
//
// # The table
//
// [Store.Migrate] creates the table (default "sessions") and its indexes if
// they are missing; it is explicit so that applications that manage their
// schema elsewhere can skip it. The columns are:
//
//   - id: primary key, the [store.HashID] of the session ID (64 hex
//     characters). The raw ID is never stored, so whoever can read the table
//     cannot use what they read as a cookie.
//   - data: the encoded session data (bytea, longblob or blob).
//   - expires_at: the absolute expiry, indexed for [Store.DeleteExpired].
//   - created_at: when the session was first stored; a later save never
//     changes it.
//   - version: 1 on insert, incremented by every save ([Store.Save] or
//     [Store.SaveIf]; a touch leaves it alone). [Store.Load] returns it as
//     [store.Record.Version] and [Store.SaveIf] compares it.
//   - user_id: nullable and indexed, the record's [store.Record.UserID]
//     (NULL for none), written by every save and returned by Load; see A
//     user's sessions below.
//   - ip_address, user_agent: nullable, for features to come; the store
//     leaves them alone (the manager keeps these in the session data).
//   - last_activity: the time of the last save or touch.
//   - lock_token, locked_until: nullable, the session's lock (see Locks
//     below); no save or touch writes them.
//
// Times are written in UTC with microsecond precision. Every comparison
// with the current time uses a bound parameter read from [Options.Now],
// never the database's NOW(), so the database's clock and time zone do not
// matter and tests can move the clock.
//
// # Statements
//
// Each method is one statement: [Store.Load] is one SELECT, [Store.Save]
// one atomic upsert (INSERT ... ON CONFLICT (id) DO UPDATE on PostgreSQL and
// SQLite, INSERT ... ON DUPLICATE KEY UPDATE on MySQL) that updates only
// data, expires_at, last_activity, user_id and version, [Store.Touch] one
// UPDATE and
// [Store.Delete] one DELETE (on MySQL, a Touch that changed no row asks
// with a second statement whether the row exists, since MySQL counts rows
// changed rather than rows matched). The store runs them without GORM's default
// transaction. [Store.DeleteExpired] removes expired rows in batches (select
// a batch of ids, delete them, repeat), a form that MySQL accepts too.
//
// # Compare-and-set
//
// The store implements [store.Swapper] with the version column, which works
// alike on every dialect (row locks do not: SQLite ignores FOR UPDATE):
//
//   - [Store.SaveIf] of a loaded record is one UPDATE ... SET data,
//     expires_at, last_activity, user_id, version = version + 1 WHERE id =
//     ? AND version = ? AND expires_at > ?; when it updates no row, another
//     request saved or deleted the session in between and SaveIf returns
//     [store.ErrConflict]. The version always changes, so MySQL's count of
//     rows changed is exact here.
//   - SaveIf of a new record (version 0) is one INSERT that does nothing
//     when the id exists (ON CONFLICT (id) DO NOTHING; ON DUPLICATE KEY
//     UPDATE id = id on MySQL), so a conflict is no database error for GORM
//     to log. When it inserted nothing and the existing row is expired, a
//     DELETE of that row and a second INSERT follow; a live row is
//     [store.ErrConflict].
//   - SaveIf with an expiry that is not in the future is one DELETE ...
//     WHERE id = ? AND version = ? AND expires_at > ? ([store.ErrConflict]
//     when it deletes nothing).
//
// A duplicate key (seen whether or not gorm.Config.TranslateError is set),
// SQLITE_BUSY ("database is locked"), a PostgreSQL serialization failure or
// deadlock and a MySQL deadlock during SaveIf are [store.ErrConflict] as
// well: the caller reloads and tries again. [store.ErrConflict] never wraps
// [store.ErrBackend].
//
// A missing, expired or malformed token is [store.ErrNotFound] and is never
// logged by GORM as an error ("record not found"). Every failure of the
// database — and a cancelled context — is an error that wraps both
// [store.ErrBackend] and its cause, so [errors.Is] works for either (the
// contention errors of SaveIf above excepted; a Lock that gave up waiting
// is [store.ErrLockTimeout]). The store itself never logs.
//
// # A user's sessions
//
// The store implements [store.UserIndex] with the user_id column, which
// every save writes, so a session re-tied to another user (or signed out,
// NULL) moves with it at once:
//
//   - [Store.UserSessions] is one SELECT id, data, created_at, expires_at,
//     version, user_id WHERE user_id = ? AND expires_at > ?, with the
//     store's current time bound like every other; the handle of each
//     session is its id column.
//   - [Store.DeleteUserSession] is one DELETE WHERE id = ? AND user_id = ?.
//     A handle that is not 64 lowercase hex digits does nothing, without a
//     statement.
//
// User IDs match byte for byte on every dialect: MySQL's default collations
// would find "ALICE" or "alice " equal to "alice", so on MySQL the DELETE
// compares CAST(user_id AS BINARY) as well and UserSessions drops the rows
// whose user_id differs in Go. The empty user ID means no user: it lists
// and ends nothing.
//
// # Locks
//
// The store implements [store.Locker] (the manager's blocking mode) in the
// session's own row. [Store.Lock] is one UPDATE ... SET lock_token = ?,
// locked_until = ? WHERE id = ? AND (locked_until IS NULL OR locked_until
// <= ?), with a random token of the caller and the end of its lease; when
// it updates no row, a SELECT COUNT tells a lock held by someone else from
// a missing row, and Lock tries again after a short jittered pause (2 to
// 20 ms) until its context is done, which is an error wrapping
// [store.ErrLockTimeout] and the context's error. A busy database
// (SQLITE_BUSY) or other contention during an attempt is retried the same
// way. unlock is one UPDATE that clears both columns WHERE id = ? AND
// lock_token = ?, so a holder whose lease ran out never releases the lock
// that another request took since; calling it again does nothing. Save,
// SaveIf and Touch name the columns they write and leave the lock alone.
//
// Leases are real time, read from time.Now rather than [Options.Now] and
// bound as parameters like every other time, so the processes that share a
// table need clocks that agree to well within a lease.
//
// An ID without a row (an expired row still counts as one) has no session
// to protect: the manager answers such a request with a fresh session under
// a new ID and never writes to the old one. Lock then returns at once, with
// an unlock that does nothing; so does a waiter whose holder deleted the row
// (the session was destroyed or regenerated) in the meantime.
//
// [Store.Migrate] adds lock_token and locked_until to a table created by an
// earlier release.
//
// # Dialect notes
//
// MySQL and MariaDB: the DSN must contain parseTime=True (times are scanned
// into time.Time) and should contain loc=UTC. interpolateParams=true halves
// the round trips of every statement.
//
// SQLite: concurrent writers contend for one database lock. Open the file
// with write-ahead logging and a busy timeout, so that a writer waits for
// the lock instead of failing with SQLITE_BUSY (github.com/glebarez/sqlite
// sets a 5 s timeout by default, other drivers may not), and
// optionally synchronous(NORMAL), which in WAL mode keeps the database
// consistent and saves an fsync per write (a power loss may undo the last
// writes):
//
//	dsn := "file:sessions.db?_pragma=busy_timeout(5000)&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)"
//	db, err := gorm.Open(sqlite.Open(dsn), &gorm.Config{})
//
// Every statement of the store is a single auto-committed statement, which
// the busy timeout covers; should a SaveIf still meet SQLITE_BUSY, it
// reports [store.ErrConflict]. If the application also runs its own
// read-then-write transactions on the same file, SQLite can fail those with
// SQLITE_BUSY regardless of the timeout; limiting the pool to one connection
// (sqlDB.SetMaxOpenConns(1)) serialises everything in Go and avoids it. An
// in-memory database (":memory:") is per connection: it needs
// SetMaxOpenConns(1) too.
//
// Keep the driver's default time format: expiry comparisons rely on the
// times that the store writes and binds being spelt alike.
//
// # Cleanup
//
// Expired rows are never returned, and a background loop deletes them every
// [Options.CleanupInterval] (10 minutes by default). The loop starts with
// the first [Store.Save] and stops on [Store.Close]; applications that prune
// by other means (a cron job calling [Store.DeleteExpired]) turn it off with
// a negative interval. The store never logs: errors of the loop go to
// [Options.OnCleanupError] when it is set.
//
// # Concurrency
//
// A [Store] is safe for concurrent use by multiple goroutines, as is the
// *gorm.DB it wraps.
package gormstore
