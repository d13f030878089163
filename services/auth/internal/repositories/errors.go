// Package repositories implements the ports over sqlc queries and a pgx pool.
package repositories

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/infrastructure/platform/services/auth/internal/ports"
)

// PostgreSQL error codes the repositories act on.
const uniqueViolation = "23505"

// wrap gives err the context op and classifies it: no rows is
// ports.ErrNotFound, a failure to reach PostgreSQL is ports.ErrUnavailable,
// anything else stays as it is.
func wrap(op string, err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, pgx.ErrNoRows):
		return fmt.Errorf("%s: %w", op, ports.ErrNotFound)
	case unavailable(err):
		return fmt.Errorf("%s: %w: %w", op, ports.ErrUnavailable, err)
	default:
		return fmt.Errorf("%s: %w", op, err)
	}
}

// unavailable reports whether err means the database cannot serve now, as
// opposed to a bad query or a constraint.
func unavailable(err error) bool {
	var connectErr *pgconn.ConnectError
	if errors.As(err, &connectErr) { // whatever refused the connection
		return true
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		switch {
		case strings.HasPrefix(pgErr.Code, "08"): // connection exception
			return true
		case pgErr.Code == "57P01", pgErr.Code == "57P02", pgErr.Code == "57P03": // shutdown, cannot connect now
			return true
		case pgErr.Code == "53300": // too many connections
			return true
		}
		return false
	}
	var netErr net.Error
	return errors.As(err, &netErr) || errors.Is(err, context.DeadlineExceeded) ||
		pgconn.SafeToRetry(err) || pgconn.Timeout(err)
}

// isUniqueViolation reports whether err violates the named constraint.
func isUniqueViolation(err error, constraint string) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && pgErr.Code == uniqueViolation && pgErr.ConstraintName == constraint
}

func errorsIsNotFound(err error) bool { return errors.Is(err, ports.ErrNotFound) }
