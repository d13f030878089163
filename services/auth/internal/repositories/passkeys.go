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

// Passkeys implements ports.Passkeys and ports.PasskeyChallenges.
type Passkeys struct {
	notices *Notices // nil: no mail
	pool    *pgxpool.Pool
	q       *database.Queries
}

var (
	_ ports.Passkeys          = (*Passkeys)(nil)
	_ ports.PasskeyChallenges = (*Passkeys)(nil)
)

// NewPasskeys returns the passkey repository over pool.
func NewPasskeys(pool *pgxpool.Pool) *Passkeys {
	return &Passkeys{pool: pool, q: database.New(pool)}
}

// MailWith makes the repository put its security notices in the outbox n.
func (r *Passkeys) MailWith(n *Notices) *Passkeys {
	r.notices = n
	return r
}

// expiredBatch bounds the abandoned ceremonies each Save deletes.
const expiredBatch = 100

// Save implements ports.PasskeyChallenges.
func (r *Passkeys) Save(ctx context.Context, c ports.PasskeyChallenge) error {
	return inTx(ctx, r.pool, "save passkey challenge", func(q *database.Queries) error {
		if err := q.DeleteExpiredChallenges(ctx, expiredBatch); err != nil {
			return wrap("delete expired challenges", err)
		}
		if c.SessionID != uuid.Nil {
			if err := q.DeleteSessionChallenges(ctx, database.DeleteSessionChallengesParams{SessionID: nullUUID(c.SessionID), Flow: string(c.Flow)}); err != nil {
				return wrap("delete pending challenge", err)
			}
		}
		return wrap("insert challenge", q.CreateWebAuthnChallenge(ctx, database.CreateWebAuthnChallengeParams{
			ChallengeHash: c.ChallengeHash, Flow: string(c.Flow), UserID: nullUUID(c.UserID), SessionID: nullUUID(c.SessionID),
			SessionData: c.Data, TtlSeconds: ports.ChallengeTTL.Seconds(),
		}))
	})
}

// Take implements ports.PasskeyChallenges.
func (r *Passkeys) Take(ctx context.Context, challengeHash []byte) (ports.PasskeyChallenge, error) {
	row, err := r.q.TakeWebAuthnChallenge(ctx, challengeHash)
	if err != nil {
		return ports.PasskeyChallenge{}, wrap("take passkey challenge", err)
	}
	return ports.PasskeyChallenge{
		ChallengeHash: challengeHash, Flow: ports.PasskeyFlow(row.Flow),
		UserID: row.UserID.UUID, SessionID: row.SessionID.UUID, Data: row.SessionData,
	}, nil
}

// List implements ports.Passkeys.
func (r *Passkeys) List(ctx context.Context, userID uuid.UUID) ([]ports.Passkey, error) {
	rows, err := r.q.ListWebAuthnCredentials(ctx, userID)
	if err != nil {
		return nil, wrap("list passkeys", err)
	}
	out := make([]ports.Passkey, len(rows))
	for i, row := range rows {
		out[i] = passkeyFromRow(row)
	}
	return out, nil
}

// ByCredentialID implements ports.Passkeys.
func (r *Passkeys) ByCredentialID(ctx context.Context, credentialID []byte) (ports.PasskeyOwner, error) {
	row, err := r.q.GetWebAuthnCredentialOwner(ctx, credentialID)
	if err != nil {
		return ports.PasskeyOwner{}, wrap("passkey by credential id", err)
	}
	return passkeyOwnerFromRow(row), nil
}

// Register implements ports.Passkeys.
func (r *Passkeys) Register(ctx context.Context, reg ports.PasskeyRegistration) (ports.Passkey, bool, ports.Session, error) {
	var (
		stored  = reg.Passkey
		codes   bool
		session ports.Session
	)
	err := inTxWith(ctx, r.pool, "register passkey", func(tx pgx.Tx, q *database.Queries) error {
		row, err := q.InsertWebAuthnCredential(ctx, insertPasskeyParams(reg.Passkey))
		if isUniqueViolation(err, "webauthn_credentials_credential_id_key") {
			return fmt.Errorf("register passkey: %w", ports.ErrPasskeyTaken)
		}
		if err != nil {
			return wrap("insert passkey", err)
		}
		stored.ID, stored.CreatedAt = row.ID, row.CreatedAt
		if err := q.SetMFAEnabled(ctx, database.SetMFAEnabledParams{ID: reg.Passkey.UserID, MfaEnabled: true}); err != nil {
			return wrap("enable mfa", err)
		}
		left, err := q.CountBackupCodes(ctx, reg.Passkey.UserID)
		if err != nil {
			return wrap("count backup codes", err)
		}
		if left == 0 && len(reg.BackupCodes) > 0 {
			if err := replaceBackupCodes(ctx, q, reg.Passkey.UserID, reg.BackupCodes); err != nil {
				return err
			}
			codes = true
		}
		if session, err = rotate(ctx, q, reg.Rotation); err != nil {
			return err
		}
		if err := accountEvent(ctx, q, reg.Passkey.UserID, ports.KindPasskeyRegistered, reg.IP, ""); err != nil {
			return err
		}
		return r.notices.enqueue(ctx, tx, q, reg.Passkey.UserID, mail.NoticePasskeyAdded)
	})
	return stored, codes, session, err
}

// StepUp implements ports.Passkeys.
func (r *Passkeys) StepUp(ctx context.Context, use ports.PasskeyUse, rot ports.Rotation) (ports.Session, error) {
	var session ports.Session
	err := r.use(ctx, use, func(q *database.Queries) (err error) {
		session, err = rotate(ctx, q, rot)
		return err
	})
	return session, err
}

// SignIn implements ports.Passkeys.
func (r *Passkeys) SignIn(ctx context.Context, use ports.PasskeyUse, ns ports.NewSession) (ports.Session, error) {
	var session ports.Session
	err := r.use(ctx, use, func(q *database.Queries) error {
		ns.UserID = use.UserID
		row, err := q.CreateSession(ctx, createSessionParams(ns))
		if err != nil {
			return wrap("create session", err)
		}
		session = sessionFromCreateRow(row)
		return nil
	})
	return session, err
}

// use advances the passkey's counter, then runs then, in one transaction.
// A counter that did not grow commits its event alone and fails with
// ports.ErrCounterRegressed: the refusal leaves a trace.
func (r *Passkeys) use(ctx context.Context, use ports.PasskeyUse, then func(q *database.Queries) error) error {
	regressed := false
	err := inTx(ctx, r.pool, "use passkey", func(q *database.Queries) error {
		n, err := q.AdvanceSignCount(ctx, database.AdvanceSignCountParams{ID: use.ID, SignCount: int64(use.SignCount), BackupState: use.BackupState})
		if err != nil {
			return wrap("advance sign count", err)
		}
		if n == 0 {
			regressed = true
			return accountEvent(ctx, q, use.UserID, ports.KindPasskeyCounterRegressed, use.IP, "")
		}
		return then(q)
	})
	if err == nil && regressed {
		return fmt.Errorf("use passkey: %w", ports.ErrCounterRegressed)
	}
	return err
}

// Delete implements ports.Passkeys. The user's row is locked first, so
// that concurrent deletions of two passkeys cannot both miss that the
// other leaves no second factor.
func (r *Passkeys) Delete(ctx context.Context, userID, id uuid.UUID, allowLast bool, ip netip.Addr) (bool, error) {
	mfaOff := false
	err := inTxWith(ctx, r.pool, "delete passkey", func(tx pgx.Tx, q *database.Queries) error {
		if _, err := q.LockUser(ctx, userID); err != nil {
			return wrap("delete passkey: lock user", err)
		}
		n, err := q.DeleteWebAuthnCredential(ctx, database.DeleteWebAuthnCredentialParams{ID: id, UserID: userID})
		if err != nil {
			return wrap("delete passkey", err)
		}
		if n == 0 {
			return fmt.Errorf("delete passkey: %w", ports.ErrNotFound)
		}
		left, err := q.SecondFactorsLeft(ctx, userID)
		if err != nil {
			return wrap("count second factors", err)
		}
		if left == 0 {
			if !allowLast {
				return fmt.Errorf("delete passkey: %w", ports.ErrLastSecondFactor)
			}
			if err := turnMFAOff(ctx, q, userID); err != nil {
				return err
			}
			mfaOff = true
		}
		if err := accountEvent(ctx, q, userID, ports.KindPasskeyDeleted, ip, ""); err != nil {
			return err
		}
		return r.notices.enqueue(ctx, tx, q, userID, mail.NoticePasskeyRemoved)
	})
	return mfaOff, err
}

// turnMFAOff removes the backup codes and turns MFA off: the user has no
// second factor left.
func turnMFAOff(ctx context.Context, q *database.Queries, userID uuid.UUID) error {
	if err := q.DeleteBackupCodes(ctx, userID); err != nil {
		return wrap("delete backup codes", err)
	}
	return wrap("disable mfa", q.SetMFAEnabled(ctx, database.SetMFAEnabledParams{ID: userID, MfaEnabled: false}))
}
