// Package ports declares what the controllers need from the outside world,
// in domain terms. Repositories implement these interfaces; controllers own
// them. Each interface is small on purpose.
package ports

import (
	"context"

	"github.com/google/uuid"
)

// Users stores accounts.
type Users interface {
	// Register creates the user and its first session in one transaction.
	// It returns ErrEmailTaken when the email is in use.
	Register(ctx context.Context, user NewUser, session NewSession) (User, Session, error)
	// ByEmail returns the user with the normalized email and its password
	// hash, or ErrNotFound.
	ByEmail(ctx context.Context, email string) (UserCredentials, error)
	// ByID returns the user, or ErrNotFound.
	ByID(ctx context.Context, id uuid.UUID) (User, error)
}

// Sessions stores sessions, keyed by the SHA-256 hash of their token.
type Sessions interface {
	// Create stores a new session for an existing user.
	Create(ctx context.Context, session NewSession) (Session, error)
	// Validate returns the live session whose token hash matches, or
	// ErrNotFound when it is unknown, expired or revoked. It never writes.
	Validate(ctx context.Context, tokenHash []byte) (SessionIdentity, error)
	// Revoke ends the session at once. It returns ErrNotFound when the
	// session does not exist or is already revoked.
	Revoke(ctx context.Context, id uuid.UUID) error
}
