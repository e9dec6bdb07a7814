package otelsession_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"

	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/seed-699a33a2/session"
	"github.com/seed-699a33a2/session/memstore"
	"github.com/seed-699a33a2/session/otelsession"
)

// The application builds its MeterProvider with the exporter it wants (a
// ManualReader here, Prometheus or OTLP in production) and hands the hook
// to the manager's configuration.
func ExampleNew() {
	reader := sdkmetric.NewManualReader()
	provider := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	defer provider.Shutdown(context.Background())

	onStoreEvent, err := otelsession.New(provider)
	if err != nil {
		panic(err)
	}
	store := memstore.New(memstore.Options{})
	defer store.Close()
	manager, err := session.New(store, session.Config{OnStoreEvent: onStoreEvent})
	if err != nil {
		panic(err)
	}
	handler := manager.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, data, _ := session.FromContext(r.Context())
		data["theme"] = "dark"
	}))

	// One request that writes a new session: one save.
	handler.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/", nil))

	var rm metricdata.ResourceMetrics
	if err := reader.Collect(context.Background(), &rm); err != nil {
		panic(err)
	}
	for _, m := range rm.ScopeMetrics[0].Metrics {
		if m.Name != otelsession.OperationsName {
			continue
		}
		for _, dp := range m.Data.(metricdata.Sum[int64]).DataPoints {
			op, _ := dp.Attributes.Value(otelsession.OpKey)
			driver, _ := dp.Attributes.Value(otelsession.DriverKey)
			outcome, _ := dp.Attributes.Value(otelsession.OutcomeKey)
			fmt.Printf("%s op=%s driver=%s outcome=%s: %d\n", m.Name, op.AsString(), driver.AsString(), outcome.AsString(), dp.Value)
		}
	}
	// Output:
	// session.store.operations op=save driver=memstore outcome=ok: 1
}
