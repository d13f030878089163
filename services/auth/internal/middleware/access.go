package middleware

import (
	"context"
	"encoding/base64"
	"encoding/binary"
	"math/rand/v2"
	"net"
	"net/http"
	"path"
	"time"

	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	"go.opentelemetry.io/otel/attribute"
	"goa.design/clue/log"
	goa "goa.design/goa/v3/pkg"
	"google.golang.org/grpc"
	"google.golang.org/grpc/status"
)

type routeKey struct{}

// route is filled in by RouteEndpoint once Goa has picked the method.
type route struct{ name string }

// AccessLog writes one line per HTTP request, after it: method, route (the
// Goa method, or the path outside Goa), status and duration. It never logs
// headers, query strings or bodies, where secrets travel.
func AccessLog(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rt := &route{name: r.URL.Path}
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		start := time.Now()
		next.ServeHTTP(rec, r.WithContext(context.WithValue(r.Context(), routeKey{}, rt)))
		log.Print(r.Context(), log.KV{K: "msg", V: "request"},
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

// UnaryLog is the gRPC server's logging interceptor: it puts the logger of
// logCtx and a request id in the call's context, then writes one line per
// call after it: method, code, duration. It replaces clue's interceptor
// for unary calls because ValidateSession is the platform's hot path:
// the request id comes from math/rand (an id, not a secret) instead of a
// crypto/rand system call, and the logger is copied once per call.
func UnaryLog(logCtx context.Context) grpc.UnaryServerInterceptor {
	log.MustContainLogger(logCtx)
	return func(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
		start := time.Now()
		ctx = log.With(log.WithContext(ctx, logCtx), log.KV{K: log.RequestIDKey, V: requestID()})
		res, err := handler(ctx, req)
		log.Print(ctx, log.KV{K: "msg", V: "call"},
			log.KV{K: "grpc.method", V: path.Base(info.FullMethod)},
			log.KV{K: "grpc.code", V: status.Code(err).String()},
			log.KV{K: "grpc.duration_ms", V: float64(time.Since(start).Microseconds()) / 1000})
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

// LoopbackOnly answers 404 to anyone but the local machine: for operator
// endpoints served on the public port (the debug log switch).
func LoopbackOnly(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		host, _, _ := net.SplitHostPort(r.RemoteAddr)
		if host != "127.0.0.1" && host != "::1" {
			http.NotFound(w, r)
			return
		}
		next.ServeHTTP(w, r)
	})
}
