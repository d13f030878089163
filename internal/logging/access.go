package logging

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"time"

	"goa.design/clue/log"
	"google.golang.org/grpc"
	"google.golang.org/grpc/status"
)

// RequestIDHeader is the response header that carries the request id.
const RequestIDHeader = "X-Request-Id"

// HTTPOption configures HTTP.
type HTTPOption func(*httpOptions)

type httpOptions struct{ skip []string }

// SkipPaths writes no access line for a successful answer (below 400) on
// these exact paths (health checks, which load balancers make every
// second or two, would drown the rest); a failed one is logged, and every
// one gets a request id.
func SkipPaths(paths ...string) HTTPOption {
	return func(o *httpOptions) { o.skip = append(o.skip, paths...) }
}

type routeKey struct{}

// route is filled by Routed once the mux has matched the request.
type route struct{ pattern string }

// HTTP gives every request an id (X-Request-Id, never the client's: a
// client could make its requests look like someone else's), the service's
// logger in its context, and writes its access line after it. Wrap the
// mux with Routed so that the line names the route.
func HTTP(logCtx context.Context, opts ...HTTPOption) func(http.Handler) http.Handler {
	log.MustContainLogger(logCtx)
	out := linesFrom(logCtx)
	var o httpOptions
	for _, opt := range opts {
		opt(&o)
	}
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			id := newRequestID()
			w.Header().Set(RequestIDHeader, id)
			rt := &route{}
			ctx := context.WithValue(log.WithContext(r.Context(), logCtx), requestIDKey{}, id)
			ctx = context.WithValue(ctx, routeKey{}, rt)
			rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
			start := time.Now()
			next.ServeHTTP(rec, r.WithContext(ctx))
			if rec.status < http.StatusBadRequest && slices.Contains(o.skip, r.URL.Path) {
				return
			}
			if rt.pattern == "" {
				rt.pattern = "unmatched"
			}
			out.write(ctx, []log.KV{{K: "msg", V: "request"},
				{K: "http.method", V: r.Method},
				{K: "http.route", V: rt.pattern},
				{K: "http.status", V: rec.status},
				{K: "http.duration_ms", V: float64(time.Since(start).Microseconds()) / 1000}})
		})
	}
}

// Routed wraps a mux that sets r.Pattern when it matches a route (Go's
// http.ServeMux, Goa's muxer): the access line names that pattern, without
// its method ("GET /auth/sessions/{id}" is logged as /auth/sessions/{id}).
func Routed(mux http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mux.ServeHTTP(w, r)
		if rt, ok := r.Context().Value(routeKey{}).(*route); ok && r.Pattern != "" {
			_, pattern, found := strings.Cut(r.Pattern, " ")
			if !found {
				pattern = r.Pattern
			}
			rt.pattern = pattern
		}
	})
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

// UnaryServerInterceptor gives every unary call a request id and the
// service's logger, and writes its access line.
func UnaryServerInterceptor(logCtx context.Context) grpc.UnaryServerInterceptor {
	log.MustContainLogger(logCtx)
	out := linesFrom(logCtx)
	return func(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
		start := time.Now()
		ctx = context.WithValue(log.WithContext(ctx, logCtx), requestIDKey{}, newRequestID())
		res, err := handler(ctx, req)
		out.write(ctx, grpcLine(info.FullMethod, err, start))
		return res, err
	}
}

// StreamServerInterceptor does the same for streams; the line is written
// when the stream ends.
func StreamServerInterceptor(logCtx context.Context) grpc.StreamServerInterceptor {
	log.MustContainLogger(logCtx)
	out := linesFrom(logCtx)
	return func(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, handler grpc.StreamHandler) error {
		start := time.Now()
		ctx := context.WithValue(log.WithContext(ss.Context(), logCtx), requestIDKey{}, newRequestID())
		err := handler(srv, &contextStream{ServerStream: ss, ctx: ctx})
		out.write(ctx, grpcLine(info.FullMethod, err, start))
		return err
	}
}

// grpcLine is the access line of a call to fullMethod (/pkg.Service/Method).
func grpcLine(fullMethod string, err error, start time.Time) []log.KV {
	method := strings.TrimPrefix(fullMethod, "/")
	service, _, _ := strings.Cut(method, "/")
	return []log.KV{{K: "msg", V: "request"},
		{K: "grpc.service", V: service},
		{K: "grpc.method", V: method},
		{K: "grpc.code", V: status.Code(err).String()},
		{K: "grpc.duration_ms", V: float64(time.Since(start).Microseconds()) / 1000}}
}

// contextStream is a server stream with the request's context.
type contextStream struct {
	grpc.ServerStream
	ctx context.Context
}

func (s *contextStream) Context() context.Context { return s.ctx }
