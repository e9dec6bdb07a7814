package gormstore

import (
	"context"

	"gorm.io/gorm/clause"

	"github.com/seed-699a33a2/session/store"
)

// UserSessions returns the live sessions whose user_id is userID (none for
// ""): one SELECT id, data, created_at, expires_at, version, user_id WHERE
// user_id = ? AND expires_at > ? (the store's current time), which the index
// on user_id serves. Each session's handle is its id column. It implements
// [store.UserIndex].
func (s *Store) UserSessions(ctx context.Context, userID string) ([]store.UserSession, error) {
	if err := ctx.Err(); err != nil {
		return nil, store.BackendError(driver, err)
	}
	if userID == "" {
		return nil, nil // stored as NULL: no session has the empty user
	}
	rows, err := s.db.WithContext(ctx).Table(s.table).
		Select(append([]string{colID}, recordColumns...)).
		Where(clause.Eq{Column: clause.Column{Name: colUserID}, Value: userID}).
		Where(clause.Gt{Column: clause.Column{Name: colExpiresAt}, Value: s.utcNow()}).
		Rows()
	if err != nil {
		return nil, store.BackendError(driver, err)
	}
	defer rows.Close()
	var out []store.UserSession
	for rows.Next() {
		var handle string
		r, err := scanRecord(rows, &handle)
		if err != nil {
			return nil, store.BackendError(driver, err)
		}
		// Compared again in Go: MySQL's default collations compare
		// case-insensitively and ignore trailing spaces.
		if r.UserID != userID {
			continue
		}
		out = append(out, store.UserSession{Handle: handle, Record: r})
	}
	if err := rows.Err(); err != nil {
		return nil, store.BackendError(driver, err)
	}
	if err := rows.Close(); err != nil {
		return nil, store.BackendError(driver, err)
	}
	return out, nil
}

// DeleteUserSession deletes the session with the given handle if its
// user_id is userID: one DELETE WHERE id = ? AND user_id = ? (on MySQL with
// a byte-wise comparison of user_id as well). A handle that
// is not 64 lowercase hex digits (the shape of [store.HashID]), or an empty
// userID, does nothing and runs no statement. It implements
// [store.UserIndex].
func (s *Store) DeleteUserSession(ctx context.Context, userID, handle string) error {
	if ok, err := store.GuardHandle(ctx, driver, handle); !ok || userID == "" {
		return err
	}
	q := s.db.WithContext(ctx).Table(s.table).
		Where(clause.Eq{Column: clause.Column{Name: colID}, Value: handle}).
		Where(clause.Eq{Column: clause.Column{Name: colUserID}, Value: userID})
	if s.db.Dialector.Name() == "mysql" {
		// MySQL's default collations find "ALICE" and "alice " equal to
		// "alice": compare the bytes as well.
		q = q.Where(clause.Expr{SQL: "CAST(? AS BINARY) = CAST(? AS BINARY)", Vars: []any{clause.Column{Name: colUserID}, userID}})
	}
	err := q.Delete(&row{}).Error
	if err != nil {
		return store.BackendError(driver, err)
	}
	return nil
}
