package logging

import (
	"context"
	"encoding/base64"
	"encoding/binary"
	"math/rand/v2"

	"go.opentelemetry.io/otel/trace"
	"goa.design/clue/log"
	goa "goa.design/goa/v3/pkg"
)

type requestIDKey struct{}

// RequestID returns the id the access middleware gave the request ("" when
// none): the X-Request-Id header, the access line's request_id and the id
// of an error body are this one id.
func RequestID(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey{}).(string)
	return id
}

// newRequestID returns 8 URL-safe characters (48 random bits), the shape
// of clue's request ids.
func newRequestID() string {
	var b [8]byte
	binary.LittleEndian.PutUint64(b[:], rand.Uint64())
	return base64.RawURLEncoding.EncodeToString(b[:6])
}

// ContextFields returns the fields every line of a request carries: its
// request id, the Goa service and method, the trace and span ids (clue's
// log.WithFunc).
func ContextFields(ctx context.Context) []log.KV {
	return appendContextFields(nil, ctx)
}

func appendContextFields(kvs []log.KV, ctx context.Context) []log.KV {
	if id, ok := ctx.Value(requestIDKey{}).(string); ok {
		kvs = append(kvs, log.KV{K: log.RequestIDKey, V: id})
	}
	if s, ok := ctx.Value(goa.ServiceKey).(string); ok {
		kvs = append(kvs, log.KV{K: log.GoaServiceKey, V: s})
	}
	if m, ok := ctx.Value(goa.MethodKey).(string); ok {
		kvs = append(kvs, log.KV{K: log.GoaMethodKey, V: m})
	}
	if sc := trace.SpanContextFromContext(ctx); sc.IsValid() {
		kvs = append(kvs, log.KV{K: log.TraceIDKey, V: sc.TraceID().String()},
			log.KV{K: log.SpanIDKey, V: sc.SpanID().String()})
	}
	return kvs
}
