package gormstore_test

import (
	"bytes"
	"context"
	"testing"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"github.com/seed-699a33a2/session/gormstore"
	"github.com/seed-699a33a2/session/store"
)

// TestUpdateCostDoesNotGrowWithData: an update once made GORM format every
// column value (the session data byte by byte) into an error message, so
// its cost grew with the session's size. Allocations of a SaveIf and a
// Touch must be about the same for 10 bytes and for 4 KB of data.
func TestUpdateCostDoesNotGrowWithData(t *testing.T) {
	s, _ := newStore(t, openSQLite(t, &gorm.Config{Logger: logger.Discard}), gormstore.Options{CleanupInterval: -1})
	ctx := context.Background()
	allocs := func(size int) float64 {
		now := time.Now()
		r := store.Record{ID: store.NewID(), Data: bytes.Repeat([]byte("x"), size), Created: now, Expires: now.Add(time.Hour)}
		_, v, err := s.SaveIf(ctx, r)
		if err != nil {
			t.Fatal(err)
		}
		r.Version = v
		return testing.AllocsPerRun(20, func() {
			var err error
			if _, r.Version, err = s.SaveIf(ctx, r); err != nil {
				t.Fatal(err)
			}
			if err := s.Touch(ctx, r.ID, r.Expires.Add(time.Minute)); err != nil {
				t.Fatal(err)
			}
		})
	}
	small, large := allocs(10), allocs(4096)
	if large > small+50 {
		t.Fatalf("SaveIf+Touch: %.0f allocations with 10 bytes of data, %.0f with 4 KB: the cost grows with the data", small, large)
	}
}
