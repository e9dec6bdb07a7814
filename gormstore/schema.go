package gormstore

import (
	"context"
	"time"

	"github.com/seed-699a33a2/session/store"
)

// row is one session as the table holds it. Field names avoid GORM's
// conventions (CreatedAt, UpdatedAt) so that GORM never fills a time from
// its own clock instead of the store's.
type row struct {
	ID           string     `gorm:"column:id;primaryKey;size:64;not null"`
	Data         []byte     `gorm:"column:data;not null"`
	ExpiresAt    time.Time  `gorm:"column:expires_at;not null;index"`
	Created      time.Time  `gorm:"column:created_at;not null"`
	Version      int64      `gorm:"column:version;not null"`
	UserID       *string    `gorm:"column:user_id;size:255;index"`
	IPAddress    *string    `gorm:"column:ip_address;size:45"`
	UserAgent    *string    `gorm:"column:user_agent"`
	LastActivity time.Time  `gorm:"column:last_activity;not null"`
	LockToken    *string    `gorm:"column:lock_token;size:64"`
	LockedUntil  *time.Time `gorm:"column:locked_until"`
}

// mysqlRow is row as Migrate creates it on MySQL: GORM's MySQL dialect
// gives DATETIME millisecond precision unless told otherwise, and the store
// keeps microseconds everywhere. (The same tag on PostgreSQL, whose
// timestamptz keeps microseconds already, would make AutoMigrate alter the
// columns on every run.) Only Migrate uses it; the statements name the
// columns.
type mysqlRow struct {
	ID           string     `gorm:"column:id;primaryKey;size:64;not null"`
	Data         []byte     `gorm:"column:data;not null"`
	ExpiresAt    time.Time  `gorm:"column:expires_at;not null;index;precision:6"`
	Created      time.Time  `gorm:"column:created_at;not null;precision:6"`
	Version      int64      `gorm:"column:version;not null"`
	UserID       *string    `gorm:"column:user_id;size:255;index"`
	IPAddress    *string    `gorm:"column:ip_address;size:45"`
	UserAgent    *string    `gorm:"column:user_agent"`
	LastActivity time.Time  `gorm:"column:last_activity;not null;precision:6"`
	LockToken    *string    `gorm:"column:lock_token;size:64"`
	LockedUntil  *time.Time `gorm:"column:locked_until;precision:6"`
}

// Column names, in one place.
const (
	colID           = "id"
	colData         = "data"
	colExpiresAt    = "expires_at"
	colCreatedAt    = "created_at"
	colVersion      = "version"
	colLastActivity = "last_activity"
	colUserID       = "user_id"
	colIPAddress    = "ip_address"
	colUserAgent    = "user_agent"
	colLockToken    = "lock_token"
	colLockedUntil  = "locked_until"
)

// maxTableLen keeps the names GORM derives for the indexes
// ("idx_<table>_expires_at") within PostgreSQL's 63-byte limit.
const maxTableLen = 48

// validTable reports whether name is a plain SQL identifier: an ASCII
// letter or underscore, then letters, digits or underscores, at most
// maxTableLen bytes. Such a name needs no escaping in any dialect.
func validTable(name string) bool {
	if name == "" || len(name) > maxTableLen {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c == '_':
		case c >= '0' && c <= '9' && i > 0:
		default:
			return false
		}
	}
	return true
}

// Migrate creates the session table and its indexes if they are missing
// (GORM's AutoMigrate of the table's model), and adds the columns that a
// table made by an earlier release lacks (lock_token and locked_until, for
// Lock). It is idempotent and safe to run at every start-up; it never drops
// or rewrites data. Run it from one
// process at a time: two first-time migrations racing each other may both
// try to create the table, and one of them fails.
func (s *Store) Migrate(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return store.BackendError(driver, err)
	}
	var model any = &row{}
	if s.db.Dialector.Name() == "mysql" {
		model = &mysqlRow{}
	}
	if err := s.db.WithContext(ctx).Table(s.table).AutoMigrate(model); err != nil {
		return store.BackendError(driver, err)
	}
	return nil
}
