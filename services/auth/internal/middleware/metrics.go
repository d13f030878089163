package middleware

import (
	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/instrumentation"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
)

// HTTPMetricAttributes are the only attributes the HTTP server metrics
// keep: each is chosen by the server or bounded by net/http (the method
// is one of the standard ones or _OTHER, the protocol version one of the
// few net/http serves), none is copied from what a client sends. otelhttp
// also records server.address and server.port from the Host header, which
// would make a new series of every histogram for every Host a client
// invents; those, and any attribute a later otelhttp adds, are dropped.
var HTTPMetricAttributes = []attribute.Key{
	"http.request.method",
	"http.response.status_code",
	"http.route",
	"url.scheme", // from the connection (TLS or not), not from a header
	"network.protocol.name",
	"network.protocol.version",
	"error.type",
	"auth.method", // the Goa method (RouteEndpoint)
}

// HTTPMetricsView is the meter provider view that applies
// HTTPMetricAttributes to every instrument of otelhttp.
func HTTPMetricsView() sdkmetric.View {
	return sdkmetric.NewView(
		sdkmetric.Instrument{Scope: instrumentation.Scope{Name: otelhttp.ScopeName}},
		sdkmetric.Stream{AttributeFilter: attribute.NewAllowKeysFilter(HTTPMetricAttributes...)},
	)
}
