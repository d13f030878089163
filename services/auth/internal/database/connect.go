// Package database connects to PostgreSQL and applies the embedded
// migrations.
package database

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/cenkalti/backoff/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Connect opens a pool on url and waits until PostgreSQL answers, retrying
// with exponential backoff (100 ms doubling to 5 s) for at most timeout, so
// that the service survives starting before its database. The URL never
// appears in errors: it may hold a password.
func Connect(ctx context.Context, url string, timeout time.Duration, configure ...func(*pgxpool.Config)) (*pgxpool.Pool, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, errors.New("parse DATABASE_URL: invalid connection string")
	}
	for _, c := range configure {
		c(cfg)
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("create pool: %w", err)
	}
	if err := waitReady(ctx, pool, timeout); err != nil {
		pool.Close()
		return nil, err
	}
	return pool, nil
}

// waitReady pings until PostgreSQL answers or timeout passes, with
// jittered exponential backoff (100 ms doubling to 5 s).
func waitReady(ctx context.Context, pool *pgxpool.Pool, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	b := &backoff.ExponentialBackOff{InitialInterval: 100 * time.Millisecond, RandomizationFactor: 0.5, Multiplier: 2, MaxInterval: 5 * time.Second}
	var last error
	_, err := backoff.Retry(ctx, func() (struct{}, error) {
		pingCtx, cancelPing := context.WithTimeout(ctx, 5*time.Second)
		defer cancelPing()
		last = pool.Ping(pingCtx)
		return struct{}{}, last
	}, backoff.WithBackOff(b), backoff.WithMaxElapsedTime(timeout))
	if err != nil {
		if last == nil {
			last = err
		}
		return fmt.Errorf("database not reachable within %s: %w", timeout, last)
	}
	return nil
}
