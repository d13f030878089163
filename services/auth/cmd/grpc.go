package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"runtime"
	"runtime/debug"
	"time"

	"github.com/grpc-ecosystem/go-grpc-middleware/v2/interceptors/recovery"
	"go.opentelemetry.io/contrib/instrumentation/google.golang.org/grpc/otelgrpc"
	"goa.design/clue/health"
	"goa.design/clue/log"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	grpchealth "google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/keepalive"
	"google.golang.org/grpc/reflection"
	"google.golang.org/grpc/status"

	"github.com/infrastructure/platform/internal/logging"
	"github.com/infrastructure/platform/internal/tlsreload"
	genauth "github.com/infrastructure/platform/services/auth/gen/auth"
	genpb "github.com/infrastructure/platform/services/auth/gen/grpc/auth/pb"
	gengrpc "github.com/infrastructure/platform/services/auth/gen/grpc/auth/server"
	"github.com/infrastructure/platform/services/auth/internal/grpcauthz"
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

func newGRPCServer(ctx context.Context, endpoints *genauth.Endpoints, db health.Pinger, tlsFiles tlsreload.Files, guard *grpcauthz.Guard, tel *telemetry) (*grpcServer, error) {
	opts := serverOptions(ctx, guard)
	opts = append(opts,
		grpc.StatsHandler(otelgrpc.NewServerHandler(otelgrpc.WithTracerProvider(tel.tracer), otelgrpc.WithMeterProvider(tel.meter))))
	if tlsFiles != (tlsreload.Files{}) {
		// Each handshake uses the files as they are then (rotation needs
		// no restart). With GRPC_CLIENT_CA, the handshake itself refuses
		// clients without a certificate signed by that CA.
		src, err := tlsreload.New(tlsFiles, tlsreload.Options{OnError: func(err error) {
			log.Error(ctx, err, log.KV{K: "msg", V: "new gRPC TLS files not taken; serving the previous ones"})
		}})
		if err != nil {
			return nil, fmt.Errorf("GRPC_TLS_CERT: %w", err)
		}
		opts = append(opts, grpc.Creds(src.ServerCredentials()))
	}
	srv := grpc.NewServer(opts...)
	genpb.RegisterAuthServer(srv, gengrpc.New(endpoints, nil, nil))
	hs := grpchealth.NewServer()
	healthpb.RegisterHealthServer(srv, hs)
	reflection.Register(srv)
	return &grpcServer{srv: srv, health: hs, db: db}, nil
}

// Bounds of the gRPC server: what one connection or one caller can hold.
const (
	// maxConcurrentStreams bounds the calls in flight on one connection.
	maxConcurrentStreams = 512
	// maxRequestBytes bounds a request message: every request of the API
	// is a token or an id (reflection's are small too).
	maxRequestBytes = 16 << 10
)

// keepalive settings: clients may ping every 20 s (the client package
// pings every 30 s, also without calls, so that a broken connection is
// noticed before a call needs it); idle connections close after 15
// minutes; every connection is replaced after an hour (spreading clients
// over replicas that joined since, and ending connections made with a
// rotated certificate), with ten minutes for its calls and revocation
// streams to finish (the client package resubscribes at once).
var (
	keepaliveEnforcement = keepalive.EnforcementPolicy{MinTime: 20 * time.Second, PermitWithoutStream: true}
	keepaliveParams      = keepalive.ServerParameters{
		MaxConnectionIdle:     15 * time.Minute,
		MaxConnectionAge:      time.Hour,
		MaxConnectionAgeGrace: 10 * time.Minute,
		Time:                  time.Minute,
		Timeout:               20 * time.Second,
	}
)

// serverOptions are the interceptors and bounds of the gRPC server, in
// order: the access line (outermost, so that it records what the caller
// got), panic recovery, then authorization (a refused call reaches no
// handler).
func serverOptions(ctx context.Context, guard *grpcauthz.Guard) []grpc.ServerOption {
	onPanic := recovery.WithRecoveryHandlerContext(recoverPanic)
	return []grpc.ServerOption{
		grpc.ChainUnaryInterceptor(logging.UnaryServerInterceptor(ctx),
			recovery.UnaryServerInterceptor(onPanic), guard.UnaryServerInterceptor()),
		grpc.ChainStreamInterceptor(logging.StreamServerInterceptor(ctx),
			recovery.StreamServerInterceptor(onPanic), guard.StreamServerInterceptor()),
		// Calls run on long-lived worker goroutines whose stacks have
		// already grown, instead of a new goroutine per call that grows
		// its stack again (runtime.morestack was a tenth of the CPU of
		// ValidateSession). Beyond streamWorkers calls at once, grpc-go
		// starts goroutines as usual.
		grpc.NumStreamWorkers(streamWorkers),
		grpc.MaxConcurrentStreams(maxConcurrentStreams),
		grpc.MaxRecvMsgSize(maxRequestBytes),
		grpc.KeepaliveEnforcementPolicy(keepaliveEnforcement),
		grpc.KeepaliveParams(keepaliveParams),
	}
}

// recoverPanic turns a handler's panic into Internal and logs it once with
// its stack. The panic value is logged only when it is a runtime error
// (an index out of range, a nil dereference): any other value could hold
// whatever the handler had in hand, a token included.
func recoverPanic(ctx context.Context, p any) error {
	what := fmt.Sprintf("a value of type %T", p)
	if re, ok := p.(runtime.Error); ok {
		what = re.Error()
	}
	log.Error(ctx, errors.New("panic in a gRPC handler"),
		log.KV{K: "msg", V: "handler panicked; the call answered Internal"},
		log.KV{K: "panic", V: what},
		log.KV{K: "stack", V: string(debug.Stack())})
	return status.Error(codes.Internal, "internal error")
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
