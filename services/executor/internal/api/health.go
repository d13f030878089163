package api

import (
	"context"
	"fmt"
	"time"

	"goa.design/clue/health"
	"google.golang.org/grpc"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"

	genpb "github.com/infrastructure/platform/services/auth/gen/grpc/auth/pb"
)

// pingTimeout bounds one health check: clue's checker gives the pinger a
// context without a deadline.
const pingTimeout = 2 * time.Second

// authPinger asks the auth service's standard gRPC health service about
// the auth.Auth service, which follows the auth service's database.
type authPinger struct {
	health healthpb.HealthClient
}

// NewAuthPinger returns the health.Pinger of the auth service, over conn (a
// connection to its gRPC address).
func NewAuthPinger(conn grpc.ClientConnInterface) health.Pinger {
	return authPinger{health: healthpb.NewHealthClient(conn)}
}

// Name implements health.Pinger.
func (authPinger) Name() string { return "auth" }

// Ping implements health.Pinger: nil only for SERVING.
func (p authPinger) Ping(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, pingTimeout)
	defer cancel()
	res, err := p.health.Check(ctx, &healthpb.HealthCheckRequest{Service: genpb.Auth_ServiceDesc.ServiceName})
	if err != nil {
		return fmt.Errorf("auth health check: %w", err)
	}
	if s := res.GetStatus(); s != healthpb.HealthCheckResponse_SERVING {
		return fmt.Errorf("auth health check: %s", s)
	}
	return nil
}
