package gormstore

import (
	"context"
	"time"

	"gorm.io/gorm/clause"
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
			return total, backendErr("delete expired", err)
		}
		var ids []string
		err := s.db.WithContext(ctx).Table(s.table).
			Where(expired).
			Limit(s.batch).
			Pluck(colID, &ids).Error
		if err != nil {
			return total, backendErr("delete expired", err)
		}
		if len(ids) == 0 {
			return total, nil
		}
		res := s.db.WithContext(ctx).Table(s.table).
			Where(clause.IN{Column: clause.Column{Name: colID}, Values: anys(ids)}).
			Where(expired).
			Delete(&row{})
		if res.Error != nil {
			return total, backendErr("delete expired", res.Error)
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

// startCleanup starts the cleanup loop once, unless it is turned off or the
// store is closed.
func (s *Store) startCleanup() {
	if s.started.Load() {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.loop {
		return
	}
	s.loop = true
	s.started.Store(true)
	if s.interval < 0 {
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	s.cancel = cancel
	s.done = make(chan struct{})
	go s.cleanup(ctx, s.done)
}

func (s *Store) cleanup(ctx context.Context, done chan<- struct{}) {
	defer close(done)
	t := time.NewTicker(s.interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if _, err := s.DeleteExpired(ctx); err != nil && ctx.Err() == nil && s.onErr != nil {
				s.onErr(err)
			}
		}
	}
}

// Close stops the cleanup loop and waits for a running round to finish. It
// does not close the database, which belongs to the caller; the store stays
// usable, without the loop. Close is idempotent and always returns nil.
func (s *Store) Close() error {
	s.mu.Lock()
	s.loop = true // never start after Close
	s.started.Store(true)
	cancel, done := s.cancel, s.done
	s.cancel, s.done = nil, nil
	s.mu.Unlock()
	if cancel != nil {
		cancel()
		<-done
	}
	return nil
}
