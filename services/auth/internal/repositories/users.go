package repositories

import (
	"context"
	"fmt"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/infrastructure/platform/services/auth/gen/database"
	"github.com/infrastructure/platform/services/auth/internal/ports"
)

// Users implements ports.Users.
type Users struct {
	pool *pgxpool.Pool
	q    *database.Queries
}

var _ ports.Users = (*Users)(nil)

// NewUsers returns the users repository over pool.
func NewUsers(pool *pgxpool.Pool) *Users {
	return &Users{pool: pool, q: database.New(pool)}
}

// Register implements ports.Users: the user and its first session are
// written in one transaction, so a failure leaves neither.
func (r *Users) Register(ctx context.Context, user ports.NewUser, session ports.NewSession) (ports.User, ports.Session, error) {
	tx, err := r.pool.Begin(ctx)
	if err != nil {
		return ports.User{}, ports.Session{}, wrap("register: begin", err)
	}
	defer tx.Rollback(ctx) //nolint:errcheck // a no-op after Commit
	q := r.q.WithTx(tx)

	row, err := q.CreateUser(ctx, database.CreateUserParams{Email: user.Email, PasswordHash: user.PasswordHash})
	if isUniqueViolation(err, "users_email_key") {
		return ports.User{}, ports.Session{}, fmt.Errorf("register: %w", ports.ErrEmailTaken)
	}
	if err != nil {
		return ports.User{}, ports.Session{}, wrap("register: create user", err)
	}
	session.UserID = row.ID
	srow, err := q.CreateSession(ctx, createSessionParams(session))
	if err != nil {
		return ports.User{}, ports.Session{}, wrap("register: create session", err)
	}
	if err := tx.Commit(ctx); err != nil {
		return ports.User{}, ports.Session{}, wrap("register: commit", err)
	}
	return userFromCreateRow(row), sessionFromCreateRow(srow), nil
}

// ByEmail implements ports.Users.
func (r *Users) ByEmail(ctx context.Context, email string) (ports.UserCredentials, error) {
	row, err := r.q.GetUserByEmail(ctx, email)
	if err != nil {
		return ports.UserCredentials{}, wrap("user by email", err)
	}
	return userCredentialsFromRow(row), nil
}

// ByID implements ports.Users.
func (r *Users) ByID(ctx context.Context, id uuid.UUID) (ports.User, error) {
	row, err := r.q.GetUserByID(ctx, id)
	if err != nil {
		return ports.User{}, wrap("user by id", err)
	}
	return userFromIDRow(row), nil
}
