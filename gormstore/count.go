package gormstore

import (
	"context"

	"gorm.io/gorm/clause"

	"github.com/seed-699a33a2/session/store"
)

// Count returns the number of live sessions (rows whose expiry is after the
// store's clock). It implements [store.Counter].
func (s *Store) Count(ctx context.Context) (int, error) {
	if err := ctx.Err(); err != nil {
		return 0, store.BackendError(driver, err)
	}
	var n int64
	err := s.db.WithContext(ctx).Table(s.table).
		Where(clause.Gt{Column: clause.Column{Name: colExpiresAt}, Value: s.utcNow()}).
		Count(&n).Error
	if err != nil {
		return 0, store.BackendError(driver, err)
	}
	return int(n), nil
}
