package gormstore

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strings"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/seed-699a33a2/session/store"
)

// errConflict is store.ErrConflict; it does not wrap store.ErrBackend.
var errConflict = store.ErrConflict

// SaveIf stores r only when the live row of r.ID has version r.Version, or,
// when r.Version is 0, when r.ID has no live row (an expired row counts as
// none and is replaced). It returns r.ID as the token and the new version.
// See store.Swapper.
//
//   - r.Version > 0: one UPDATE ... SET data, expires_at, last_activity,
//     user_id, version = version + 1 WHERE id = ? AND version = ? AND expires_at > ?
//     (now). No row updated is store.ErrConflict. Every dialect reports the
//     row, since its version changes: MySQL's count of rows changed is
//     reliable here.
//   - r.Version == 0: one INSERT that does nothing on an existing id
//     (ON CONFLICT DO NOTHING; ON DUPLICATE KEY UPDATE id = id on MySQL). No
//     row inserted means the id is taken: when the row is expired, a DELETE
//     of it and a second INSERT follow; when it is live (or another request
//     inserted first), it is store.ErrConflict.
//   - an expiry that is not after the current time: one DELETE WHERE id = ?
//     AND version = ? AND expires_at > ?, store.ErrConflict when it deletes
//     nothing; with r.Version 0, a check that no live row exists. The token
//     is then "".
//
// A duplicate key, a busy SQLite database (SQLITE_BUSY, "database is
// locked"), a PostgreSQL serialization failure or deadlock and a MySQL
// deadlock are store.ErrConflict too; store.ErrConflict never wraps
// store.ErrBackend. Other failures wrap store.ErrBackend.
func (s *Store) SaveIf(ctx context.Context, r store.Record) (string, uint64, error) {
	if ok, err := store.Guard(ctx, driver, r.ID, store.ErrInvalidID); !ok {
		return "", 0, err
	}
	if r.Version >= math.MaxInt64 {
		// No row holds a version the column cannot: nothing matches.
		return "", 0, errConflict
	}
	now := s.utcNow()
	id := store.HashID(r.ID)
	byID := clause.Eq{Column: clause.Column{Name: colID}, Value: id}
	live := clause.Gt{Column: clause.Column{Name: colExpiresAt}, Value: now}

	if !r.Expires.After(now) {
		if r.Version == 0 {
			// Nothing to delete: the condition alone is the answer.
			var n int64
			err := s.db.WithContext(ctx).Table(s.table).Where(byID).Where(live).Limit(1).Count(&n).Error
			if err != nil {
				return "", 0, s.saveIfErr(err)
			}
			if n > 0 {
				return "", 0, errConflict
			}
			return "", 1, nil
		}
		res := s.db.WithContext(ctx).Table(s.table).
			Where(byID).
			Where(clause.Eq{Column: clause.Column{Name: colVersion}, Value: int64(r.Version)}).
			Where(live).
			Delete(&row{})
		if res.Error != nil {
			return "", 0, s.saveIfErr(res.Error)
		}
		if res.RowsAffected == 0 {
			return "", 0, errConflict
		}
		return "", r.Version + 1, nil
	}

	if r.Version > 0 {
		res := s.db.WithContext(ctx).Exec(s.sql.update,
			dataColumn(r.Data), utc(r.Expires), now, textColumn(r.UserID), textColumn(r.IPAddress), textColumn(r.UserAgent),
			id, int64(r.Version), now)
		if res.Error != nil {
			return "", 0, s.saveIfErr(res.Error)
		}
		if res.RowsAffected == 0 {
			return "", 0, errConflict
		}
		s.sweep.Start()
		return r.ID, r.Version + 1, nil
	}

	rec := newRow(r, now)
	inserted, err := s.insertNew(ctx, &rec)
	if err != nil {
		return "", 0, s.saveIfErr(err)
	}
	if !inserted {
		// The id is taken. An expired row counts as none: delete it (only
		// if it is still expired) and try once more.
		res := s.db.WithContext(ctx).Table(s.table).
			Where(byID).
			Where(clause.Lte{Column: clause.Column{Name: colExpiresAt}, Value: now}).
			Delete(&row{})
		if res.Error != nil {
			return "", 0, s.saveIfErr(res.Error)
		}
		if res.RowsAffected == 0 {
			return "", 0, errConflict
		}
		if inserted, err = s.insertNew(ctx, &rec); err != nil {
			return "", 0, s.saveIfErr(err)
		}
		if !inserted {
			return "", 0, errConflict
		}
	}
	s.sweep.Start()
	return r.ID, 1, nil
}

// insertNew inserts rec unless its id exists and reports whether it did.
func (s *Store) insertNew(ctx context.Context, rec *row) (bool, error) {
	res := s.db.WithContext(ctx).Exec(s.sql.insert,
		rec.ID, rec.Data, rec.ExpiresAt, rec.Created, rec.Version, rec.UserID, rec.IPAddress, rec.UserAgent, rec.LastActivity)
	if res.Error != nil {
		return false, res.Error
	}
	return res.RowsAffected > 0, nil
}

// saveIfErr turns a failure of a SaveIf statement into store.ErrConflict
// when it means contention, else into a backend error.
func (s *Store) saveIfErr(err error) error {
	if s.isConflict(err) {
		return fmt.Errorf("%w: %s%v", store.ErrConflict, prefix, err)
	}
	return store.BackendError(driver, err)
}

// isConflict reports whether err is a duplicate key or the backend's way of
// saying that a concurrent writer got in the way. Context errors never are.
func (s *Store) isConflict(err error) bool {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return false
	}
	if errors.Is(err, gorm.ErrDuplicatedKey) {
		return true // gorm.Config{TranslateError: true}
	}
	if t, ok := s.db.Dialector.(gorm.ErrorTranslator); ok && errors.Is(t.Translate(err), gorm.ErrDuplicatedKey) {
		return true
	}
	var coded interface{ SQLState() string } // pgconn.PgError
	if errors.As(err, &coded) {
		switch coded.SQLState() {
		case "23505", // unique_violation
			"40001", // serialization_failure
			"40P01": // deadlock_detected
			return true
		}
	}
	msg := err.Error()
	for _, m := range []string{
		"SQLITE_BUSY", "database is locked", // SQLite, any driver
		"UNIQUE constraint failed", // SQLite
		"SQLSTATE 23505",           // PostgreSQL through a driver that hides the type
		"Error 1062", "Error 1213", // MySQL: duplicate entry, deadlock
	} {
		if strings.Contains(msg, m) {
			return true
		}
	}
	return false
}
