package memstore_test

import (
	"context"
	"testing"
	"time"

	"github.com/seed-699a33a2/session/memstore"
	"github.com/seed-699a33a2/session/store"
	"github.com/seed-699a33a2/session/store/storetest"
)

// TestListStreams walks a store of 100,000 sessions: the walk copies one
// shard's keys at a time, so its memory does not grow with the store.
func TestListStreams(t *testing.T) {
	s := newStore(t, memstore.Options{})
	const n = 100_000
	now := time.Now()
	ctx := context.Background()
	for range n {
		if _, err := s.Save(ctx, store.Record{ID: store.NewID(), Data: []byte("\x01\x00"), Created: now, Expires: now.Add(time.Hour)}); err != nil {
			t.Fatal(err)
		}
	}
	storetest.CheckListStreams(t, s, n)
}
