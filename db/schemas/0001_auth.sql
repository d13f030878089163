-- +goose Up
-- Accounts and password sessions (services/auth/README.md: Sessions, Endpoints).

CREATE TABLE users (
    id            uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
    -- Trimmed and lower-cased by the service, so equality is case-insensitive.
    email         text        NOT NULL,
    -- bcrypt of the SHA-256 of the password: never truncated at 72 bytes.
    password_hash bytea       NOT NULL,
    mfa_enabled   boolean     NOT NULL DEFAULT false,
    created_at    timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT users_email_key UNIQUE (email),
    CONSTRAINT users_email_normalized CHECK (email = lower(btrim(email)) AND email <> '')
);

CREATE TABLE sessions (
    id              uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id         uuid        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    -- SHA-256 of the token; the token itself is never stored.
    token_hash      bytea       NOT NULL,
    aal             smallint    NOT NULL DEFAULT 1,
    created_at      timestamptz NOT NULL DEFAULT now(),
    -- Moves forward only on refresh, never past expires_at.
    idle_expires_at timestamptz NOT NULL,
    -- Absolute expiry: never moves.
    expires_at      timestamptz NOT NULL,
    revoked_at      timestamptz,
    CONSTRAINT sessions_token_hash_key UNIQUE (token_hash),
    CONSTRAINT sessions_token_hash_len CHECK (octet_length(token_hash) = 32),
    CONSTRAINT sessions_aal_range CHECK (aal IN (1, 2)),
    CONSTRAINT sessions_idle_within_absolute CHECK (idle_expires_at <= expires_at)
);

-- Listing and revoking a user's sessions.
CREATE INDEX sessions_user_id_idx ON sessions (user_id);
-- The clean-up of expired sessions.
CREATE INDEX sessions_expires_at_idx ON sessions (expires_at);

-- +goose Down
DROP TABLE sessions;
DROP TABLE users;
