package middleware_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"

	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	"go.opentelemetry.io/otel/attribute"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/infrastructure/platform/services/auth/internal/middleware"
)

// TestHTTPMetricsView: requests that differ only in what the client chose
// (Host and its port, User-Agent, forwarding headers) share one series of
// every otelhttp instrument, which keeps only HTTPMetricAttributes.
func TestHTTPMetricsView(t *testing.T) {
	t.Parallel()
	reader := sdkmetric.NewManualReader()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader), sdkmetric.WithView(middleware.HTTPMetricsView()))
	h := otelhttp.NewHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if l, ok := otelhttp.LabelerFromContext(r.Context()); ok {
			l.Add(attribute.String("auth.method", "profile"))
		}
		w.WriteHeader(http.StatusUnauthorized)
	}), "test", otelhttp.WithMeterProvider(mp))
	for i := range 50 {
		r := httptest.NewRequest(http.MethodGet, "/auth/profile", nil)
		r.Host = fmt.Sprintf("host-%d.example:%d", i, 1024+i)
		r.RemoteAddr = fmt.Sprintf("192.0.2.1:%d", 2000+i)
		r.Header.Set("User-Agent", fmt.Sprintf("agent/%d", i))
		r.Header.Set("X-Forwarded-Proto", "https")
		r.Header.Set("X-Forwarded-For", fmt.Sprintf("198.51.100.%d", i))
		r.Header.Set("Forwarded", fmt.Sprintf("for=198.51.100.%d;host=f%d.example;proto=https", i, i))
		h.ServeHTTP(httptest.NewRecorder(), r)
	}

	var rm metricdata.ResourceMetrics
	if err := reader.Collect(context.Background(), &rm); err != nil {
		t.Fatal(err)
	}
	instruments := 0
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			instruments++
			sets := attributeSets(t, m)
			if len(sets) != 1 {
				t.Errorf("%s: %d series from 50 requests, want 1", m.Name, len(sets))
			}
			for _, set := range sets {
				for _, kv := range set.ToSlice() {
					if !slices.Contains(middleware.HTTPMetricAttributes, kv.Key) {
						t.Errorf("%s keeps %s=%s", m.Name, kv.Key, kv.Value.String())
					}
				}
				if v, ok := set.Value("auth.method"); !ok || v.AsString() != "profile" {
					t.Errorf("%s lost auth.method: %v", m.Name, set.ToSlice())
				}
				if v, _ := set.Value("url.scheme"); v.AsString() != "http" {
					t.Errorf("%s: url.scheme = %q, want http (from the connection, not a header)", m.Name, v.String())
				}
			}
		}
	}
	if instruments == 0 {
		t.Fatal("otelhttp recorded nothing")
	}
}

// attributeSets returns the attribute sets of the data points of m.
func attributeSets(t *testing.T, m metricdata.Metrics) []attribute.Set {
	t.Helper()
	var sets []attribute.Set
	switch d := m.Data.(type) {
	case metricdata.Histogram[float64]:
		for _, dp := range d.DataPoints {
			sets = append(sets, dp.Attributes)
		}
	case metricdata.Histogram[int64]:
		for _, dp := range d.DataPoints {
			sets = append(sets, dp.Attributes)
		}
	default:
		t.Errorf("%s: unexpected data %T", m.Name, m.Data)
	}
	return sets
}
