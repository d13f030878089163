-- +goose Up
-- TOTP credentials and backup codes (services/auth/README.md, TOTP and backup codes).

CREATE TABLE totp_credentials (
    user_id           uuid        PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    -- AES-256-GCM: 12-byte nonce, then the sealed 20-byte secret and the tag.
    -- The user id is the additional data, so a row moved to another user
    -- does not open.
    secret_ciphertext bytea       NOT NULL,
    -- Identifies the key that sealed the secret (a fingerprint of it).
    key_version       integer     NOT NULL,
    state             text        NOT NULL DEFAULT 'pending',
    -- The last accepted RFC 6238 time step: a code for this step or an
    -- earlier one is refused. Advanced only by a conditional UPDATE.
    last_step         bigint      NOT NULL DEFAULT 0,
    created_at        timestamptz NOT NULL DEFAULT now(),
    activated_at      timestamptz,
    CONSTRAINT totp_credentials_state CHECK (state IN ('pending', 'active')),
    CONSTRAINT totp_credentials_activated CHECK ((state = 'active') = (activated_at IS NOT NULL)),
    CONSTRAINT totp_credentials_ciphertext_len CHECK (octet_length(secret_ciphertext) = 12 + 20 + 16),
    CONSTRAINT totp_credentials_last_step CHECK (last_step >= 0)
);

CREATE TABLE backup_codes (
    id          uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id     uuid        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    -- HMAC-SHA256 of the normalized code under a key that is not in the
    -- database (derived from TOTP_ENCRYPTION_KEY).
    code_hash   bytea       NOT NULL,
    key_version integer     NOT NULL,
    used_at     timestamptz,
    created_at  timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT backup_codes_user_hash_key UNIQUE (user_id, code_hash),
    CONSTRAINT backup_codes_hash_len CHECK (octet_length(code_hash) = 32)
);

-- +goose Down
DROP TABLE backup_codes;
DROP TABLE totp_credentials;
