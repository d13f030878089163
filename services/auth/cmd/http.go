package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	"goa.design/clue/health"
	"goa.design/clue/log"
	goahttp "goa.design/goa/v3/http"

	"github.com/rs/cors"

	"github.com/infrastructure/platform/internal/httpserver"
	"github.com/infrastructure/platform/internal/logging"
	"github.com/infrastructure/platform/services/auth/config"
	genauth "github.com/infrastructure/platform/services/auth/gen/auth"
	genhttp "github.com/infrastructure/platform/services/auth/gen/http/auth/server"
	"github.com/infrastructure/platform/services/auth/internal/apidocs"
	"github.com/infrastructure/platform/services/auth/internal/clientip"
	"github.com/infrastructure/platform/services/auth/internal/middleware"
	"github.com/infrastructure/platform/services/auth/internal/web"
)

// newHTTPServer mounts the REST API and the health endpoints behind the
// middleware that the design cannot express.
func newHTTPServer(ctx context.Context, cfg *config.Config, endpoints *genauth.Endpoints, db health.Pinger, tel *telemetry) (*http.Server, error) {
	crossOrigin, err := middleware.CrossOrigin(cfg.CORSAllowedOrigins)
	if err != nil {
		return nil, fmt.Errorf("CORS_ALLOWED_ORIGINS: %w", err)
	}
	mux := goahttp.NewMuxer()
	server := genhttp.New(endpoints, mux, middleware.RequestDecoder, goahttp.ResponseEncoder,
		httpErrorHandler(), middleware.FormatError)
	genhttp.Mount(mux, server)

	// /livez: the process runs. /healthz: PostgreSQL answers (503 if not).
	mux.Handle(http.MethodGet, "/livez", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"status":"ok"}` + "\n"))
	})
	mux.Handle(http.MethodGet, "/healthz", health.Handler(health.NewChecker(db)))
	// The OpenAPI description and the API reference (offline assets).
	mux.Handle(http.MethodGet, "/openapi.json", apidocs.Spec(false))
	mux.Handle(http.MethodGet, "/openapi.yaml", apidocs.Spec(true))
	mux.Handle(http.MethodGet, "/docs", apidocs.Docs())
	mux.Handle(http.MethodGet, apidocs.DocsPath+"{*asset}", apidocs.Docs())
	// The pages that emailed links open, and with WEB_APP the reference
	// web app at /, with their scripts and styles.
	for path, handler := range web.Routes(cfg.WebApp) {
		mux.Handle(http.MethodGet, path, handler)
	}
	if cfg.MetricsAddr == "" {
		// Without a separate address, /metrics is on this port, and the
		// debug log switch (GET /debug?debug-logs=on|off) answers only
		// to the machine itself, not relayed by a proxy.
		mux.Handle(http.MethodGet, "/metrics", tel.metrics.ServeHTTP)
		mux.Handle(http.MethodGet, "/debug", middleware.LoopbackOnly(debugLogs.Handler()).ServeHTTP)
	}
	// Unknown routes and methods: JSON error bodies, like every error.
	middleware.RouteErrors(mux)

	var handler http.Handler = logging.Routed(mux) // names the route of the access line
	handler = middleware.SessionCookie(middleware.CookieOptions{
		Name:   cfg.SessionCookieName(),
		Secure: cfg.CookieSecure,
	})(handler)
	handler = middleware.RequireJSON(handler)
	handler = crossOrigin(handler) // before anything reads the body or the cookie
	handler = middleware.MaxBody(middleware.DefaultMaxBody)(handler)
	handler = clientip.Middleware(cfg.TrustedProxies)(handler)
	handler = corsHandler(cfg.CORSAllowedOrigins)(handler)
	handler = middleware.SecurityHeaders(handler)
	if cfg.CookieSecure { // served behind TLS
		handler = middleware.StrictTransportSecurity(handler)
	}
	// Each request gets its id (X-Request-Id, request_id in the logs, id
	// of error bodies), the logger, and its access line after it.
	handler = logging.HTTP(ctx, logging.SkipPaths("/livez", "/healthz"))(handler)
	handler = otelhttp.NewHandler(handler, "auth.http",
		otelhttp.WithTracerProvider(tel.tracer), otelhttp.WithMeterProvider(tel.meter),
		otelhttp.WithSpanNameFormatter(func(_ string, r *http.Request) string { return r.Method + " " + r.URL.Path }),
		otelhttp.WithFilter(func(r *http.Request) bool {
			return r.URL.Path != "/livez" && r.URL.Path != "/healthz" && r.URL.Path != "/metrics"
		}))

	return httpserver.New(ctx, handler), nil
}

// newMetricsServer serves /metrics and the debug log switch on
// METRICS_ADDR, apart from the public API.
func newMetricsServer(ctx context.Context, tel *telemetry) *http.Server {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", tel.metrics)
	mux.Handle("GET /debug", debugLogs.Handler())
	return &http.Server{
		Handler:           mux,
		ReadHeaderTimeout: 5 * time.Second,
		BaseContext:       func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}
}

// corsHandler lets the CORS_ALLOWED_ORIGINS call the API with credentials
// (cookies); other origins get no CORS headers, so browsers keep them out.
func corsHandler(origins []string) func(http.Handler) http.Handler {
	return cors.New(cors.Options{
		AllowedOrigins:   origins,
		AllowCredentials: true,
		AllowedMethods:   []string{http.MethodGet, http.MethodPost, http.MethodDelete},
		AllowedHeaders:   []string{"Content-Type", "Authorization"},
		ExposedHeaders:   []string{"Retry-After", logging.RequestIDHeader},
		MaxAge:           600,
	}).Handler
}

// httpErrorHandler logs errors that happen while writing a response.
func httpErrorHandler() func(context.Context, http.ResponseWriter, error) {
	return func(ctx context.Context, _ http.ResponseWriter, err error) {
		log.Error(ctx, err, log.KV{K: "msg", V: "failed to write HTTP response"})
	}
}

func serveHTTP(srv *http.Server, ln net.Listener) error {
	if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

func shutdownHTTP(ctx context.Context, srv *http.Server) error {
	return srv.Shutdown(ctx)
}
