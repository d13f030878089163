// Command auth runs the auth service: the REST API for browsers and the gRPC
// API for sibling services, served from one set of Goa endpoints.
package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/signal"
	"syscall"

	"goa.design/clue/log"

	"github.com/infrastructure/platform/services/auth/config"
	genauth "github.com/infrastructure/platform/services/auth/gen/auth"
	"github.com/infrastructure/platform/services/auth/internal/controllers"
	"github.com/infrastructure/platform/services/auth/internal/database"
	"github.com/infrastructure/platform/services/auth/internal/repositories"
)

func main() {
	// 1. Configuration, read once. A bad value stops start-up and names
	// the variable.
	cfg, warnings, err := config.Load(os.Getenv)
	if err != nil {
		fmt.Fprintf(os.Stderr, "auth: invalid configuration:\n%v\n", err)
		os.Exit(2)
	}

	// 2. Logger: JSON unless on a terminal.
	ctx := newLogContext(cfg.Debug)
	for _, w := range warnings {
		log.Print(ctx, log.KV{K: "msg", V: "configuration warning"}, log.KV{K: "warning", V: w})
	}

	// 3. Stop on SIGTERM or SIGINT.
	ctx, stop := signal.NotifyContext(ctx, syscall.SIGTERM, syscall.SIGINT)
	defer stop()

	if err := run(ctx, cfg, nil); err != nil {
		log.Error(ctx, err, log.KV{K: "msg", V: "auth stopped"})
		os.Exit(1)
	}
}

// newLogContext returns a context carrying the clue logger.
func newLogContext(debug bool) context.Context {
	format := log.FormatJSON
	if log.IsTerminal() {
		format = log.FormatTerminal
	}
	opts := []log.LogOption{log.WithFormat(format)}
	if debug {
		opts = append(opts, log.WithDebug())
	}
	return log.Context(context.Background(), opts...)
}

// run wires the service and serves it until ctx is done, then shuts down
// gracefully. ready, when not nil, receives the bound addresses (tests
// listen on port 0).
func run(ctx context.Context, cfg *config.Config, ready func(httpAddr, grpcAddr net.Addr)) error {
	// 4. Database: wait for PostgreSQL, then migrate under an advisory lock.
	pool, err := database.Connect(ctx, cfg.DatabaseURL, cfg.DatabaseConnectTimeout)
	if err != nil {
		return fmt.Errorf("connect to database: %w", err)
	}
	defer pool.Close()
	if err := database.Migrate(ctx, pool); err != nil {
		return err
	}

	// 5. Service over its ports.
	svc, err := controllers.New(controllers.Options{
		Users:           repositories.NewUsers(pool),
		Sessions:        repositories.NewSessions(pool),
		BcryptCost:      cfg.BcryptCost,
		IdleTimeout:     cfg.SessionIdleTimeout,
		AbsoluteTimeout: cfg.SessionAbsoluteTimeout,
	})
	if err != nil {
		return err
	}

	// 6. One set of endpoints for both transports.
	endpoints := genauth.NewEndpoints(svc)
	endpoints.Use(log.Endpoint)

	// 7. Transports.
	httpLn, err := net.Listen("tcp", cfg.HTTPAddr)
	if err != nil {
		return fmt.Errorf("HTTP_ADDR: %w", err)
	}
	grpcLn, err := net.Listen("tcp", cfg.GRPCAddr)
	if err != nil {
		httpLn.Close()
		return fmt.Errorf("GRPC_ADDR: %w", err)
	}
	pinger := database.Pinger{Pool: pool}
	httpSrv := newHTTPServer(ctx, cfg, endpoints, pinger)
	grpcSrv := newGRPCServer(ctx, endpoints, pinger)

	// 8. Serve until a server fails or ctx is done.
	errc := make(chan error, 2)
	go func() { errc <- serveHTTP(httpSrv, httpLn) }()
	go func() { errc <- grpcSrv.serve(ctx, grpcLn) }()
	log.Print(ctx, log.KV{K: "msg", V: "auth serving"},
		log.KV{K: "http", V: httpLn.Addr().String()}, log.KV{K: "grpc", V: grpcLn.Addr().String()})
	if ready != nil {
		ready(httpLn.Addr(), grpcLn.Addr())
	}

	var serveErr error
	select {
	case <-ctx.Done():
	case serveErr = <-errc:
	}

	// 9. Graceful shutdown: stop accepting, finish in-flight requests
	// within the deadline, then close the pool (deferred).
	log.Print(ctx, log.KV{K: "msg", V: "shutting down"})
	shutdownCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cfg.ShutdownTimeout)
	defer cancel()
	shutdownErr := errors.Join(shutdownHTTP(shutdownCtx, httpSrv), grpcSrv.shutdown(shutdownCtx))
	return errors.Join(serveErr, shutdownErr)
}
