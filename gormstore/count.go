package gormstore

import (
	"context"

	"gorm.io/gorm/clause"
)

// Count returns the number of live sessions (rows whose expiry is after the
// store's clock). It implements [store.Counter].
func (s *Store) Count(ctx context.Context) (int, error) {
	if err := ctx.Err(); err != nil {
		return 0, backendErr("count", err)
	}
	var n int64
	err := s.db.WithContext(ctx).Table(s.table).
		Where(clause.Gt{Column: clause.Column{Name: colExpiresAt}, Value: s.utcNow()}).
		Count(&n).Error
	if err != nil {
		return 0, backendErr("count", err)
	}
	return int(n), nil
}
