package main

import (
	"context"
	"fmt"

	"github.com/google/uuid"
	"goa.design/clue/log"

	"github.com/infrastructure/platform/services/auth/config"
	"github.com/infrastructure/platform/services/auth/internal/keyring"
	"github.com/infrastructure/platform/services/auth/internal/ports"
	"github.com/infrastructure/platform/services/auth/internal/repositories"
)

// rotation is what rotate-keys did, and what only users can finish.
type rotation struct {
	keyVersion       int32
	resealed, failed int
	// underOtherKeys counts the users with unused backup codes hashed
	// under another key than the current one: the previous key must stay
	// configured until they regenerate them.
	underOtherKeys int
	// unsalted counts the users with unused backup codes hashed without
	// the per-user salt (made before migration 0006): they work, under
	// any configured key, but only regenerating them salts them.
	unsalted int
}

// rotateKeys re-encrypts every TOTP secret under TOTP_ENCRYPTION_KEY. Run
// it with the retired key in TOTP_PREVIOUS_ENCRYPTION_KEY while the
// services run with both keys; it can run again safely. Backup codes cannot
// be re-hashed (only their hashes exist): it reports how many users still
// have codes under the previous key, which must stay configured until they
// regenerate them, and how many have codes without the per-user salt.
func rotateKeys(ctx context.Context, cfg *config.Config) error {
	r, err := rotate(ctx, cfg)
	if err != nil {
		return fmt.Errorf("rotate keys: %w", err)
	}
	log.Print(ctx, log.KV{K: "msg", V: "key rotation done"},
		log.KV{K: "key_version", V: r.keyVersion},
		log.KV{K: "secrets_resealed", V: r.resealed},
		log.KV{K: "secrets_failed", V: r.failed},
		log.KV{K: "users_with_backup_codes_under_previous_key", V: r.underOtherKeys},
		log.KV{K: "users_with_unsalted_backup_codes", V: r.unsalted})
	if r.unsalted > 0 {
		log.Print(ctx, log.KV{K: "msg", V: "some users have backup codes made before the per-user salt: they keep working, but only regenerating them salts them"},
			log.KV{K: "users_with_unsalted_backup_codes", V: r.unsalted})
	}
	if r.failed > 0 {
		return fmt.Errorf("rotate keys: %d secrets could not be opened with the configured keys", r.failed)
	}
	return nil
}

// rotate does the work of rotateKeys.
func rotate(ctx context.Context, cfg *config.Config) (rotation, error) {
	keys, err := keyring.New(cfg.TOTPEncryptionKey, cfg.TOTPPreviousEncryptionKey)
	if err != nil {
		return rotation{}, fmt.Errorf("TOTP_ENCRYPTION_KEY: %w", err)
	}
	db, err := openDatabase(ctx, cfg, nil)
	if err != nil {
		return rotation{}, err
	}
	defer db.close()
	pool := db.pool

	totp := repositories.NewTOTPCredentials(pool)
	r := rotation{keyVersion: keys.CurrentVersion()}
	r.resealed, r.failed, err = totp.Reseal(ctx, r.keyVersion, func(userID uuid.UUID, s ports.Sealed) (ports.Sealed, error) {
		secret, err := keys.Open(userID, s)
		if err != nil {
			log.Error(ctx, err, log.KV{K: "msg", V: "cannot open a TOTP secret"}, log.KV{K: "user_id", V: userID.String()})
			return ports.Sealed{}, err
		}
		defer clear(secret)
		return keys.Seal(userID, secret)
	})
	if err != nil {
		return r, err
	}
	if r.underOtherKeys, err = totp.UsersWithBackupCodesUnderOtherKeys(ctx, r.keyVersion); err != nil {
		return r, err
	}
	r.unsalted, err = repositories.NewBackupCodes(pool).UsersWithUnsaltedCodes(ctx)
	return r, err
}
