package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"

	"github.com/jackc/pgx/v5"
)

// createDatabase creates an empty database named bench_<random> on the
// server of adminURL (a role that may create databases) and returns its URL,
// with the same role, and a function that drops it. The auth binary
// migrates it. URLs never appear in errors: they hold a password.
func createDatabase(ctx context.Context, adminURL string) (dbURL string, drop func(context.Context) error, err error) {
	u, err := url.Parse(adminURL)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		return "", nil, errors.New("admin URL: not a postgres:// URL")
	}
	suffix := make([]byte, 6)
	_, _ = rand.Read(suffix) // never fails
	name := "bench_" + hex.EncodeToString(suffix)
	if err := adminExec(ctx, adminURL, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()); err != nil {
		return "", nil, fmt.Errorf("create database %s: %w", name, err)
	}
	u.Path = "/" + name
	drop = func(ctx context.Context) error {
		if err := adminExec(ctx, adminURL, "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)"); err != nil {
			return fmt.Errorf("drop database %s: %w", name, err)
		}
		return nil
	}
	return u.String(), drop, nil
}

// adminExec runs one statement on a connection of its own, opened for it:
// the drop must work even after the run's context was cancelled.
func adminExec(ctx context.Context, adminURL, sql string) error {
	conn, err := pgx.Connect(ctx, adminURL)
	if err != nil {
		return fmt.Errorf("connect with the admin URL (is PostgreSQL up? see README.md): %w", err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	_, err = conn.Exec(ctx, sql)
	return err
}
