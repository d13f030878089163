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

// TOTPCredentials implements ports.TOTPCredentials.
type TOTPCredentials struct {
	notices *Notices // nil: no mail
	pool    *pgxpool.Pool
	q       *database.Queries
}

var _ ports.TOTPCredentials = (*TOTPCredentials)(nil)

// NewTOTPCredentials returns the TOTP repository over pool.
func NewTOTPCredentials(pool *pgxpool.Pool) *TOTPCredentials {
	return &TOTPCredentials{pool: pool, q: database.New(pool)}
}

var pendingTTLSeconds = ports.PendingEnrollmentTTL.Seconds()

// SavePending implements ports.TOTPCredentials.
func (r *TOTPCredentials) SavePending(ctx context.Context, userID uuid.UUID, s ports.Sealed) error {
	_, err := r.q.SavePendingTOTP(ctx, database.SavePendingTOTPParams{
		UserID: userID, SecretCiphertext: s.Ciphertext, KeyVersion: s.KeyVersion,
	})
	err = wrap("save pending totp", err)
	if errorsIsNotFound(err) { // the upsert skipped an active credential
		return fmt.Errorf("save pending totp: %w", ports.ErrTOTPActive)
	}
	return err
}

// Get implements ports.TOTPCredentials.
func (r *TOTPCredentials) Get(ctx context.Context, userID uuid.UUID) (ports.TOTPCredential, error) {
	row, err := r.q.GetTOTP(ctx, database.GetTOTPParams{UserID: userID, PendingTtlSeconds: pendingTTLSeconds})
	if err != nil {
		return ports.TOTPCredential{}, wrap("get totp", err)
	}
	return tOTPCredentialFromRow(row), nil
}

// Enroll implements ports.TOTPCredentials.
func (r *TOTPCredentials) Enroll(ctx context.Context, e ports.Enrollment) (ports.Session, error) {
	var session ports.Session
	err := inTxWith(ctx, r.pool, "enroll totp", func(tx pgx.Tx, q *database.Queries) error {
		n, err := q.ActivateTOTP(ctx, database.ActivateTOTPParams{
			UserID: e.UserID, Step: e.Step, PendingTtlSeconds: pendingTTLSeconds,
		})
		if err != nil {
			return wrap("activate totp", err)
		}
		if n == 0 {
			// Either the enrollment is gone (expired, replaced, already
			// confirmed) or the step was used: tell which.
			// A concurrent request that confirmed the enrollment with the
			// same code makes this one a replay.
			cred, err := q.GetTOTP(ctx, database.GetTOTPParams{UserID: e.UserID, PendingTtlSeconds: pendingTTLSeconds})
			switch {
			case err != nil:
				return wrap("activate totp", err)
			case cred.LastStep >= e.Step && (cred.State == "active" || !cred.Expired):
				return fmt.Errorf("activate totp: %w", ports.ErrCodeRejected)
			default:
				return fmt.Errorf("activate totp: %w", ports.ErrNotFound)
			}
		}
		if err := q.SetMFAEnabled(ctx, database.SetMFAEnabledParams{ID: e.UserID, MfaEnabled: true}); err != nil {
			return wrap("enable mfa", err)
		}
		if err := replaceBackupCodes(ctx, q, e.UserID, e.BackupCodes); err != nil {
			return err
		}
		if session, err = rotate(ctx, q, e.Rotation); err != nil {
			return err
		}
		return r.notices.enqueue(ctx, tx, q, e.UserID, mail.NoticeTOTPEnabled)
	})
	return session, err
}

// StepUp implements ports.TOTPCredentials.
func (r *TOTPCredentials) StepUp(ctx context.Context, userID uuid.UUID, step int64, rot ports.Rotation) (ports.Session, error) {
	var session ports.Session
	err := inTx(ctx, r.pool, "totp step-up", func(q *database.Queries) error {
		if err := consumeStep(ctx, q, userID, step); err != nil {
			return err
		}
		var err error
		session, err = rotate(ctx, q, rot)
		return err
	})
	return session, err
}

// Disable implements ports.TOTPCredentials.
func (r *TOTPCredentials) Disable(ctx context.Context, userID uuid.UUID, step int64) error {
	return inTxWith(ctx, r.pool, "disable totp", func(tx pgx.Tx, q *database.Queries) error {
		if err := consumeStep(ctx, q, userID, step); err != nil {
			return err
		}
		if _, err := q.DeleteTOTP(ctx, userID); err != nil {
			return wrap("delete totp", err)
		}
		// A passkey left is still a second factor: MFA and the backup
		// codes stay with it.
		left, err := q.SecondFactorsLeft(ctx, userID)
		if err != nil {
			return wrap("count second factors", err)
		}
		if left == 0 {
			if err := turnMFAOff(ctx, q, userID); err != nil {
				return err
			}
		}
		return r.notices.enqueue(ctx, tx, q, userID, mail.NoticeTOTPDisabled)
	})
}

// consumeStep advances last_step to step, or fails with ErrCodeRejected
// when it is not after the last accepted one. The row lock it takes
// serializes concurrent requests: one wins, the others find last_step
// already at step.
func consumeStep(ctx context.Context, q *database.Queries, userID uuid.UUID, step int64) error {
	n, err := q.ConsumeTOTPStep(ctx, database.ConsumeTOTPStepParams{UserID: userID, Step: step})
	if err != nil {
		return wrap("consume totp step", err)
	}
	if n == 0 {
		return fmt.Errorf("consume totp step: %w", ports.ErrCodeRejected)
	}
	return nil
}

// rotationBatch is how many secrets Reseal handles per query.
const rotationBatch = 100

// Reseal re-encrypts, under the current key version, every secret sealed
// under another one: reseal opens and seals one secret. Each row is
// updated only if its key version is still the one read, so a concurrent
// enrollment is never overwritten. Secrets that reseal cannot open are
// counted as failed and left as they are.
func (r *TOTPCredentials) Reseal(ctx context.Context, current int32, reseal func(uuid.UUID, ports.Sealed) (ports.Sealed, error)) (resealed, failed int, err error) {
	after := uuid.Nil
	for {
		rows, err := r.q.ListTOTPForRotation(ctx, database.ListTOTPForRotationParams{
			CurrentVersion: current, After: after, BatchSize: rotationBatch,
		})
		if err != nil {
			return resealed, failed, wrap("list secrets to rotate", err)
		}
		for _, row := range rows {
			after = row.UserID
			sealed, err := reseal(row.UserID, ports.Sealed{Ciphertext: row.SecretCiphertext, KeyVersion: row.KeyVersion})
			if err != nil {
				failed++
				continue
			}
			n, err := r.q.UpdateTOTPCiphertext(ctx, database.UpdateTOTPCiphertextParams{
				UserID: row.UserID, SecretCiphertext: sealed.Ciphertext, NewVersion: sealed.KeyVersion, OldVersion: row.KeyVersion,
			})
			if err != nil {
				return resealed, failed, wrap("update secret", err)
			}
			resealed += int(n)
		}
		if len(rows) < rotationBatch {
			return resealed, failed, nil
		}
	}
}

// UsersWithBackupCodesUnderOtherKeys counts the users whose unused backup
// codes were hashed under another key than current: they need the previous
// key configured until they regenerate their codes.
func (r *TOTPCredentials) UsersWithBackupCodesUnderOtherKeys(ctx context.Context, current int32) (int, error) {
	n, err := r.q.CountUsersWithBackupCodesUnderOtherKeys(ctx, current)
	return int(n), wrap("count stale backup codes", err)
}

// MailWith makes the repository put its security notices in the outbox n.
func (r *TOTPCredentials) MailWith(n *Notices) *TOTPCredentials {
	r.notices = n
	return r
}
