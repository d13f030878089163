-- +goose Up
-- The account lifecycle: proving the email address, changing and resetting
-- the password.

-- When the account proved its address (a verification or reset link that
-- reached it); NULL until then.
ALTER TABLE users ADD COLUMN email_verified_at timestamptz;

-- The tokens of emailed links. Only the SHA-256 of a token is stored; the
-- token itself exists in the message alone (the mail worker makes it when
-- it sends, so that not even the outbox holds it). Single use: used_at is
-- set by the one statement that spends it. A reset link voids the older
-- reset links of the user (voided_at).
CREATE TABLE email_tokens (
    id         uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id    uuid        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    purpose    text        NOT NULL,
    token_hash bytea       NOT NULL,
    -- The address the link went to: a verification proves this address only.
    email      text        NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL,
    used_at    timestamptz,
    voided_at  timestamptz,
    CONSTRAINT email_tokens_token_hash_key UNIQUE (token_hash),
    CONSTRAINT email_tokens_token_hash_len CHECK (octet_length(token_hash) = 32),
    CONSTRAINT email_tokens_purpose CHECK (purpose IN ('verify_email', 'reset_password'))
);
CREATE INDEX email_tokens_user_idx ON email_tokens (user_id, purpose) WHERE used_at IS NULL AND voided_at IS NULL;
CREATE INDEX email_tokens_expires_idx ON email_tokens (expires_at);

-- New attempt kinds (password_forgot, verification_resend: mail asked for;
-- password_reset, email_verify: a link's token presented) and account
-- events (password_changed).
ALTER TABLE auth_attempts DROP CONSTRAINT auth_attempts_kind;
ALTER TABLE auth_attempts ADD CONSTRAINT auth_attempts_kind
    CHECK (kind IN ('login', 'totp', 'backup_code', 'register', 'second_factor_locked', 'second_factor_unlocked',
                    'account_disabled', 'account_enabled', 'mfa_reset',
                    'password_changed', 'password_forgot', 'password_reset', 'verification_resend', 'email_verify'));

-- +goose Down
DELETE FROM auth_attempts WHERE kind IN ('password_changed', 'password_forgot', 'password_reset', 'verification_resend', 'email_verify');
ALTER TABLE auth_attempts DROP CONSTRAINT auth_attempts_kind;
ALTER TABLE auth_attempts ADD CONSTRAINT auth_attempts_kind
    CHECK (kind IN ('login', 'totp', 'backup_code', 'register', 'second_factor_locked', 'second_factor_unlocked',
                    'account_disabled', 'account_enabled', 'mfa_reset'));
DROP TABLE email_tokens;
ALTER TABLE users DROP COLUMN email_verified_at;
