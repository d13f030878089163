-- +goose Up
-- A passwordless passkey sign-in begins without a session: each begin
-- stores a challenge. They are counted per client network (attempt kind
-- passkey_challenge), like registrations, so that no one can fill the
-- challenges table.
ALTER TABLE auth_attempts DROP CONSTRAINT auth_attempts_kind;
ALTER TABLE auth_attempts ADD CONSTRAINT auth_attempts_kind
    CHECK (kind IN ('login', 'totp', 'backup_code', 'register', 'second_factor_locked', 'second_factor_unlocked',
                    'account_disabled', 'account_enabled', 'mfa_reset',
                    'password_changed', 'password_forgot', 'password_reset', 'verification_resend', 'email_verify',
                    'passkey', 'passkey_registered', 'passkey_deleted', 'passkey_counter_regressed',
                    'passkey_challenge'));

-- +goose Down
DELETE FROM auth_attempts WHERE kind = 'passkey_challenge';
ALTER TABLE auth_attempts DROP CONSTRAINT auth_attempts_kind;
ALTER TABLE auth_attempts ADD CONSTRAINT auth_attempts_kind
    CHECK (kind IN ('login', 'totp', 'backup_code', 'register', 'second_factor_locked', 'second_factor_unlocked',
                    'account_disabled', 'account_enabled', 'mfa_reset',
                    'password_changed', 'password_forgot', 'password_reset', 'verification_resend', 'email_verify',
                    'passkey', 'passkey_registered', 'passkey_deleted', 'passkey_counter_regressed'));
