package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracegrpc"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	otelprom "go.opentelemetry.io/otel/exporters/prometheus"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/propagation"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/noop"

	"github.com/infrastructure/platform/services/auth/config"
	"github.com/infrastructure/platform/services/auth/internal/middleware"
)

// serviceName names the service in traces and metrics.
const serviceName = "auth"

// telemetry holds the providers every layer is instrumented with. They are
// passed explicitly (not only through otel's globals), so that tests can
// run several services in one process, each with its own exporters.
type telemetry struct {
	tracer trace.TracerProvider
	// tracing says whether spans go anywhere: without an exporter the
	// SQL tracer is not installed at all (its spans would be dropped).
	tracing bool
	meter   metric.MeterProvider
	// metrics serves the Prometheus scrape (GET /metrics).
	metrics http.Handler
	// shutdown flushes and stops the exporters.
	shutdown func(context.Context) error
}

// newTelemetry sets up tracing and metrics. Spans are exported over OTLP
// (gRPC, or HTTP with OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf) when
// OTEL_EXPORTER_OTLP_ENDPOINT is set, to spans when a test
// gives its own exporter, and nowhere otherwise (a no-op tracer: no cost).
// Metrics are always collected for the Prometheus endpoint.
func newTelemetry(ctx context.Context, cfg *config.Config, spans sdktrace.SpanExporter) (*telemetry, error) {
	res := resource.NewSchemaless(attribute.String("service.name", serviceName))
	t := &telemetry{tracer: noop.NewTracerProvider()}
	var shutdowns []func(context.Context) error

	switch {
	case spans != nil:
		tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(spans), sdktrace.WithResource(res))
		t.tracer, t.tracing, shutdowns = tp, true, append(shutdowns, tp.Shutdown)
	case cfg.OTLPEndpoint != "":
		// Both exporters read the standard OTEL_EXPORTER_OTLP_* variables.
		var exp sdktrace.SpanExporter
		var err error
		if cfg.OTLPProtocol == "http/protobuf" {
			exp, err = otlptracehttp.New(ctx)
		} else {
			exp, err = otlptracegrpc.New(ctx)
		}
		if err != nil {
			return nil, fmt.Errorf("OTEL_EXPORTER_OTLP_ENDPOINT: %w", err)
		}
		tp := sdktrace.NewTracerProvider(sdktrace.WithBatcher(exp), sdktrace.WithResource(res))
		t.tracer, t.tracing, shutdowns = tp, true, append(shutdowns, tp.Shutdown)
	}

	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	exp, err := otelprom.New(otelprom.WithRegisterer(reg))
	if err != nil {
		return nil, fmt.Errorf("prometheus exporter: %w", err)
	}
	// The HTTP metrics keep no attribute a client chooses (the Host
	// header would make a series per value).
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(exp), sdkmetric.WithResource(res),
		sdkmetric.WithView(middleware.HTTPMetricsView()))
	t.meter, shutdowns = mp, append(shutdowns, mp.Shutdown)
	t.metrics = promhttp.HandlerFor(reg, promhttp.HandlerOpts{})

	t.shutdown = func(ctx context.Context) error {
		var errs []error
		for _, s := range shutdowns {
			errs = append(errs, s(ctx))
		}
		return errors.Join(errs...)
	}
	return t, nil
}

// setGlobals makes the providers otel's defaults (for libraries that use
// them) and propagates W3C trace context and baggage.
func (t *telemetry) setGlobals() {
	otel.SetTracerProvider(t.tracer)
	otel.SetMeterProvider(t.meter)
	otel.SetTextMapPropagator(propagation.NewCompositeTextMapPropagator(propagation.TraceContext{}, propagation.Baggage{}))
}
