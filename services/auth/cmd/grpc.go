package main

import (
	"context"
	"crypto/tls"
	"net"
	"time"

	"go.opentelemetry.io/contrib/instrumentation/google.golang.org/grpc/otelgrpc"
	"goa.design/clue/health"
	"goa.design/clue/log"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	grpchealth "google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/reflection"

	genauth "github.com/infrastructure/platform/services/auth/gen/auth"
	genpb "github.com/infrastructure/platform/services/auth/gen/grpc/auth/pb"
	gengrpc "github.com/infrastructure/platform/services/auth/gen/grpc/auth/server"
	"github.com/infrastructure/platform/services/auth/internal/middleware"
)

// streamWorkers is the number of goroutines that serve calls: far more
// than the database pool can keep busy on a small machine.
const streamWorkers = 64

// healthInterval is how often the gRPC health status follows PostgreSQL.
const healthInterval = 5 * time.Second

// grpcServer is the gRPC API with the standard health service and
// reflection.
type grpcServer struct {
	srv    *grpc.Server
	health *grpchealth.Server
	db     health.Pinger
}

func newGRPCServer(ctx context.Context, endpoints *genauth.Endpoints, db health.Pinger, tlsConfig *tls.Config, tel *telemetry) *grpcServer {
	opts := []grpc.ServerOption{
		grpc.UnaryInterceptor(middleware.UnaryLog(ctx)),
		grpc.ChainStreamInterceptor(log.StreamServerInterceptor(ctx)),
		// Calls run on long-lived worker goroutines whose stacks have
		// already grown, instead of a new goroutine per call that grows
		// its stack again (runtime.morestack was a tenth of the CPU of
		// ValidateSession). Beyond streamWorkers calls at once, grpc-go
		// starts goroutines as usual.
		grpc.NumStreamWorkers(streamWorkers),
		grpc.StatsHandler(otelgrpc.NewServerHandler(otelgrpc.WithTracerProvider(tel.tracer), otelgrpc.WithMeterProvider(tel.meter))),
	}
	if tlsConfig != nil {
		// With GRPC_CLIENT_CA, the handshake itself refuses clients
		// without a certificate signed by that CA.
		opts = append(opts, grpc.Creds(credentials.NewTLS(tlsConfig)))
	}
	srv := grpc.NewServer(opts...)
	genpb.RegisterAuthServer(srv, gengrpc.New(endpoints, nil, nil))
	hs := grpchealth.NewServer()
	healthpb.RegisterHealthServer(srv, hs)
	reflection.Register(srv)
	return &grpcServer{srv: srv, health: hs, db: db}
}

// serve serves on ln and keeps the health status ("" and "auth.Auth") in
// step with PostgreSQL until ctx is done.
func (g *grpcServer) serve(ctx context.Context, ln net.Listener) error {
	go g.followDatabase(ctx)
	return g.srv.Serve(ln)
}

func (g *grpcServer) followDatabase(ctx context.Context) {
	t := time.NewTicker(healthInterval)
	defer t.Stop()
	for {
		status := healthpb.HealthCheckResponse_SERVING
		pingCtx, cancel := context.WithTimeout(ctx, 2*time.Second)
		if err := g.db.Ping(pingCtx); err != nil {
			status = healthpb.HealthCheckResponse_NOT_SERVING
		}
		cancel()
		if ctx.Err() != nil {
			return
		}
		g.health.SetServingStatus("", status)
		g.health.SetServingStatus(genpb.Auth_ServiceDesc.ServiceName, status)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// shutdown stops accepting calls and waits for in-flight ones until ctx is
// done, then stops hard.
func (g *grpcServer) shutdown(ctx context.Context) error {
	g.health.Shutdown()
	done := make(chan struct{})
	go func() {
		g.srv.GracefulStop()
		close(done)
	}()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		g.srv.Stop()
		return ctx.Err()
	}
}
