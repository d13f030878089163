package repositories

import (
	"context"
	"fmt"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/infrastructure/platform/services/auth/gen/database"
	"github.com/infrastructure/platform/services/auth/internal/mail"
	"github.com/infrastructure/platform/services/auth/internal/ports"
)

// Users implements ports.Users.
type Users struct {
	pool    *pgxpool.Pool
	q       *database.Queries
	notices *Notices // nil: no mail
}

var _ ports.Users = (*Users)(nil)

// NewUsers returns the users repository over pool.
func NewUsers(pool *pgxpool.Pool) *Users {
	return &Users{pool: pool, q: database.New(pool)}
}

// MailWith makes the repository put the verification links of new
// accounts in the outbox n.
func (r *Users) MailWith(n *Notices) *Users {
	r.notices = n
	return r
}

// Register implements ports.Users: the user, its first session and its
// verification link are written in one transaction, so a failure leaves
// none of them.
func (r *Users) Register(ctx context.Context, user ports.NewUser, session ports.NewSession) (ports.User, ports.Session, error) {
	var (
		u ports.User
		s ports.Session
	)
	err := inTxWith(ctx, r.pool, "register", func(tx pgx.Tx, q *database.Queries) error {
		row, err := q.CreateUser(ctx, database.CreateUserParams{Email: user.Email, PasswordHash: user.PasswordHash})
		if isUniqueViolation(err, "users_email_key") {
			return fmt.Errorf("register: %w", ports.ErrEmailTaken)
		}
		if err != nil {
			return wrap("register: create user", err)
		}
		u = userFromCreateRow(row)
		if session.TokenHash != nil {
			session.UserID = row.ID
			srow, err := q.CreateSession(ctx, createSessionParams(session))
			if err != nil {
				return wrap("register: create session", err)
			}
			s = sessionFromCreateRow(srow)
		}
		return r.notices.link(ctx, tx, mail.LinkArgs{Purpose: mail.LinkVerifyEmail, UserID: row.ID.String()})
	})
	return u, s, err
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
