// Package filestore is a session store that keeps one file per session in a
// folder of the local file system, for single-server deployments.
//
// # Files
//
// A session lives in dir/<name>.session, where <name> is [store.HashID] of
// its ID: 64 lowercase hex digits. The raw ID never reaches the disk, so
// whoever can read the folder cannot use what they read as a cookie. The ID
// is checked with [store.ValidID] before any path is built, so no cookie
// value can name a file outside the folder. The folder is created with mode 0700 and the files with mode 0600.
//
// Each file holds two slots for a record each. A record is a versioned
// header with the creation and expiry times (Unix nanoseconds, so times
// between the years 1678 and 2262; a zero Created round-trips as zero, and
// an expiry beyond 2262 is stored as the latest representable time), the
// data, and a CRC-32C checksum; the session is the slots' newest whole
// record. A file none of whose slots holds a whole record is
// [store.ErrCorrupt], which wraps [store.ErrNotFound]; it is never
// half-read. Files of the earlier single-record formats are still read.
//
// # Writes
//
// A new session's file appears whole or not at all: on Linux it is written
// as an unnamed file in the folder (O_TMPFILE) and then linked under its
// name, so that a writer killed before the link leaves nothing behind;
// where the file system has no unnamed files, and on other systems, it is
// written to a temporary file (".tmp-*") in the same folder and renamed
// into place. A change of a live session writes
// the new record into the slot that does not hold the newest one, in
// place, under the session's lock: the record it follows stays whole
// until the new one is, so a reader sees the old record or the new one,
// never a mix, and a writer killed mid-write leaves the session as it was.
// No file is created, renamed or removed per change, which is most of what
// a save costs on a journaling file system. A record larger than its slots,
// a session saved again after it expired, a file of an earlier format and
// a file with another hard link (a backup made with cp -al or rsync
// --link-dest, whose bytes a write in place would change too) are written
// as a new file. Until the next change, the slot not written
// keeps the record before it (sealed like every record under
// SESSION_ENCRYPT); a session's data leaves the folder with its file, when
// the session is deleted, regenerated or swept. With [Options.Fsync] the
// written file (and, for a new file, the folder) is synced, so that a
// saved session also survives a power failure. Any failure of the file
// system wraps [store.ErrBackend]: an outage is never mistaken for "no
// session".
//
// # Expiry
//
// Load never returns a session whose expiry is not after the store's clock.
// Expired files stay on disk until [Store.DeleteExpired] removes them; a
// background goroutine calls it every [Options.CleanupInterval] from the
// first Save until [Store.Close]. DeleteExpired removes only this store's
// files (names of exactly 64 lowercase hex digits and ".session") and
// temporary files left over for more than an hour by a crashed Save; it
// never touches anything else in the folder.
//
// # Concurrency
//
// A [Store] is safe for concurrent use by multiple goroutines, and on
// Linux, macOS and the BSDs by several processes sharing the folder (a
// rolling restart, a pre-fork server, two instances on one host). The
// changes to one session's file (a Save, a Delete, compare-and-set, its
// links in the user index, the sweep's check-then-remove) are serialized
// by an in-process mutex and by a lock on one of 256 stripes, chosen by
// the file name's first two hex digits: on Linux an open file description
// lock on byte i of locks/stripes, on macOS and the BSDs flock(2) on
// locks/stripe-XX. Versions never repeat, and the sweep never removes a
// session that another process has just renewed. The lock files are
// created when first needed, kept open until Close, and never removed. The blocking mode's lock
// ([Store.Lock]) is a file locks/<hash>.lock created with O_EXCL, holding
// its lease deadline and its holder's token; a waiter polls, and removes
// a lock file whose lease has passed (a crashed holder), as does the
// sweep. On other systems these guarantees hold within one process only.
// Loads take no lock: a rename is atomic, and a change in place leaves
// the previous record whole. A read is not atomic against a write in place,
// though: a load stalled between the two slots could copy the older record
// whole and the newer one torn by the next change. So a load that meets a
// torn slot reads the file again, twice at most, and then once under the
// session's lock, where no change is under way; a load never returns a
// record older than one an earlier load returned. On Linux a session's file
// is opened with openat(2) on a descriptor of the folder, with O_NOFOLLOW
// and O_NONBLOCK, so that neither a link nor a FIFO planted under a
// session's name is followed or blocks a load or a change; a Save creates
// its unnamed file with openat(2) O_TMPFILE and links it with linkat(2)
// (which never replaces what is already under the name: a rename does
// that), or creates its temporary file with O_EXCL and O_NOFOLLOW and
// renames it with renameat(2).
package filestore
