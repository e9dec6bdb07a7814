package gormstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/seed-699a33a2/session/internal/sweep"
	"github.com/seed-699a33a2/session/store"
)

// Defaults for the zero Options.
const (
	DefaultTable           = "sessions"       // Options.Table
	DefaultCleanupInterval = 10 * time.Minute // Options.CleanupInterval
	DefaultPruneBatch      = 500              // Options.PruneBatch
)

// Options configure a Store. The zero value means the defaults.
type Options struct {
	// Table is the name of the session table: ASCII letters, digits and
	// underscores, not starting with a digit, at most 48 characters.
	// Default "sessions".
	Table string

	// Now returns the current time; every expiry check and every time the
	// store writes comes from it. Default time.Now.
	Now func() time.Time

	// CleanupInterval is how often the background loop deletes expired
	// rows. Zero means 10 minutes; a negative value turns the loop off. The
	// loop starts with the first Save and stops on Close.
	CleanupInterval time.Duration

	// PruneBatch is how many rows each DELETE of DeleteExpired removes at
	// most. Default 500.
	PruneBatch int

	// OnCleanupError, if set, receives the errors of the background
	// cleanup loop (the store never logs). Nil means they are dropped; the
	// next round tries again. It is called from the loop's goroutine.
	OnCleanupError func(error)
}

// Store is a session store in a database table reached through GORM. It
// implements [store.Store], [store.Toucher], [store.Swapper],
// [store.Locker], [store.UserIndex], [store.Lister], [store.Counter],
// [store.Pruner] and [io.Closer].
//
// A Store is safe for concurrent use by multiple goroutines.
type Store struct {
	db         *gorm.DB
	table      string
	now        func() time.Time
	batch      int
	upsert     clause.OnConflict
	foundByRow bool        // UPDATE reports rows matched, not rows changed
	sweep      *sweep.Loop // the cleanup loop, started by the first Save
	sql        statements  // the hot paths' statements
}

var (
	_ store.Store     = (*Store)(nil)
	_ store.Toucher   = (*Store)(nil)
	_ store.Swapper   = (*Store)(nil)
	_ store.Locker    = (*Store)(nil)
	_ store.UserIndex = (*Store)(nil)
	_ store.Lister    = (*Store)(nil)
	_ store.Counter   = (*Store)(nil)
	_ store.Pruner    = (*Store)(nil)
	_ io.Closer       = (*Store)(nil)
)

// driver names the store in its errors.
const driver = "db"

const prefix = driver + ": "

// New returns a store that keeps sessions in a table of db. It does not
// create the table: call Migrate (or create it by other means) first. New
// returns an error, never a panic, for a nil or unopened db and for a bad
// table name.
//
// The store uses its own session of db (without GORM's default transaction
// around single statements) and never closes db.
func New(db *gorm.DB, opts Options) (*Store, error) {
	if db == nil {
		return nil, errors.New(prefix + "nil *gorm.DB")
	}
	if db.Config == nil || db.Statement == nil || db.Dialector == nil {
		return nil, errors.New(prefix + "*gorm.DB was not opened with gorm.Open")
	}
	if db.Error != nil {
		return nil, fmt.Errorf(prefix+"*gorm.DB carries an error: %w", db.Error)
	}
	s := &Store{
		table: opts.Table,
		now:   opts.Now,
		batch: opts.PruneBatch,
	}
	if s.table == "" {
		s.table = DefaultTable
	}
	if !validTable(s.table) {
		return nil, fmt.Errorf(prefix+"invalid table name %q: use ASCII letters, digits and underscores, not starting with a digit, at most %d characters", s.table, maxTableLen)
	}
	if s.now == nil {
		s.now = time.Now
	}
	s.sweep = sweep.New(sweep.Interval(opts.CleanupInterval, DefaultCleanupInterval), s.DeleteExpired, opts.OnCleanupError)
	if s.batch < 0 {
		return nil, fmt.Errorf(prefix+"negative PruneBatch %d", s.batch)
	}
	if s.batch == 0 {
		s.batch = DefaultPruneBatch
	}
	s.db = db.Session(&gorm.Session{NewDB: true, SkipDefaultTransaction: true})
	// MySQL reports the rows an UPDATE changed, not those it matched.
	s.foundByRow = db.Dialector.Name() != "mysql"
	s.sql = newStatements(s.db, s.table)
	s.upsert = clause.OnConflict{
		Columns: []clause.Column{{Name: colID}},
		// Exactly these columns: created_at and the lock keep their
		// values. user_id, ip_address and user_agent are the record's, so a
		// session re-tied to another user (or to none) moves with it.
		DoUpdates: append(clause.AssignmentColumns([]string{colData, colExpiresAt, colLastActivity, colUserID, colIPAddress, colUserAgent}),
			clause.Assignment{
				Column: clause.Column{Name: colVersion},
				// Qualified: PostgreSQL finds a bare "version" ambiguous
				// next to the excluded row.
				Value: clause.Expr{SQL: "? + 1", Vars: []any{clause.Column{Table: s.table, Name: colVersion}}},
			}),
	}
	return s, nil
}

// Load returns the live session that token names. A token that is not a
// session ID is store.ErrNotFound without a query; otherwise Load is one
// SELECT by the hash of the ID and the store's current time. The record's
// Version is the row's version column, its UserID the user_id column.
func (s *Store) Load(ctx context.Context, token string) (store.Record, error) {
	if ok, err := store.Guard(ctx, driver, token, store.ErrNotFound); !ok {
		return store.Record{}, err
	}
	// Rows, not First/Take: a missing row is no error for GORM to log.
	rows, err := s.db.WithContext(ctx).Raw(s.sql.load, store.HashID(token), s.utcNow()).Rows()
	if err != nil {
		return store.Record{}, store.BackendError(driver, err)
	}
	defer rows.Close()
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return store.Record{}, store.BackendError(driver, err)
		}
		return store.Record{}, store.ErrNotFound
	}
	r, err := scanRecord(rows)
	if err != nil {
		return store.Record{}, store.BackendError(driver, err)
	}
	if err := rows.Close(); err != nil {
		return store.Record{}, store.BackendError(driver, err)
	}
	r.ID = token
	return r, nil
}

// recordColumns are the columns scanRecord reads, in its order.
var recordColumns = []string{colData, colCreatedAt, colExpiresAt, colVersion, colUserID, colIPAddress, colUserAgent}

// scanRecord scans a row of recordColumns, after the columns in front (the
// id, for the listings).
func scanRecord(rows *sql.Rows, front ...any) (store.Record, error) {
	var (
		r            store.Record
		version      int64
		user, ip, ua sql.NullString
	)
	// database/sql copies into a []byte destination, so Data is the
	// caller's own slice.
	if err := rows.Scan(append(front, &r.Data, &r.Created, &r.Expires, &version, &user, &ip, &ua)...); err != nil {
		return store.Record{}, err
	}
	if version > 0 {
		r.Version = uint64(version)
	}
	r.UserID, r.IPAddress, r.UserAgent = user.String, ip.String, ua.String
	r.Created = r.Created.UTC()
	r.Expires = r.Expires.UTC()
	return r, nil
}

// textColumn is the value of a nullable text column (user_id, ip_address,
// user_agent) for s: NULL for none.
func textColumn(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// Save stores r with one atomic upsert and returns r.ID as the token. An
// existing row keeps its created_at; its data, expiry, last activity and
// user_id (r.UserID, NULL when empty) are replaced and its version
// incremented. A record whose expiry is not after
// the current time is deleted instead, and Save returns "". A zero
// r.Created is stored as the current time.
func (s *Store) Save(ctx context.Context, r store.Record) (string, error) {
	if ok, err := store.Guard(ctx, driver, r.ID, store.ErrInvalidID); !ok {
		return "", err
	}
	now := s.utcNow()
	if !r.Expires.After(now) {
		if err := s.deleteRow(ctx, store.HashID(r.ID)); err != nil {
			return "", err
		}
		return "", nil
	}
	rec := newRow(r, now)
	if err := s.db.WithContext(ctx).Table(s.table).Clauses(s.upsert).Create(&rec).Error; err != nil {
		return "", store.BackendError(driver, err)
	}
	s.sweep.Start()
	return r.ID, nil
}

// newRow is the row of a first save of r at now: version 1, created now
// unless r says otherwise.
func newRow(r store.Record, now time.Time) row {
	created := r.Created
	if created.IsZero() {
		created = now
	}
	return row{
		ID:           store.HashID(r.ID),
		Data:         dataColumn(r.Data),
		ExpiresAt:    utc(r.Expires),
		Created:      utc(created),
		Version:      1,
		UserID:       textColumn(r.UserID),
		IPAddress:    textColumn(r.IPAddress),
		UserAgent:    textColumn(r.UserAgent),
		LastActivity: now,
	}
}

// dataColumn is the value of the data column for data: the column is NOT
// NULL.
func dataColumn(data []byte) []byte {
	if data == nil {
		return []byte{}
	}
	return data
}

// updates starts an UPDATE of the store's table. The model tells GORM the
// table's schema (cached), so that it does not try, and fail, to read the map
// of columns as one: that failure formatted every column value into an error
// message on each update, the session data included.
func (s *Store) updates(ctx context.Context) *gorm.DB {
	return s.db.WithContext(ctx).Model(&row{}).Table(s.table)
}

// Touch moves the expiry of the live session id to expires (and sets its
// last activity) without rewriting its data: one UPDATE. It returns
// store.ErrNotFound when no live session has that ID.
func (s *Store) Touch(ctx context.Context, id string, expires time.Time) error {
	if ok, err := store.Guard(ctx, driver, id, store.ErrNotFound); !ok {
		return err
	}
	now := s.utcNow()
	live := s.updates(ctx).
		Where(clause.Eq{Column: clause.Column{Name: colID}, Value: store.HashID(id)}).
		Where(clause.Gt{Column: clause.Column{Name: colExpiresAt}, Value: now})
	res := live.Session(&gorm.Session{}).UpdateColumns(map[string]any{
		colExpiresAt:    utc(expires),
		colLastActivity: now,
	})
	if res.Error != nil {
		return store.BackendError(driver, res.Error)
	}
	if res.RowsAffected > 0 {
		return nil
	}
	if s.foundByRow {
		return store.ErrNotFound
	}
	// MySQL counts a row whose values did not change (the same expiry
	// and clock reading twice) as unaffected: ask whether it exists.
	var n int64
	if err := live.Session(&gorm.Session{}).Limit(1).Count(&n).Error; err != nil {
		return store.BackendError(driver, err)
	}
	if n == 0 {
		return store.ErrNotFound
	}
	return nil
}

// Delete removes the session id: one DELETE. Deleting a missing session,
// or an ID that no session can have, is not an error.
func (s *Store) Delete(ctx context.Context, id string) error {
	if ok, err := store.Guard(ctx, driver, id, nil); !ok {
		return err
	}
	return s.deleteRow(ctx, store.HashID(id))
}

// deleteRow deletes the row whose id column is handle.
func (s *Store) deleteRow(ctx context.Context, handle string) error {
	err := s.db.WithContext(ctx).Table(s.table).
		Where(clause.Eq{Column: clause.Column{Name: colID}, Value: handle}).
		Delete(&row{}).Error
	if err != nil {
		return store.BackendError(driver, err)
	}
	return nil
}

func (s *Store) utcNow() time.Time { return utc(s.now()) }

// utc is t as the store writes and binds it: UTC, microseconds (the finest
// precision that PostgreSQL and MySQL keep), no monotonic reading.
func utc(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }
