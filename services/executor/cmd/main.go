// Command executor is the first sibling of the auth service: an HTTP API
// whose routes trust the auth service for who is calling, through the auth
// client library (services/auth/client).
package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"

	"goa.design/clue/health"
	"goa.design/clue/log"

	"github.com/infrastructure/platform/internal/httpserver"
	"github.com/infrastructure/platform/internal/logging"
	"github.com/infrastructure/platform/services/auth/client"
	"github.com/infrastructure/platform/services/executor/config"
	"github.com/infrastructure/platform/services/executor/internal/api"
)

func main() {
	// 0. `executor healthcheck`: the image's HEALTHCHECK (healthcheck.go).
	if len(os.Args) == 2 && os.Args[1] == "healthcheck" {
		os.Exit(runHealthcheck())
	}

	// 1. Configuration, read once. A bad value stops start-up and names
	// the variable.
	cfg, warnings, err := config.Load(os.Getenv)
	if err != nil {
		fmt.Fprintf(os.Stderr, "executor: invalid configuration:\n%v\n", err)
		os.Exit(2)
	}

	// 2. Logger: JSON unless on a terminal, the schema of every service.
	var debug logging.Switch
	debug.Set(cfg.Debug)
	ctx := logging.New(os.Stdout, logging.Format(), &debug)
	for _, w := range warnings {
		log.Print(ctx, log.KV{K: "msg", V: "configuration warning"}, log.KV{K: "warning", V: w})
	}

	// 3. Stop on SIGTERM or SIGINT.
	ctx, stop := signal.NotifyContext(ctx, syscall.SIGTERM, syscall.SIGINT)
	defer stop()

	if err := run(ctx, cfg, nil); err != nil {
		log.Error(ctx, err, log.KV{K: "msg", V: "executor stopped"})
		os.Exit(1)
	}
}

// run serves until ctx is done, then shuts down gracefully. ready, when not
// nil, receives the bound HTTP address (tests listen on port 0).
func run(ctx context.Context, cfg *config.Config, ready func(net.Addr)) error {
	// 4. Auth client: validates sessions over gRPC, with a cache that the
	// revocation stream keeps honest. It connects lazily: the executor
	// starts even when the auth service is not up yet (see /healthz).
	opts := []client.Option{client.WithTimeout(cfg.AuthTimeout)}
	if cfg.AuthTLS != nil {
		opts = append(opts, client.WithTLSFiles(cfg.AuthTLS.CA, cfg.AuthTLS.Cert, cfg.AuthTLS.Key, ""))
	}
	if cfg.CacheEnabled() {
		opts = append(opts, client.WithCache(cfg.AuthCacheSize, cfg.AuthCacheTTL))
	}
	auth, err := client.New(cfg.AuthGRPCAddr, opts...)
	if err != nil {
		return fmt.Errorf("AUTH_GRPC_ADDR: %w", err)
	}
	defer auth.Close()

	// 5. HTTP API; /healthz asks the auth service's grpc.health.v1 over the
	// client's connection.
	handler := api.New(ctx, api.Options{Auth: auth, CookieName: cfg.AuthCookieName, Health: health.NewChecker(auth)})
	ln, err := net.Listen("tcp", cfg.HTTPAddr)
	if err != nil {
		return fmt.Errorf("HTTP_ADDR: %w", err)
	}
	srv := httpserver.New(ctx, handler)

	// 6. Serve until the server fails or ctx is done.
	errc := make(chan error, 1)
	go func() {
		if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
			errc <- err
		}
		close(errc)
	}()
	log.Print(ctx, log.KV{K: "msg", V: "executor serving"}, log.KV{K: "http", V: ln.Addr().String()},
		log.KV{K: "auth", V: cfg.AuthGRPCAddr}, log.KV{K: "auth_tls", V: cfg.AuthTLS != nil},
		log.KV{K: "auth_cache", V: cfg.CacheEnabled()})
	if ready != nil {
		ready(ln.Addr())
	}
	var serveErr error
	select {
	case <-ctx.Done():
	case serveErr = <-errc:
	}

	// 7. Graceful shutdown: stop accepting, let in-flight requests finish
	// within the deadline; the auth client closes after them (deferred).
	log.Print(ctx, log.KV{K: "msg", V: "shutting down"})
	shutdownCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cfg.ShutdownTimeout)
	defer cancel()
	return errors.Join(serveErr, srv.Shutdown(shutdownCtx))
}
