package otelsession_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"sort"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/seed-699a33a2/session"
	"github.com/seed-699a33a2/session/memstore"
	"github.com/seed-699a33a2/session/otelsession"
	"github.com/seed-699a33a2/session/store"
)

// harness is a session.Manager on st, recording through otelsession into
// a ManualReader, served over HTTP to a client with a cookie jar.
type harness struct {
	t      *testing.T
	reader *sdkmetric.ManualReader
	m      *session.Manager
	srv    *httptest.Server
	client *http.Client
}

// newHarness serves these paths: /set writes a value of 100 bytes, /get
// only reads, /logout destroys the session.
func newHarness(t *testing.T, st session.Store, cfg session.Config) *harness {
	t.Helper()
	h := &harness{t: t, reader: sdkmetric.NewManualReader()}
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(h.reader))
	t.Cleanup(func() { _ = mp.Shutdown(context.Background()) })
	hook, err := otelsession.New(mp)
	if err != nil {
		t.Fatal(err)
	}
	cfg.OnStoreEvent = hook
	h.m, err = session.New(st, cfg)
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/set", func(w http.ResponseWriter, r *http.Request) {
		_, data, _ := session.FromContext(r.Context())
		data["note"] = strings.Repeat("x", 100) + r.URL.Query().Get("v")
	})
	mux.HandleFunc("/get", func(w http.ResponseWriter, r *http.Request) {
		_, data, _ := session.FromContext(r.Context())
		fmt.Fprint(w, data["note"])
	})
	mux.HandleFunc("/late", func(w http.ResponseWriter, r *http.Request) {
		_, data, _ := session.FromContext(r.Context())
		fmt.Fprint(w, "body first")
		data["note"] = "too late"
	})
	mux.HandleFunc("/logout", func(w http.ResponseWriter, r *http.Request) {
		id, _, _ := session.FromContext(r.Context())
		if err := h.m.Destroy(w, id); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
		}
	})
	h.srv = httptest.NewServer(h.m.Middleware(mux))
	t.Cleanup(h.srv.Close)
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	h.client = &http.Client{Jar: jar}
	return h
}

// get requests path with the jar's cookies and returns the status code.
func (h *harness) get(path string) int {
	h.t.Helper()
	resp, err := h.client.Get(h.srv.URL + path)
	if err != nil {
		h.t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// getWithCookie requests path with the given session cookie only.
func (h *harness) getWithCookie(path, value string) int {
	h.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, h.srv.URL+path, nil)
	req.AddCookie(&http.Cookie{Name: session.DefaultCookieName, Value: value})
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// cookie returns the session cookie the jar holds.
func (h *harness) cookie() string {
	u, _ := url.Parse(h.srv.URL)
	for _, c := range h.client.Jar.Cookies(u) {
		if c.Name == session.DefaultCookieName {
			return c.Value
		}
	}
	h.t.Fatal("no session cookie in the jar")
	return ""
}

// collect reads the instruments' current data, by name.
func (h *harness) collect() map[string]metricdata.Metrics {
	h.t.Helper()
	var rm metricdata.ResourceMetrics
	if err := h.reader.Collect(context.Background(), &rm); err != nil {
		h.t.Fatal(err)
	}
	out := map[string]metricdata.Metrics{}
	for _, sm := range rm.ScopeMetrics {
		if sm.Scope.Name != otelsession.ScopeName {
			h.t.Errorf("scope %q, want %q", sm.Scope.Name, otelsession.ScopeName)
		}
		for _, m := range sm.Metrics {
			out[m.Name] = m
		}
	}
	return out
}

// label joins the attribute values of a data point: "op driver outcome".
func label(set attribute.Set) string {
	var parts []string
	for _, k := range []attribute.Key{otelsession.OpKey, otelsession.DriverKey, otelsession.OutcomeKey} {
		if v, ok := set.Value(k); ok {
			parts = append(parts, v.AsString())
		}
	}
	return strings.Join(parts, " ")
}

// sums returns a counter's values by label.
func sums(t *testing.T, m metricdata.Metrics) map[string]int64 {
	t.Helper()
	sum, ok := m.Data.(metricdata.Sum[int64])
	if !ok {
		t.Fatalf("%s: %T, want an int64 sum", m.Name, m.Data)
	}
	if !sum.IsMonotonic || sum.Temporality != metricdata.CumulativeTemporality {
		t.Errorf("%s: monotonic %v, temporality %v", m.Name, sum.IsMonotonic, sum.Temporality)
	}
	out := map[string]int64{}
	for _, dp := range sum.DataPoints {
		out[label(dp.Attributes)] = dp.Value
	}
	return out
}

// histogram returns a histogram's data points by label.
func histogram[N int64 | float64](t *testing.T, m metricdata.Metrics) map[string]metricdata.HistogramDataPoint[N] {
	t.Helper()
	h, ok := m.Data.(metricdata.Histogram[N])
	if !ok {
		t.Fatalf("%s: %T, want a histogram", m.Name, m.Data)
	}
	out := map[string]metricdata.HistogramDataPoint[N]{}
	for _, dp := range h.DataPoints {
		out[label(dp.Attributes)] = dp
	}
	return out
}

func equal(t *testing.T, what string, got, want map[string]int64) {
	t.Helper()
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("%s:\n got %v\nwant %v", what, got, want)
	}
}

// noIDs fails if any data point carries an attribute other than op,
// driver and outcome, or a value that contains a session ID.
func noIDs(t *testing.T, ms map[string]metricdata.Metrics, ids ...string) {
	t.Helper()
	check := func(name string, set attribute.Set) {
		for _, kv := range set.ToSlice() {
			switch kv.Key {
			case otelsession.OpKey, otelsession.DriverKey, otelsession.OutcomeKey:
			default:
				t.Errorf("%s: unexpected attribute %s", name, kv.Key)
			}
			for _, id := range ids {
				if strings.Contains(kv.Value.Emit(), id) || strings.Contains(kv.Value.Emit(), store.HashID(id)) {
					t.Errorf("%s: attribute %s holds a session ID", name, kv.Key)
				}
			}
		}
	}
	for name, m := range ms {
		switch d := m.Data.(type) {
		case metricdata.Sum[int64]:
			for _, dp := range d.DataPoints {
				check(name, dp.Attributes)
			}
		case metricdata.Histogram[float64]:
			for _, dp := range d.DataPoints {
				check(name, dp.Attributes)
			}
		case metricdata.Histogram[int64]:
			for _, dp := range d.DataPoints {
				check(name, dp.Attributes)
			}
		default:
			t.Errorf("%s: unexpected data %T", name, m.Data)
		}
	}
}

func TestRequestsThroughManager(t *testing.T) {
	st := memstore.New(memstore.Options{})
	t.Cleanup(func() { st.Close() })
	h := newHarness(t, st, session.Config{})

	if code := h.get("/get"); code != http.StatusOK { // no cookie: no store call
		t.Fatalf("/get: %d", code)
	}
	h.get("/set")                                             // save ok (new session)
	h.get("/get")                                             // load ok, unchanged: nothing written
	h.get("/set?v=2")                                         // load ok, save ok
	id := h.cookie()                                          // the live session's ID
	h.getWithCookie("/get", strings.Repeat("A", store.IDLen)) // load not_found
	h.get("/logout")                                          // load ok, delete ok

	ms := h.collect()
	for name, unit := range map[string]string{
		otelsession.OperationsName:  "{operation}",
		otelsession.DurationName:    "s",
		otelsession.PayloadSizeName: "By",
	} {
		m, ok := ms[name]
		if !ok {
			t.Fatalf("no %s in %v", name, ms)
		}
		if m.Unit != unit || m.Description == "" {
			t.Errorf("%s: unit %q (want %q), description %q", name, m.Unit, unit, m.Description)
		}
	}
	if _, ok := ms[otelsession.ErrorsName]; ok {
		t.Errorf("%s recorded without a failure", otelsession.ErrorsName)
	}
	equal(t, "operations", sums(t, ms[otelsession.OperationsName]), map[string]int64{
		"load memstore ok":        3,
		"load memstore not_found": 1,
		"save memstore ok":        2,
		"delete memstore ok":      1,
	})

	lat := histogram[float64](t, ms[otelsession.DurationName])
	counts := map[string]int64{}
	for l, dp := range lat {
		counts[l] = int64(dp.Count)
		if dp.Sum < 0 || dp.Sum > 10 {
			t.Errorf("latency %s: sum %v s", l, dp.Sum)
		}
		if len(dp.Bounds) != len(otelsession.DurationBuckets) {
			t.Errorf("latency %s: %d bounds, want %d", l, len(dp.Bounds), len(otelsession.DurationBuckets))
		}
	}
	equal(t, "latency counts", counts, map[string]int64{"load memstore": 4, "save memstore": 2, "delete memstore": 1})

	size := histogram[int64](t, ms[otelsession.PayloadSizeName])
	if len(size) != 2 {
		t.Errorf("payload sizes for %d op/driver pairs, want load and save: %v", len(size), size)
	}
	save := size["save memstore"]
	if save.Count != 2 || save.Sum < 200 || save.Sum > 2000 {
		t.Errorf("saved bytes: count %d, sum %d; want 2 saves of a bit over 100 bytes each", save.Count, save.Sum)
	}
	if min, ok := save.Min.Value(); !ok || min < 100 {
		t.Errorf("smallest save %d bytes (%v), want over 100", min, ok)
	}
	// The not_found load read nothing and is not in the payload histogram.
	if load := size["load memstore"]; load.Count != 3 || load.Sum < 300 {
		t.Errorf("loaded bytes: count %d, sum %d; want 3 loads of a bit over 100 bytes each", load.Count, load.Sum)
	}
	noIDs(t, ms, id)
}

// conflictOnce is a memstore whose next SaveIf, once armed, fails with
// store.ErrConflict as if a concurrent request had saved first.
type conflictOnce struct {
	*memstore.Store
	armed atomic.Bool
}

func (s *conflictOnce) SaveIf(ctx context.Context, r store.Record) (string, uint64, error) {
	if s.armed.CompareAndSwap(true, false) {
		return "", 0, store.ErrConflict
	}
	return s.Store.SaveIf(ctx, r)
}

// SaveIfShared is what the manager calls on a store.Sharer: without it,
// the embedded memstore's would bypass SaveIf.
func (s *conflictOnce) SaveIfShared(ctx context.Context, r store.Record) (string, uint64, error) {
	if s.armed.CompareAndSwap(true, false) {
		return "", 0, store.ErrConflict
	}
	return s.Store.SaveIfShared(ctx, r)
}

// TestLateChangeIsCountedWithoutDurationOrError: a change after the
// response started is counted under op and outcome late_change, with no
// duration sample and no entry in the errors counter.
func TestLateChangeIsCountedWithoutDurationOrError(t *testing.T) {
	st := memstore.New(memstore.Options{})
	t.Cleanup(func() { st.Close() })
	h := newHarness(t, st, session.Config{Logger: slog.New(slog.DiscardHandler)})
	h.get("/late")
	ms := h.collect()
	equal(t, "operations", sums(t, ms[otelsession.OperationsName]), map[string]int64{
		"late_change memstore late_change": 1,
	})
	if _, ok := ms[otelsession.ErrorsName]; ok {
		t.Errorf("a late change counted as a store error")
	}
	if d, ok := ms[otelsession.DurationName]; ok {
		if _, ok := histogram[float64](t, d)["late_change memstore"]; ok {
			t.Errorf("a late change has a duration sample")
		}
	}
	if got := otelsession.Outcome(fmt.Errorf("wrapped: %w", session.ErrLateChange)); got != otelsession.OutcomeLateChange {
		t.Errorf("Outcome(ErrLateChange) = %q", got)
	}
}

func TestConflictIsAnOutcomeNotAnError(t *testing.T) {
	st := &conflictOnce{Store: memstore.New(memstore.Options{})}
	t.Cleanup(func() { st.Close() })
	h := newHarness(t, st, session.Config{})
	h.get("/set")
	st.armed.Store(true)
	if code := h.get("/set?v=2"); code != http.StatusOK { // load, save (conflict), reload, save
		t.Fatalf("/set after a conflict: %d", code)
	}
	ms := h.collect()
	equal(t, "operations", sums(t, ms[otelsession.OperationsName]), map[string]int64{
		"save otelsession_test ok":       2,
		"save otelsession_test conflict": 1,
		"load otelsession_test ok":       2,
	})
	if _, ok := ms[otelsession.ErrorsName]; ok {
		t.Errorf("a conflict counted as an error")
	}
	// Bytes only for the saves that wrote.
	if n := histogram[int64](t, ms[otelsession.PayloadSizeName])["save otelsession_test"].Count; n != 2 {
		t.Errorf("payload size recorded for %d saves, want 2", n)
	}
}

// failing is a memstore whose loads fail while down is set.
type failing struct {
	*memstore.Store
	down atomic.Bool
}

func (s *failing) Load(ctx context.Context, token string) (store.Record, error) {
	if err := s.err(); err != nil {
		return store.Record{}, err
	}
	return s.Store.Load(ctx, token)
}

// LoadShared fails as Load does: it is what the manager calls on a
// store.Sharer.
func (s *failing) LoadShared(ctx context.Context, token string) (store.Record, error) {
	if err := s.err(); err != nil {
		return store.Record{}, err
	}
	return s.Store.LoadShared(ctx, token)
}

func (s *failing) err() error {
	if s.down.Load() {
		return fmt.Errorf("%w: connection refused", store.ErrBackend)
	}
	return nil
}

func TestBackendErrorAndLockTimeout(t *testing.T) {
	st := &failing{Store: memstore.New(memstore.Options{})}
	t.Cleanup(func() { st.Close() })
	h := newHarness(t, st, session.Config{
		Blocking:  func(*http.Request) bool { return true },
		BlockWait: 50 * time.Millisecond,
	})
	h.get("/set") // no cookie yet: no lock; save ok
	st.down.Store(true)
	if code := h.get("/get"); code != http.StatusInternalServerError { // lock ok, load error
		t.Fatalf("/get with the store down: %d, want 500", code)
	}
	st.down.Store(false)
	unlock, err := st.Lock(context.Background(), h.cookie(), time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if code := h.get("/get"); code != http.StatusServiceUnavailable { // lock lock_timeout
		t.Fatalf("/get while another request holds the lock: %d, want 503", code)
	}
	unlock(context.Background())

	ms := h.collect()
	equal(t, "operations", sums(t, ms[otelsession.OperationsName]), map[string]int64{
		"save otelsession_test ok":           1,
		"lock otelsession_test ok":           1,
		"load otelsession_test error":        1,
		"lock otelsession_test lock_timeout": 1,
	})
	equal(t, "errors", sums(t, ms[otelsession.ErrorsName]), map[string]int64{
		"load otelsession_test error":        1,
		"lock otelsession_test lock_timeout": 1,
	})
	lat := histogram[float64](t, ms[otelsession.DurationName])
	if dp := lat["lock otelsession_test"]; dp.Count != 2 || dp.Sum < 0.04 {
		t.Errorf("lock latency: count %d, sum %.3fs; want 2 calls, one of them a 50ms wait", dp.Count, dp.Sum)
	}
	if n := len(histogram[int64](t, ms[otelsession.PayloadSizeName])); n != 1 {
		t.Errorf("payload size for %d op/driver pairs, want the save only", n)
	}
	noIDs(t, ms, h.cookie())
}

func TestOutcome(t *testing.T) {
	for _, c := range []struct {
		err  error
		want string
	}{
		{nil, otelsession.OutcomeOK},
		{store.ErrNotFound, otelsession.OutcomeNotFound},
		{store.ErrCorrupt, otelsession.OutcomeNotFound},
		{fmt.Errorf("filestore: load: %w", store.ErrNotFound), otelsession.OutcomeNotFound},
		{store.ErrConflict, otelsession.OutcomeConflict},
		{fmt.Errorf("x: %w", errors.Join(store.ErrLockTimeout, context.DeadlineExceeded)), otelsession.OutcomeLockTimeout},
		{fmt.Errorf("%w: %w", store.ErrBackend, context.Canceled), otelsession.OutcomeError},
		{errors.New("anything else"), otelsession.OutcomeError},
	} {
		if got := otelsession.Outcome(c.err); got != c.want {
			t.Errorf("Outcome(%v) = %q, want %q", c.err, got, c.want)
		}
	}
}

func TestNilProviderIsTheGlobalOne(t *testing.T) {
	reader := sdkmetric.NewManualReader()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	defer mp.Shutdown(context.Background())
	prev := otel.GetMeterProvider()
	otel.SetMeterProvider(mp)
	defer otel.SetMeterProvider(prev)

	hook, err := otelsession.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	hook(context.Background(), session.StoreEvent{Op: "touch", Driver: "redisstore", Duration: time.Millisecond})
	var rm metricdata.ResourceMetrics
	if err := reader.Collect(context.Background(), &rm); err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			names = append(names, m.Name)
			if m.Name == otelsession.OperationsName {
				equal(t, "operations", sums(t, m), map[string]int64{"touch redisstore ok": 1})
			}
		}
	}
	sort.Strings(names)
	if got := strings.Join(names, ","); got != otelsession.DurationName+","+otelsession.OperationsName {
		t.Errorf("metrics recorded through the global provider: %s", got)
	}
}

func TestRecordDoesNotAllocate(t *testing.T) {
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(sdkmetric.NewManualReader()))
	defer mp.Shutdown(context.Background())
	hook, err := otelsession.New(mp)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	e := session.StoreEvent{Op: "save", Driver: "memstore", Duration: time.Millisecond, Bytes: 300}
	hook(ctx, e)
	if n := testing.AllocsPerRun(100, func() { hook(ctx, e) }); n > 0 {
		t.Errorf("recording an event allocates %v times", n)
	}
}

func BenchmarkRecord(b *testing.B) {
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(sdkmetric.NewManualReader()))
	defer mp.Shutdown(context.Background())
	hook, err := otelsession.New(mp)
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	e := session.StoreEvent{Op: "load", Driver: "redisstore", Duration: time.Millisecond, Bytes: 300}
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			hook(ctx, e)
		}
	})
}
