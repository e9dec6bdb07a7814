// Package otelsession records a session manager's store calls as
// OpenTelemetry metrics.
//
// The library itself depends on no metrics API: its [session.Config] has a
// hook, OnStoreEvent, called after every store call the manager makes.
// [New] returns a function for that hook which records each call through
// the OpenTelemetry metric API. The application picks the SDK and the
// exporter (Prometheus, OTLP, ...) and passes its MeterProvider, or nil
// for the global one:
//
//	onEvent, err := otelsession.New(meterProvider)
//	if err != nil { ... }
//	manager, err := session.New(store, session.Config{OnStoreEvent: onEvent})
//
// # Instruments
//
// Every instrument carries the attributes op ("load", "save", "touch",
// "delete", "lock", or "late_change", which is no store call: see below)
// and driver (the store's package: "memstore", "filestore", "gormstore",
// "redisstore", "cookiestore").
//
//   - session.store.operations ({operation}, counter): every store call,
//     with the attribute outcome: ok, not_found (a load that found no live
//     session), conflict (a save that met a concurrent request and is
//     merged and retried), lock_timeout (a blocking request that gave up
//     waiting) or error (the backend failed); and every late change (a
//     handler changed the session after the response started, and the
//     change was lost: session.ErrLateChange), with op and outcome
//     late_change.
//   - session.store.errors ({error}, counter): the calls whose outcome is
//     error or lock_timeout, with the same outcome attribute. not_found and
//     conflict are normal outcomes, not errors.
//   - session.store.duration (s, histogram): how long each call took (late
//     changes have no duration).
//   - session.store.payload.size (By, histogram): the encoded session data
//     that a successful load read or a successful save wrote.
//
// Session IDs, user IDs and error messages are never recorded: every
// attribute takes one of a few fixed values.
package otelsession

import (
	"context"
	"errors"
	"sync"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"

	"github.com/seed-699a33a2/session"
	"github.com/seed-699a33a2/session/store"
)

// ScopeName is the instrumentation scope of the meter that New creates.
const ScopeName = "github.com/seed-699a33a2/session/otelsession"

// Names of the instruments New creates.
const (
	// OperationsName counts store calls by op, driver and outcome.
	OperationsName = "session.store.operations"
	// ErrorsName counts the store calls that failed, by op, driver and
	// outcome (error or lock_timeout).
	ErrorsName = "session.store.errors"
	// DurationName is the histogram of store call latency in seconds, by op
	// and driver.
	DurationName = "session.store.duration"
	// PayloadSizeName is the histogram of session data bytes loaded or
	// saved, by op and driver.
	PayloadSizeName = "session.store.payload.size"
)

// Attribute keys, and the values of OutcomeKey.
const (
	// OpKey names the store call: load, save, touch, delete or lock.
	OpKey = attribute.Key("op")
	// DriverKey names the store's package, such as "redisstore".
	DriverKey = attribute.Key("driver")
	// OutcomeKey says how the call ended: one of the Outcome constants.
	OutcomeKey = attribute.Key("outcome")

	// OutcomeOK is a call that succeeded.
	OutcomeOK = "ok"
	// OutcomeNotFound is a load that found no live session (store.ErrNotFound).
	OutcomeNotFound = "not_found"
	// OutcomeConflict is a save that met a concurrent request
	// (store.ErrConflict); the manager merges and retries it.
	OutcomeConflict = "conflict"
	// OutcomeLockTimeout is a lock that gave up waiting (store.ErrLockTimeout).
	OutcomeLockTimeout = "lock_timeout"
	// OutcomeError is any other failure: the backend failed.
	OutcomeError = "error"
	// OutcomeLateChange is a change to the session after the response
	// started, which was lost (session.ErrLateChange). It is no store call
	// and no error of the store.
	OutcomeLateChange = "late_change"
)

// DurationBuckets are the bucket boundaries of the latency histogram, in
// seconds: from 100µs (memory) to 10s (a lock wait or a struggling
// database).
var DurationBuckets = []float64{
	0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
}

// PayloadBuckets are the bucket boundaries of the payload size histogram,
// in bytes: from 64 bytes to the default 1 MiB limit (Config.MaxDataSize).
var PayloadBuckets = []float64{
	64, 256, 1 << 10, 4 << 10, 16 << 10, 64 << 10, 256 << 10, 1 << 20,
}

// New creates the instruments on a meter of mp (the global MeterProvider,
// otel.GetMeterProvider, when mp is nil) and returns a function for
// session.Config.OnStoreEvent that records each event on them. The function
// is safe for concurrent use and allocates nothing once it has seen an op,
// driver and outcome. An error means an instrument could not be created.
func New(mp metric.MeterProvider) (func(context.Context, session.StoreEvent), error) {
	if mp == nil {
		mp = otel.GetMeterProvider()
	}
	meter := mp.Meter(ScopeName)
	r := &recorder{}
	var errs [4]error
	r.ops, errs[0] = meter.Int64Counter(OperationsName,
		metric.WithUnit("{operation}"),
		metric.WithDescription("Calls the session manager made to its store, by op, driver and outcome."))
	r.failures, errs[1] = meter.Int64Counter(ErrorsName,
		metric.WithUnit("{error}"),
		metric.WithDescription("Store calls that failed (outcome error or lock_timeout), by op, driver and outcome."))
	r.duration, errs[2] = meter.Float64Histogram(DurationName,
		metric.WithUnit("s"),
		metric.WithDescription("Duration of the session manager's store calls, by op and driver."),
		metric.WithExplicitBucketBoundaries(DurationBuckets...))
	r.payload, errs[3] = meter.Int64Histogram(PayloadSizeName,
		metric.WithUnit("By"),
		metric.WithDescription("Encoded session data read by a successful load or written by a successful save, by op and driver."),
		metric.WithExplicitBucketBoundaries(PayloadBuckets...))
	if err := errors.Join(errs[:]...); err != nil {
		return nil, err
	}
	return r.record, nil
}

// recorder holds the instruments and the attribute options built so far.
type recorder struct {
	ops      metric.Int64Counter
	failures metric.Int64Counter
	duration metric.Float64Histogram
	payload  metric.Int64Histogram

	// opts maps a key to its *options: built once, then shared, so that
	// recording allocates nothing.
	opts sync.Map
}

// key identifies one combination of attribute values.
type key struct{ op, driver, outcome string }

// options are the measurement options for one key.
type options struct {
	withOutcome []metric.AddOption    // op, driver, outcome: the counters
	withoutOut  []metric.RecordOption // op, driver: the histograms
}

func (r *recorder) options(k key) *options {
	if o, ok := r.opts.Load(k); ok {
		return o.(*options)
	}
	opDriver := attribute.NewSet(OpKey.String(k.op), DriverKey.String(k.driver))
	full := attribute.NewSet(OpKey.String(k.op), DriverKey.String(k.driver), OutcomeKey.String(k.outcome))
	o := &options{
		withOutcome: []metric.AddOption{metric.WithAttributeSet(full)},
		withoutOut:  []metric.RecordOption{metric.WithAttributeSet(opDriver)},
	}
	actual, _ := r.opts.LoadOrStore(k, o)
	return actual.(*options)
}

// record is the OnStoreEvent hook.
func (r *recorder) record(ctx context.Context, e session.StoreEvent) {
	out := Outcome(e.Err)
	o := r.options(key{op: e.Op, driver: e.Driver, outcome: out})
	r.ops.Add(ctx, 1, o.withOutcome...)
	if out == OutcomeLateChange {
		return
	}
	if out == OutcomeError || out == OutcomeLockTimeout {
		r.failures.Add(ctx, 1, o.withOutcome...)
	}
	r.duration.Record(ctx, e.Duration.Seconds(), o.withoutOut...)
	if out == OutcomeOK && (e.Op == "load" || e.Op == "save") {
		r.payload.Record(ctx, int64(e.Bytes), o.withoutOut...)
	}
}

// Outcome classifies a StoreEvent's error as the value of the outcome
// attribute: OutcomeOK for nil, OutcomeNotFound for store.ErrNotFound
// (and ErrCorrupt, which wraps it), OutcomeConflict for store.ErrConflict,
// OutcomeLockTimeout for store.ErrLockTimeout, OutcomeLateChange for
// session.ErrLateChange and OutcomeError for anything else.
func Outcome(err error) string {
	switch {
	case err == nil:
		return OutcomeOK
	case errors.Is(err, session.ErrLateChange):
		return OutcomeLateChange
	case errors.Is(err, store.ErrLockTimeout):
		return OutcomeLockTimeout
	case errors.Is(err, store.ErrConflict):
		return OutcomeConflict
	case errors.Is(err, store.ErrNotFound):
		return OutcomeNotFound
	default:
		return OutcomeError
	}
}
