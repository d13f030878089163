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

// rotateKeys re-encrypts every TOTP secret under TOTP_ENCRYPTION_KEY. Run
// it with the retired key in TOTP_PREVIOUS_ENCRYPTION_KEY while the
// services run with both keys; it can run again safely. Backup codes cannot
// be re-hashed (only their hashes exist): it reports how many users still
// have codes under the previous key, which must stay configured until they
// regenerate them.
func rotateKeys(ctx context.Context, cfg *config.Config) error {
	keys, err := keyring.New(cfg.TOTPEncryptionKey, cfg.TOTPPreviousEncryptionKey)
	if err != nil {
		return fmt.Errorf("TOTP_ENCRYPTION_KEY: %w", err)
	}
	pool, err := openDatabase(ctx, cfg, nil)
	if err != nil {
		return err
	}
	defer pool.Close()

	totp := repositories.NewTOTPCredentials(pool)
	current := keys.CurrentVersion()
	resealed, failed, err := totp.Reseal(ctx, current, func(userID uuid.UUID, s ports.Sealed) (ports.Sealed, error) {
		secret, err := keys.Open(userID, s)
		if err != nil {
			log.Error(ctx, err, log.KV{K: "msg", V: "cannot open a TOTP secret"}, log.KV{K: "user_id", V: userID.String()})
			return ports.Sealed{}, err
		}
		defer clear(secret)
		return keys.Seal(userID, secret)
	})
	if err != nil {
		return fmt.Errorf("rotate keys: %w", err)
	}
	stale, err := totp.UsersWithBackupCodesUnderOtherKeys(ctx, current)
	if err != nil {
		return fmt.Errorf("rotate keys: %w", err)
	}
	log.Print(ctx, log.KV{K: "msg", V: "key rotation done"},
		log.KV{K: "key_version", V: current},
		log.KV{K: "secrets_resealed", V: resealed},
		log.KV{K: "secrets_failed", V: failed},
		log.KV{K: "users_with_backup_codes_under_previous_key", V: stale})
	if failed > 0 {
		return fmt.Errorf("rotate keys: %d secrets could not be opened with the configured keys", failed)
	}
	return nil
}
