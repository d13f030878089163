package middleware

import (
	"context"

	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	"go.opentelemetry.io/otel/attribute"
	goa "goa.design/goa/v3/pkg"
)

// MethodLabel is a Goa endpoint middleware that labels the HTTP metrics of
// the request with the Goa method that served it (auth.method): a value
// the server chose, never one a client sent. The access line names the
// route pattern (internal/logging).
func MethodLabel(e goa.Endpoint) goa.Endpoint {
	return func(ctx context.Context, req any) (any, error) {
		if m, ok := ctx.Value(goa.MethodKey).(string); ok {
			if l, ok := otelhttp.LabelerFromContext(ctx); ok {
				l.Add(attribute.String("auth.method", m))
			}
		}
		return e(ctx, req)
	}
}
