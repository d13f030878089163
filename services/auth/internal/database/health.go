package database

import (
	"context"

	"github.com/jackc/pgx/v5/pgxpool"
)

// Pinger reports whether PostgreSQL answers, for the health checks.
type Pinger struct{ Pool *pgxpool.Pool }

// Name implements clue's health.Pinger.
func (Pinger) Name() string { return "postgresql" }

// Ping implements clue's health.Pinger.
func (p Pinger) Ping(ctx context.Context) error { return p.Pool.Ping(ctx) }
