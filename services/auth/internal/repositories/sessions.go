package repositories

import (
	"context"
	"fmt"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/infrastructure/platform/services/auth/gen/database"
	"github.com/infrastructure/platform/services/auth/internal/mappers"
	"github.com/infrastructure/platform/services/auth/internal/ports"
)

// Sessions implements ports.Sessions.
type Sessions struct {
	q *database.Queries
}

var _ ports.Sessions = (*Sessions)(nil)

// NewSessions returns the sessions repository over pool.
func NewSessions(pool *pgxpool.Pool) *Sessions {
	return &Sessions{q: database.New(pool)}
}

// Create implements ports.Sessions.
func (r *Sessions) Create(ctx context.Context, s ports.NewSession) (ports.Session, error) {
	row, err := r.q.CreateSession(ctx, mappers.CreateSessionParams(s))
	if err != nil {
		return ports.Session{}, wrap("create session", err)
	}
	return mappers.SessionFromCreateRow(row), nil
}

// Validate implements ports.Sessions with one read through the unique index
// on token_hash.
func (r *Sessions) Validate(ctx context.Context, tokenHash []byte) (ports.SessionIdentity, error) {
	row, err := r.q.ValidateSession(ctx, tokenHash)
	if err != nil {
		return ports.SessionIdentity{}, wrap("validate session", err)
	}
	return mappers.SessionIdentityFromRow(row), nil
}

// Revoke implements ports.Sessions.
func (r *Sessions) Revoke(ctx context.Context, id uuid.UUID) error {
	n, err := r.q.RevokeSession(ctx, id)
	if err != nil {
		return wrap("revoke session", err)
	}
	if n == 0 {
		return fmt.Errorf("revoke session: %w", ports.ErrNotFound)
	}
	return nil
}

// Rotate implements ports.Sessions.
func (r *Sessions) Rotate(ctx context.Context, rot ports.Rotation) (ports.Session, error) {
	return rotate(ctx, r.q, rot)
}
