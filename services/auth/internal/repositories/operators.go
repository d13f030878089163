package repositories

import (
	"context"
	"fmt"
	"net/netip"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/infrastructure/platform/services/auth/gen/database"
	"github.com/infrastructure/platform/services/auth/internal/mail"
	"github.com/infrastructure/platform/services/auth/internal/ports"
)

// Operators implements ports.Operators.
type Operators struct {
	pool    *pgxpool.Pool
	notices *Notices // nil: no mail
}

var _ ports.Operators = (*Operators)(nil)

// NewOperators returns the operator acts over pool, mailing through
// notices (nil: no mail).
func NewOperators(pool *pgxpool.Pool, notices *Notices) *Operators {
	return &Operators{pool: pool, notices: notices}
}

// Disable implements ports.Operators.
func (o *Operators) Disable(ctx context.Context, userID uuid.UUID, actor string) ([]uuid.UUID, error) {
	var ids []uuid.UUID
	err := inTxWith(ctx, o.pool, "disable user", func(tx pgx.Tx, q *database.Queries) error {
		if err := setDisabled(ctx, q, userID, true); err != nil {
			return err
		}
		var err error
		if ids, err = q.RevokeUserSessions(ctx, userID); err != nil {
			return wrap("disable user: revoke sessions", err)
		}
		if err := operatorEvent(ctx, q, userID, ports.KindAccountDisabled, actor); err != nil {
			return err
		}
		return o.notices.enqueue(ctx, tx, q, userID, mail.NoticeAccountDisabled)
	})
	return ids, err
}

// Enable implements ports.Operators.
func (o *Operators) Enable(ctx context.Context, userID uuid.UUID, actor string) error {
	return inTx(ctx, o.pool, "enable user", func(q *database.Queries) error {
		if err := setDisabled(ctx, q, userID, false); err != nil {
			return err
		}
		return operatorEvent(ctx, q, userID, ports.KindAccountEnabled, actor)
	})
}

// ResetMFA implements ports.Operators.
func (o *Operators) ResetMFA(ctx context.Context, userID uuid.UUID, actor string) ([]uuid.UUID, error) {
	var ids []uuid.UUID
	err := inTxWith(ctx, o.pool, "reset mfa", func(tx pgx.Tx, q *database.Queries) error {
		if _, err := q.GetUserByID(ctx, userID); err != nil {
			return wrap("reset mfa", err)
		}
		if _, err := q.DeleteTOTP(ctx, userID); err != nil {
			return wrap("reset mfa: totp", err)
		}
		if err := q.DeleteUserWebAuthnCredentials(ctx, userID); err != nil {
			return wrap("reset mfa: passkeys", err)
		}
		if err := turnMFAOff(ctx, q, userID); err != nil {
			return err
		}
		var err error
		if ids, err = q.RevokeUserSessions(ctx, userID); err != nil {
			return wrap("reset mfa: revoke sessions", err)
		}
		if err := operatorEvent(ctx, q, userID, ports.KindMFAReset, actor); err != nil {
			return err
		}
		return o.notices.enqueue(ctx, tx, q, userID, mail.NoticeMFAReset)
	})
	return ids, err
}

func setDisabled(ctx context.Context, q *database.Queries, userID uuid.UUID, disabled bool) error {
	n, err := q.SetDisabled(ctx, database.SetDisabledParams{ID: userID, Disabled: disabled})
	if err != nil {
		return wrap("set disabled", err)
	}
	if n == 0 {
		return fmt.Errorf("set disabled: %w", ports.ErrNotFound)
	}
	return nil
}

// operatorEvent records an operator act in the user's activity: an act
// with no client address.
func operatorEvent(ctx context.Context, q *database.Queries, userID uuid.UUID, kind ports.AttemptKind, actor string) error {
	return accountEvent(ctx, q, userID, kind, netip.IPv4Unspecified(), actor)
}
