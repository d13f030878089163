-- +goose Up
-- Passkeys (WebAuthn credentials): a second factor beside TOTP, and a
-- sign-in without a password.

-- One row per registered credential. credential_id is the authenticator's
-- id of it (unique across users: a credential belongs to one account);
-- public_key the COSE key it signs with. sign_count is the authenticator's
-- signature counter, advanced by one conditional statement per sign-in
-- (a counter that does not grow, but for authenticators that keep none at
-- 0, is a possible clone and is refused). aaguid is the model of the
-- authenticator (all zeros under "none" attestation); backup_eligible and
-- backup_state are the BE and BS flags (a synced passkey).
CREATE TABLE webauthn_credentials (
    id               uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id          uuid        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    credential_id    bytea       NOT NULL,
    public_key       bytea       NOT NULL,
    attestation_type text        NOT NULL,
    sign_count       bigint      NOT NULL DEFAULT 0,
    transports       text[]      NOT NULL DEFAULT '{}',
    aaguid           uuid        NOT NULL,
    backup_eligible  boolean     NOT NULL,
    backup_state     boolean     NOT NULL,
    user_verified    boolean     NOT NULL,
    name             text        NOT NULL,
    created_at       timestamptz NOT NULL DEFAULT now(),
    last_used_at     timestamptz,
    CONSTRAINT webauthn_credentials_credential_id_key UNIQUE (credential_id),
    CONSTRAINT webauthn_credentials_credential_id_len CHECK (octet_length(credential_id) BETWEEN 16 AND 1023),
    CONSTRAINT webauthn_credentials_sign_count CHECK (sign_count BETWEEN 0 AND 4294967295),
    CONSTRAINT webauthn_credentials_name CHECK (char_length(name) BETWEEN 1 AND 64)
);
CREATE INDEX webauthn_credentials_user_idx ON webauthn_credentials (user_id, created_at);

-- The state of a ceremony between its begin and its finish: go-webauthn's
-- SessionData as JSON (the challenge, the relying party, the credentials
-- allowed; nothing secret but the challenge, which the browser holds
-- too), found by the SHA-256 of the challenge that the browser signs.
-- Single use: the finish deletes the row in the statement that reads it.
-- A registration or a second factor is bound to the session that began it;
-- a passwordless sign-in has neither user nor session.
CREATE TABLE webauthn_challenges (
    id             uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
    challenge_hash bytea       NOT NULL,
    flow           text        NOT NULL,
    user_id        uuid        REFERENCES users (id) ON DELETE CASCADE,
    session_id     uuid        REFERENCES sessions (id) ON DELETE CASCADE,
    session_data   jsonb       NOT NULL,
    created_at     timestamptz NOT NULL DEFAULT now(),
    expires_at     timestamptz NOT NULL,
    CONSTRAINT webauthn_challenges_challenge_hash_key UNIQUE (challenge_hash),
    CONSTRAINT webauthn_challenges_challenge_hash_len CHECK (octet_length(challenge_hash) = 32),
    CONSTRAINT webauthn_challenges_flow CHECK (flow IN ('register', 'second_factor', 'passwordless')),
    CONSTRAINT webauthn_challenges_bound CHECK ((flow = 'passwordless') = (session_id IS NULL AND user_id IS NULL))
);
CREATE INDEX webauthn_challenges_session_idx ON webauthn_challenges (session_id, flow);
CREATE INDEX webauthn_challenges_expires_idx ON webauthn_challenges (expires_at);

-- passkey: an attempt with a passkey (second factor or passwordless),
-- counted with totp and backup_code; passkey_registered, passkey_deleted,
-- passkey_counter_regressed: events of the account.
ALTER TABLE auth_attempts DROP CONSTRAINT auth_attempts_kind;
ALTER TABLE auth_attempts ADD CONSTRAINT auth_attempts_kind
    CHECK (kind IN ('login', 'totp', 'backup_code', 'register', 'second_factor_locked', 'second_factor_unlocked',
                    'account_disabled', 'account_enabled', 'mfa_reset',
                    'password_changed', 'password_forgot', 'password_reset', 'verification_resend', 'email_verify',
                    'passkey', 'passkey_registered', 'passkey_deleted', 'passkey_counter_regressed'));

-- +goose Down
DELETE FROM auth_attempts WHERE kind IN ('passkey', 'passkey_registered', 'passkey_deleted', 'passkey_counter_regressed');
ALTER TABLE auth_attempts DROP CONSTRAINT auth_attempts_kind;
ALTER TABLE auth_attempts ADD CONSTRAINT auth_attempts_kind
    CHECK (kind IN ('login', 'totp', 'backup_code', 'register', 'second_factor_locked', 'second_factor_unlocked',
                    'account_disabled', 'account_enabled', 'mfa_reset',
                    'password_changed', 'password_forgot', 'password_reset', 'verification_resend', 'email_verify'));
DROP TABLE webauthn_challenges;
DROP TABLE webauthn_credentials;
