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

// BackupCodes implements ports.BackupCodes.
type BackupCodes struct {
	notices *Notices // nil: no mail
	pool    *pgxpool.Pool
	q       *database.Queries
}

var _ ports.BackupCodes = (*BackupCodes)(nil)

// NewBackupCodes returns the backup code repository over pool.
func NewBackupCodes(pool *pgxpool.Pool) *BackupCodes {
	return &BackupCodes{pool: pool, q: database.New(pool)}
}

// Use implements ports.BackupCodes with one conditional UPDATE, the only
// statement that spends a code: of any number of concurrent uses of a
// code, exactly one finds used_at null. Each candidate matches only a row
// of its own hash and key versions.
func (r *BackupCodes) Use(ctx context.Context, userID uuid.UUID, candidates []ports.CodeHash, rot ports.Rotation) (int, ports.Session, error) {
	params := database.UseBackupCodeParams{
		UserID:       userID,
		HashVersions: make([]int16, len(candidates)),
		KeyVersions:  make([]int32, len(candidates)),
		CodeHashes:   make([][]byte, len(candidates)),
	}
	for i, c := range candidates {
		params.HashVersions[i], params.KeyVersions[i], params.CodeHashes[i] = int16(c.HashVersion), c.KeyVersion, c.Hash
	}
	var (
		remaining int64
		session   ports.Session
	)
	err := inTx(ctx, r.pool, "use backup code", func(q *database.Queries) error {
		_, err := q.UseBackupCode(ctx, params)
		if err = wrap("use backup code", err); errorsIsNotFound(err) {
			return fmt.Errorf("use backup code: %w", ports.ErrCodeRejected)
		} else if err != nil {
			return err
		}
		if remaining, err = q.CountBackupCodes(ctx, userID); err != nil {
			return wrap("count backup codes", err)
		}
		session, err = rotate(ctx, q, rot)
		return err
	})
	return int(remaining), session, err
}

// Replace implements ports.BackupCodes.
func (r *BackupCodes) Replace(ctx context.Context, userID uuid.UUID, codes []ports.CodeHash) error {
	return inTxWith(ctx, r.pool, "replace backup codes", func(tx pgx.Tx, q *database.Queries) error {
		if err := replaceBackupCodes(ctx, q, userID, codes); err != nil {
			return err
		}
		return r.notices.enqueue(ctx, tx, q, userID, mail.NoticeBackupCodesRegenerated)
	})
}

// Remaining implements ports.BackupCodes.
func (r *BackupCodes) Remaining(ctx context.Context, userID uuid.UUID) (int, error) {
	n, err := r.q.CountBackupCodes(ctx, userID)
	return int(n), wrap("count backup codes", err)
}

// UsersWithUnsaltedCodes counts the users whose unused backup codes are
// hashed without the per-user salt (hash version 1): they keep working,
// but only regenerating them makes them salted.
func (r *BackupCodes) UsersWithUnsaltedCodes(ctx context.Context) (int, error) {
	n, err := r.q.CountUsersWithBackupCodesBelowHashVersion(ctx, int16(ports.CodeHashV2))
	return int(n), wrap("count unsalted backup codes", err)
}

func replaceBackupCodes(ctx context.Context, q *database.Queries, userID uuid.UUID, codes []ports.CodeHash) error {
	if err := q.DeleteBackupCodes(ctx, userID); err != nil {
		return wrap("delete backup codes", err)
	}
	rows := make([]database.InsertBackupCodesParams, len(codes))
	for i, c := range codes {
		rows[i] = database.InsertBackupCodesParams{UserID: userID, CodeHash: c.Hash, KeyVersion: c.KeyVersion, HashVersion: int16(c.HashVersion)}
	}
	if _, err := q.InsertBackupCodes(ctx, rows); err != nil {
		return wrap("insert backup codes", err)
	}
	return nil
}

// MailWith makes the repository put its security notices in the outbox n.
func (r *BackupCodes) MailWith(n *Notices) *BackupCodes {
	r.notices = n
	return r
}
