package middleware

import (
	"context"
	"encoding/base64"
	"encoding/binary"
	"io"
	"math/rand/v2"
	"net/http"
	"path"
	"time"

	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"
	"goa.design/clue/log"
	goa "goa.design/goa/v3/pkg"
	"google.golang.org/grpc"
	"google.golang.org/grpc/status"
)

type routeKey struct{}

// route is filled in by RouteEndpoint once Goa has picked the method.
type route struct{ name string }

// RequestIDHeader is the response header that carries the request id: the
// request_id of the request's log lines and the id of its error body.
const RequestIDHeader = "X-Request-Id"

// AccessLog gives every HTTP request an id and writes one line per request,
// after it: method, route (the Goa method, or the path outside Goa), status
// and duration. The id is the request_id of every line logged for the
// request, the X-Request-Id header of its response and the id of its error
// body, so that the id a user reports leads to the logs. An X-Request-Id
// that the client sent is ignored: a client must not be able to choose an
// id (and so pass for another request in the logs). AccessLog never logs
// headers, query strings or bodies, where secrets travel.
func AccessLog(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rt := &route{name: r.URL.Path}
		id := requestID()
		w.Header().Set(RequestIDHeader, id)
		ctx := context.WithValue(context.WithValue(r.Context(), requestIDKey{}, id), routeKey{}, rt)
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		start := time.Now()
		next.ServeHTTP(rec, r.WithContext(ctx))
		log.Print(ctx, log.KV{K: "msg", V: "request"},
			log.KV{K: "http.method", V: r.Method},
			log.KV{K: "http.route", V: rt.name},
			log.KV{K: "http.status", V: rec.status},
			log.KV{K: "http.duration_ms", V: float64(time.Since(start).Microseconds()) / 1000})
	})
}

// RouteEndpoint is a Goa endpoint middleware that names the route of the
// request for the access log and the HTTP metrics (auth.method label).
func RouteEndpoint(e goa.Endpoint) goa.Endpoint {
	return func(ctx context.Context, req any) (any, error) {
		if m, ok := ctx.Value(goa.MethodKey).(string); ok {
			if rt, ok := ctx.Value(routeKey{}).(*route); ok {
				rt.name = m
			}
			if l, ok := otelhttp.LabelerFromContext(ctx); ok {
				l.Add(attribute.String("auth.method", m))
			}
		}
		return e(ctx, req)
	}
}

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (s *statusRecorder) WriteHeader(code int) {
	s.status = code
	s.ResponseWriter.WriteHeader(code)
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (s *statusRecorder) Unwrap() http.ResponseWriter { return s.ResponseWriter }

// Lines writes log lines straight to the format and output of the
// service's clue logger. The gRPC access line, written for every call of
// the platform's hot path, goes through it: clue's Print copies and
// merges the logger's fields and formats every value with fmt to truncate
// it (about thirty allocations a line), where these few short values need
// none of that.
type Lines struct {
	Format log.FormatFunc
	Out    io.Writer
}

// write formats one info line of kvs followed by ContextFields(ctx).
func (l Lines) write(ctx context.Context, kvs []log.KV) {
	kvs = appendContextFields(kvs, ctx)
	_, _ = l.Out.Write(l.Format(&log.Entry{Time: time.Now().UTC(), Severity: log.SeverityInfo, KeyVals: kvs}))
}

type (
	requestIDKey struct{}
	linesKey     struct{}
)

// requestIDFrom returns the id AccessLog or UnaryLog gave the request, or
// "" outside them.
func requestIDFrom(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey{}).(string)
	return id
}

// WithLines returns ctx carrying lines, for UnaryLog.
func WithLines(ctx context.Context, lines Lines) context.Context {
	return context.WithValue(ctx, linesKey{}, lines)
}

// ContextFields is the clue logger's field function (log.WithFunc): every
// line carries the request id AccessLog or UnaryLog gave the request, the Goa
// service and method of the endpoint, and the trace and span ids.
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

// UnaryLog is the gRPC server's logging interceptor: it puts the logger of
// logCtx and a request id in the call's context, then writes one line per
// call after it, through the Lines of logCtx (WithLines): method, code,
// duration. It replaces
// clue's interceptor for unary calls because ValidateSession is the
// platform's hot path: the request id comes from math/rand (an id, not a
// secret) instead of a crypto/rand system call, and it travels as a
// context value that ContextFields reads, instead of a copy of the logger
// per call.
func UnaryLog(logCtx context.Context) grpc.UnaryServerInterceptor {
	log.MustContainLogger(logCtx)
	lines, ok := logCtx.Value(linesKey{}).(Lines)
	if !ok {
		panic("middleware.UnaryLog: the context has no Lines (see WithLines)")
	}
	return func(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
		start := time.Now()
		ctx = context.WithValue(log.WithContext(ctx, logCtx), requestIDKey{}, requestID())
		res, err := handler(ctx, req)
		kvs := make([]log.KV, 0, 8)
		kvs = append(kvs, log.KV{K: "msg", V: "call"},
			log.KV{K: "grpc.method", V: path.Base(info.FullMethod)},
			log.KV{K: "grpc.code", V: status.Code(err).String()},
			log.KV{K: "grpc.duration_ms", V: float64(time.Since(start).Microseconds()) / 1000})
		lines.write(ctx, kvs)
		return res, err
	}
}

// requestID returns 8 URL-safe characters (48 random bits), the shape of
// clue's request ids.
func requestID() string {
	var b [8]byte
	binary.LittleEndian.PutUint64(b[:], rand.Uint64())
	return base64.RawURLEncoding.EncodeToString(b[:6])
}
