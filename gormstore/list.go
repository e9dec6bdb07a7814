package gormstore

import (
	"context"

	"gorm.io/gorm/clause"

	"github.com/seed-699a33a2/session/store"
)

// listPage is how many rows one SELECT of List reads.
const listPage = 500

// List calls fn with each live session until fn returns false. It reads
// the table a page at a time, in the order of the id column (each page one
// SELECT ... WHERE expires_at > ? AND id > ? ORDER BY id LIMIT 500, which
// the primary key serves), so its memory does not grow with the number of
// sessions. It implements [store.Lister].
func (s *Store) List(ctx context.Context, fn func(store.UserSession) bool) error {
	after := ""
	for {
		if err := ctx.Err(); err != nil {
			return store.BackendError(driver, err)
		}
		page, err := s.listPage(ctx, after)
		if err != nil {
			return store.BackendError(driver, err)
		}
		for _, us := range page {
			if !fn(us) {
				return nil
			}
		}
		if len(page) < listPage {
			return nil
		}
		after = page[len(page)-1].Handle
	}
}

// listPage reads the live sessions whose id comes after after.
func (s *Store) listPage(ctx context.Context, after string) ([]store.UserSession, error) {
	rows, err := s.db.WithContext(ctx).Table(s.table).
		Select(append([]string{colID}, recordColumns...)).
		Where(clause.Gt{Column: clause.Column{Name: colExpiresAt}, Value: s.utcNow()}).
		Where(clause.Gt{Column: clause.Column{Name: colID}, Value: after}).
		Order(colID).
		Limit(listPage).
		Rows()
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var page []store.UserSession
	for rows.Next() {
		var handle string
		r, err := scanRecord(rows, &handle)
		if err != nil {
			return nil, err
		}
		page = append(page, store.UserSession{Handle: handle, Record: r})
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return page, rows.Close()
}

// DeleteHandle deletes the session with the given handle (its id column):
// one DELETE. It implements [store.Lister].
func (s *Store) DeleteHandle(ctx context.Context, handle string) error {
	if ok, err := store.GuardHandle(ctx, driver, handle); !ok {
		return err
	}
	return s.deleteRow(ctx, handle)
}
