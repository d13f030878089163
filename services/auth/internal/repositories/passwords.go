package repositories

import (
	"context"
	"errors"
	"fmt"
	"net/netip"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/infrastructure/platform/services/auth/gen/database"
	"github.com/infrastructure/platform/services/auth/internal/mail"
	"github.com/infrastructure/platform/services/auth/internal/ports"
)

// Passwords implements ports.Passwords.
type Passwords struct {
	pool    *pgxpool.Pool
	notices *Notices // nil: no mail
}

var _ ports.Passwords = (*Passwords)(nil)

// NewPasswords returns the password changes over pool, mailing through
// notices (nil: no mail).
func NewPasswords(pool *pgxpool.Pool, notices *Notices) *Passwords {
	return &Passwords{pool: pool, notices: notices}
}

// Change implements ports.Passwords.
func (p *Passwords) Change(ctx context.Context, userID uuid.UUID, hash []byte, r ports.Rotation, ip netip.Addr) (ports.Session, []uuid.UUID, error) {
	var (
		session ports.Session
		ids     []uuid.UUID
	)
	err := inTxWith(ctx, p.pool, "change password", func(tx pgx.Tx, q *database.Queries) error {
		var err error
		if session, err = rotate(ctx, q, r); err != nil {
			return err
		}
		if err := setPassword(ctx, q, userID, hash); err != nil {
			return err
		}
		if ids, err = q.RevokeOtherSessions(ctx, database.RevokeOtherSessionsParams{UserID: userID, Keep: session.ID}); err != nil {
			return wrap("change password: revoke other sessions", err)
		}
		if err := accountEvent(ctx, q, userID, ports.KindPasswordChanged, ip, ""); err != nil {
			return err
		}
		return p.notices.enqueue(ctx, tx, q, userID, mail.NoticePasswordChanged)
	})
	if err != nil {
		return ports.Session{}, nil, err
	}
	return session, append(ids, session.ID), nil
}

// Reset implements ports.Passwords.
func (p *Passwords) Reset(ctx context.Context, tokenHash, hash []byte) (uuid.UUID, []uuid.UUID, error) {
	var (
		userID uuid.UUID
		ids    []uuid.UUID
	)
	err := inTxWith(ctx, p.pool, "reset password", func(tx pgx.Tx, q *database.Queries) error {
		t, err := q.SpendEmailToken(ctx, database.SpendEmailTokenParams{TokenHash: tokenHash, Purpose: string(ports.LinkResetPassword)})
		if err = wrap("reset password: token", err); errors.Is(err, ports.ErrNotFound) {
			return fmt.Errorf("reset password: %w", ports.ErrInvalidToken)
		} else if err != nil {
			return err
		}
		userID = t.UserID
		if err := setPassword(ctx, q, userID, hash); err != nil {
			return err
		}
		if ids, err = q.RevokeUserSessions(ctx, userID); err != nil {
			return wrap("reset password: revoke sessions", err)
		}
		// The link reached the address: it is proved, and whoever holds
		// it may use the second factor again.
		if err := q.MarkEmailVerified(ctx, database.MarkEmailVerifiedParams{ID: userID, Email: t.Email}); err != nil {
			return wrap("reset password: email verified", err)
		}
		locked, err := q.SecondFactorLocked(ctx, userID)
		if err != nil {
			return wrap("reset password: second factor lock", err)
		}
		if _, err := q.UnlockSecondFactor(ctx, userID); err != nil {
			return wrap("reset password: unlock second factor", err)
		}
		if locked {
			if err := accountEvent(ctx, q, userID, ports.KindSecondFactorUnlocked, netip.IPv4Unspecified(), ""); err != nil {
				return err
			}
		}
		return p.notices.enqueue(ctx, tx, q, userID, mail.NoticePasswordReset)
	})
	if err != nil {
		return uuid.Nil, nil, err
	}
	return userID, ids, nil
}

func setPassword(ctx context.Context, q *database.Queries, userID uuid.UUID, hash []byte) error {
	n, err := q.SetPasswordHash(ctx, database.SetPasswordHashParams{ID: userID, PasswordHash: hash})
	if err != nil {
		return wrap("set password", err)
	}
	if n == 0 {
		return fmt.Errorf("set password: %w", ports.ErrNotFound)
	}
	return nil
}

// accountEvent records an event of the account in its activity: from the
// client address ip (unspecified for an act with no client), by the
// operator actor ("" for none).
func accountEvent(ctx context.Context, q *database.Queries, userID uuid.UUID, kind ports.AttemptKind, ip netip.Addr, actor string) error {
	if !ip.IsValid() { // no client address known
		ip = netip.IPv4Unspecified()
	}
	return wrap("record "+string(kind), q.InsertNotice(ctx, database.InsertNoticeParams{
		UserID: nullUUID(userID), Account: "user:" + userID.String(), Ip: ip, IpNet: ip, Kind: string(kind),
		Actor: pgtype.Text{String: actor, Valid: actor != ""},
	}))
}
