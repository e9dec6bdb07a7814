package storetest

import (
	"context"
	"runtime"
	"runtime/metrics"
	"testing"

	"github.com/seed-699a33a2/session/store"
)

// CheckListStreams walks l, which holds n live sessions, and fails t
// unless the walk sees all n, its memory does not grow with them (the live
// heap, measured half-way, is within 8 MiB of where it started), and a
// walk that fn stops at the tenth session ends there. A driver's tests
// fill their backend with many sessions (100,000) and call it.
func CheckListStreams(t *testing.T, l store.Lister, n int) {
	t.Helper()
	ctx := context.Background()
	before := liveHeap()
	var grown int64
	seen := 0
	err := l.List(ctx, func(store.UserSession) bool {
		if seen++; seen == n/2 {
			grown = liveHeap() - before
		}
		return true
	})
	if err != nil || seen < n {
		t.Fatalf("List saw %d of %d sessions: %v", seen, n, err)
	}
	if grown > 8<<20 {
		t.Errorf("half-way through a walk of %d sessions the live heap had grown by %d bytes: List does not stream", n, grown)
	}
	calls := 0
	if err := l.List(ctx, func(store.UserSession) bool { calls++; return calls < 10 }); err != nil || calls != 10 {
		t.Fatalf("a walk that fn stops at the 10th session made %d calls: %v", calls, err)
	}
}

// liveHeap is /gc/heap/live:bytes after a collection.
func liveHeap() int64 {
	runtime.GC()
	s := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	metrics.Read(s)
	return int64(s[0].Value.Uint64())
}
