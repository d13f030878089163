package repositories

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/infrastructure/platform/services/auth/gen/database"
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
	row, err := r.q.CreateSession(ctx, createSessionParams(s))
	if err != nil {
		return ports.Session{}, wrap("create session", err)
	}
	return sessionFromCreateRow(row), nil
}

// Validate implements ports.Sessions with one read through the unique index
// on token_hash.
func (r *Sessions) Validate(ctx context.Context, tokenHash []byte) (ports.SessionIdentity, error) {
	row, err := r.q.ValidateSession(ctx, tokenHash)
	if err != nil {
		return ports.SessionIdentity{}, wrap("validate session", err)
	}
	return sessionIdentityFromRow(row), nil
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

var _ ports.SessionDirectory = (*Sessions)(nil)

// ListByUser implements ports.SessionDirectory.
func (r *Sessions) ListByUser(ctx context.Context, userID uuid.UUID) ([]ports.Session, error) {
	rows, err := r.q.ListUserSessions(ctx, userID)
	if err != nil {
		return nil, wrap("list sessions", err)
	}
	out := make([]ports.Session, len(rows))
	for i, row := range rows {
		out[i] = sessionFromListRow(row)
	}
	return out, nil
}

// RevokeOwn implements ports.SessionDirectory.
func (r *Sessions) RevokeOwn(ctx context.Context, id, userID uuid.UUID) error {
	n, err := r.q.RevokeOwnSession(ctx, database.RevokeOwnSessionParams{ID: id, UserID: userID})
	if err != nil {
		return wrap("revoke own session", err)
	}
	if n == 0 {
		return fmt.Errorf("revoke own session: %w", ports.ErrNotFound)
	}
	return nil
}

// RevokeOthers implements ports.SessionDirectory.
func (r *Sessions) RevokeOthers(ctx context.Context, userID, keep uuid.UUID) ([]uuid.UUID, error) {
	ids, err := r.q.RevokeOtherSessions(ctx, database.RevokeOtherSessionsParams{UserID: userID, Keep: keep})
	return ids, wrap("revoke other sessions", err)
}

// RevokeAll implements ports.SessionDirectory.
func (r *Sessions) RevokeAll(ctx context.Context, userID uuid.UUID) ([]uuid.UUID, error) {
	ids, err := r.q.RevokeUserSessions(ctx, userID)
	return ids, wrap("revoke user sessions", err)
}

// DeleteExpired deletes at most batch sessions that ended before cutoff and
// counts them.
func (r *Sessions) DeleteExpired(ctx context.Context, cutoff time.Time, batch int) (int, error) {
	n, err := r.q.DeleteExpiredSessions(ctx, database.DeleteExpiredSessionsParams{Cutoff: cutoff, BatchSize: int32(batch)})
	return int(n), wrap("delete expired sessions", err)
}
