package repositories

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/infrastructure/platform/services/auth/gen/database"
	"github.com/infrastructure/platform/services/auth/internal/mail"
	"github.com/infrastructure/platform/services/auth/internal/ports"
)

// EmailLinks implements ports.EmailLinks, and mail.Issuer for the outbox's
// worker.
type EmailLinks struct {
	pool    *pgxpool.Pool
	q       *database.Queries
	notices *Notices // nil: no mail
}

var (
	_ ports.EmailLinks = (*EmailLinks)(nil)
	_ mail.Issuer      = (*EmailLinks)(nil)
)

// NewEmailLinks returns the emailed links over pool; MailWith says where
// they are queued (none is, before).
func NewEmailLinks(pool *pgxpool.Pool) *EmailLinks {
	return &EmailLinks{pool: pool, q: database.New(pool)}
}

// MailWith makes the repository put its links in the outbox n.
func (l *EmailLinks) MailWith(n *Notices) *EmailLinks {
	l.notices = n
	return l
}

// RequestReset implements ports.EmailLinks: one insert into the outbox,
// whoever owns email.
func (l *EmailLinks) RequestReset(ctx context.Context, email string) error {
	return inTxWith(ctx, l.pool, "request reset", func(tx pgx.Tx, _ *database.Queries) error {
		return l.notices.link(ctx, tx, mail.LinkArgs{Purpose: mail.LinkResetPassword, Email: email})
	})
}

// RequestVerification implements ports.EmailLinks.
func (l *EmailLinks) RequestVerification(ctx context.Context, userID uuid.UUID) error {
	return inTxWith(ctx, l.pool, "request verification", func(tx pgx.Tx, q *database.Queries) error {
		u, err := q.LockUser(ctx, userID)
		if err != nil {
			return wrap("request verification", err)
		}
		if u.EmailVerified {
			return fmt.Errorf("request verification: %w", ports.ErrEmailVerified)
		}
		return l.notices.link(ctx, tx, mail.LinkArgs{Purpose: mail.LinkVerifyEmail, UserID: userID.String()})
	})
}

// Peek implements ports.EmailLinks.
func (l *EmailLinks) Peek(ctx context.Context, purpose ports.LinkPurpose, tokenHash []byte) (uuid.UUID, string, error) {
	row, err := l.q.PeekEmailToken(ctx, database.PeekEmailTokenParams{TokenHash: tokenHash, Purpose: string(purpose)})
	if err := invalidToken("peek link", err); err != nil {
		return uuid.Nil, "", err
	}
	return row.UserID, row.Email, nil
}

// Verify implements ports.EmailLinks.
func (l *EmailLinks) Verify(ctx context.Context, tokenHash []byte) (uuid.UUID, error) {
	var userID uuid.UUID
	err := inTx(ctx, l.pool, "verify email", func(q *database.Queries) error {
		t, err := q.SpendEmailToken(ctx, database.SpendEmailTokenParams{TokenHash: tokenHash, Purpose: string(ports.LinkVerifyEmail)})
		if err := invalidToken("verify email", err); err != nil {
			return err
		}
		userID = t.UserID
		return wrap("verify email", q.MarkEmailVerified(ctx, database.MarkEmailVerifiedParams{ID: t.UserID, Email: t.Email}))
	})
	return userID, err
}

// invalidToken classifies the error of reading a live token: no row is
// ports.ErrInvalidToken.
func invalidToken(op string, err error) error {
	err = wrap(op, err)
	if errors.Is(err, ports.ErrNotFound) {
		return fmt.Errorf("%s: %w", op, ports.ErrInvalidToken)
	}
	return err
}

// Issue implements mail.Issuer: the user's row is locked while its token
// is stored, so that a reset link made concurrently with another voids it
// or is voided by it, never neither.
func (l *EmailLinks) Issue(ctx context.Context, link mail.Link) (to, userID string, ok bool, err error) {
	purpose := ports.LinkPurpose(link.Purpose)
	err = inTx(ctx, l.pool, "issue link", func(q *database.Queries) error {
		var id uuid.UUID
		switch purpose {
		case ports.LinkResetPassword:
			u, err := q.GetUserByEmail(ctx, link.Email)
			if err = wrap("issue link", err); errors.Is(err, ports.ErrNotFound) {
				return nil // no such account: nothing to send
			} else if err != nil {
				return err
			}
			id = u.ID
		case ports.LinkVerifyEmail:
			var err error
			if id, err = uuid.Parse(link.UserID); err != nil {
				return fmt.Errorf("issue link: user id: %w", err)
			}
		default:
			return fmt.Errorf("issue link: unknown purpose %q", link.Purpose)
		}
		u, err := q.LockUser(ctx, id)
		if err = wrap("issue link", err); errors.Is(err, ports.ErrNotFound) {
			return nil // deleted since
		} else if err != nil {
			return err
		}
		if u.Disabled || (purpose == ports.LinkVerifyEmail && u.EmailVerified) {
			return nil
		}
		if purpose == ports.LinkResetPassword {
			if err := q.VoidEmailTokens(ctx, database.VoidEmailTokensParams{UserID: id, Purpose: string(purpose)}); err != nil {
				return wrap("issue link: void older links", err)
			}
		}
		err = q.InsertEmailToken(ctx, database.InsertEmailTokenParams{
			UserID: id, Purpose: string(purpose), TokenHash: link.TokenHash, Email: u.Email,
			TtlSeconds: int64(purpose.TTL().Seconds()),
		})
		if err != nil {
			return wrap("issue link: store token", err)
		}
		to, userID, ok = u.Email, id.String(), true
		return nil
	})
	if err != nil {
		return "", "", false, err
	}
	return to, userID, ok, nil
}

// DeleteExpired deletes at most batch links that expired before cutoff and
// returns how many it deleted (the janitor's Deleter).
func (l *EmailLinks) DeleteExpired(ctx context.Context, cutoff time.Time, batch int) (int, error) {
	n, err := l.q.DeleteExpiredEmailTokens(ctx, database.DeleteExpiredEmailTokensParams{Cutoff: cutoff, BatchSize: int32(batch)})
	if err != nil {
		return 0, wrap("delete expired links", err)
	}
	return int(n), nil
}
