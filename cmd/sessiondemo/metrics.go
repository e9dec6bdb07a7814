package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sort"
	"sync"

	"github.com/seed-699a33a2/session"
	"github.com/seed-699a33a2/session/store"
)

// metrics aggregates the manager's store events and serves them in the
// Prometheus text format at /metrics. (An application would rather hand
// the events to OpenTelemetry with package otelsession and export them with
// the exporter of its choice; the demo keeps its dependencies to the
// library's own.)
type metrics struct {
	mu    sync.Mutex
	ops   map[[3]string]uint64  // op, driver, outcome
	secs  map[[2]string]float64 // op, driver: total seconds
	count map[[2]string]uint64  // op, driver: calls
	bytes map[[2]string]uint64  // op, driver: payload bytes
}

func newMetrics() *metrics {
	return &metrics{ops: map[[3]string]uint64{}, secs: map[[2]string]float64{}, count: map[[2]string]uint64{}, bytes: map[[2]string]uint64{}}
}

func outcome(err error) string {
	switch {
	case err == nil:
		return "ok"
	case errors.Is(err, store.ErrNotFound):
		return "not_found"
	case errors.Is(err, store.ErrConflict):
		return "conflict"
	case errors.Is(err, session.ErrLockTimeout):
		return "lock_timeout"
	}
	return "error"
}

// record is the manager's Config.OnStoreEvent.
func (m *metrics) record(_ context.Context, e session.StoreEvent) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.ops[[3]string{e.Op, e.Driver, outcome(e.Err)}]++
	k := [2]string{e.Op, e.Driver}
	m.secs[k] += e.Duration.Seconds()
	m.count[k]++
	m.bytes[k] += uint64(e.Bytes)
}

func (m *metrics) ServeHTTP(w http.ResponseWriter, _ *http.Request) {
	m.mu.Lock()
	defer m.mu.Unlock()
	w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
	fmt.Fprintln(w, "# HELP session_store_operations_total Store calls made by the session manager.")
	fmt.Fprintln(w, "# TYPE session_store_operations_total counter")
	for _, k := range sortedKeys3(m.ops) {
		fmt.Fprintf(w, "session_store_operations_total{op=%q,driver=%q,outcome=%q} %d\n", k[0], k[1], k[2], m.ops[k])
	}
	fmt.Fprintln(w, "# HELP session_store_duration_seconds Time spent in store calls.")
	fmt.Fprintln(w, "# TYPE session_store_duration_seconds summary")
	for _, k := range sortedKeys2(m.count) {
		fmt.Fprintf(w, "session_store_duration_seconds_sum{op=%q,driver=%q} %g\n", k[0], k[1], m.secs[k])
		fmt.Fprintf(w, "session_store_duration_seconds_count{op=%q,driver=%q} %d\n", k[0], k[1], m.count[k])
	}
	fmt.Fprintln(w, "# HELP session_store_payload_bytes_total Encoded session bytes loaded and saved.")
	fmt.Fprintln(w, "# TYPE session_store_payload_bytes_total counter")
	for _, k := range sortedKeys2(m.bytes) {
		if k[0] == "load" || k[0] == "save" {
			fmt.Fprintf(w, "session_store_payload_bytes_total{op=%q,driver=%q} %d\n", k[0], k[1], m.bytes[k])
		}
	}
}

func sortedKeys3[V any](m map[[3]string]V) [][3]string {
	keys := make([][3]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return fmt.Sprint(keys[i]) < fmt.Sprint(keys[j]) })
	return keys
}

func sortedKeys2[V any](m map[[2]string]V) [][2]string {
	keys := make([][2]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return fmt.Sprint(keys[i]) < fmt.Sprint(keys[j]) })
	return keys
}
