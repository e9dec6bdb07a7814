package gormstore

import (
	"context"

	"gorm.io/gorm/clause"

	"github.com/seed-699a33a2/session/store"
)

// DeleteExpired deletes every session whose expiry is not after the current
// time and reports how many it deleted. It works in batches of
// Options.PruneBatch rows — select a batch of ids, delete them, repeat until
// a batch comes back short — so that no statement holds locks on the whole
// table and the form works on MySQL, which refuses LIMIT in a subquery of
// the table it deletes from. A session saved again between the select and
// the delete is not deleted.
func (s *Store) DeleteExpired(ctx context.Context) (int, error) {
	now := s.utcNow()
	expired := clause.Lte{Column: clause.Column{Name: colExpiresAt}, Value: now}
	total := 0
	for {
		if err := ctx.Err(); err != nil {
			return total, store.BackendError(driver, err)
		}
		var ids []string
		err := s.db.WithContext(ctx).Table(s.table).
			Where(expired).
			Limit(s.batch).
			Pluck(colID, &ids).Error
		if err != nil {
			return total, store.BackendError(driver, err)
		}
		if len(ids) == 0 {
			return total, nil
		}
		res := s.db.WithContext(ctx).Table(s.table).
			Where(clause.IN{Column: clause.Column{Name: colID}, Values: anys(ids)}).
			Where(expired).
			Delete(&row{})
		if res.Error != nil {
			return total, store.BackendError(driver, res.Error)
		}
		total += int(res.RowsAffected)
		if len(ids) < s.batch {
			return total, nil
		}
	}
}

func anys(ids []string) []any {
	v := make([]any, len(ids))
	for i, id := range ids {
		v[i] = id
	}
	return v
}

// Close stops the cleanup loop and waits for a running round to finish. It
// does not close the database, which belongs to the caller; the store stays
// usable, without the loop. Close is idempotent and always returns nil.
func (s *Store) Close() error {
	s.sweep.Close()
	return nil
}
