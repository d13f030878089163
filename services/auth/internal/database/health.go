package database

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5/pgxpool"
)

// Pinger reports whether PostgreSQL answers, for the health checks: on the
// pool of queries and, when it is another one (DATABASE_DIRECT_URL), on
// the direct pool that the revocation feed and the mail queue need.
type Pinger struct {
	Pool   *pgxpool.Pool
	Direct *pgxpool.Pool // nil or Pool: the same connection
}

// Name implements clue's health.Pinger.
func (Pinger) Name() string { return "postgresql" }

// Ping implements clue's health.Pinger.
func (p Pinger) Ping(ctx context.Context) error {
	if err := p.Pool.Ping(ctx); err != nil {
		return err
	}
	if p.Direct != nil && p.Direct != p.Pool {
		if err := p.Direct.Ping(ctx); err != nil {
			return fmt.Errorf("direct connection: %w", err)
		}
	}
	return nil
}
