-- +goose Up
-- Operator controls: a disabled account signs in nowhere and its sessions
-- validate nowhere; every operator act is an event of the account that
-- names the operator (the client certificate's identity).
ALTER TABLE users ADD COLUMN disabled_at timestamptz;
ALTER TABLE auth_attempts ADD COLUMN actor text;
ALTER TABLE auth_attempts DROP CONSTRAINT auth_attempts_kind;
ALTER TABLE auth_attempts ADD CONSTRAINT auth_attempts_kind
    CHECK (kind IN ('login', 'totp', 'backup_code', 'register', 'second_factor_locked', 'second_factor_unlocked',
                    'account_disabled', 'account_enabled', 'mfa_reset'));

-- +goose Down
DELETE FROM auth_attempts WHERE kind IN ('account_disabled', 'account_enabled', 'mfa_reset');
ALTER TABLE auth_attempts DROP CONSTRAINT auth_attempts_kind;
ALTER TABLE auth_attempts ADD CONSTRAINT auth_attempts_kind
    CHECK (kind IN ('login', 'totp', 'backup_code', 'register', 'second_factor_locked', 'second_factor_unlocked'));
ALTER TABLE auth_attempts DROP COLUMN actor;
ALTER TABLE users DROP COLUMN disabled_at;
