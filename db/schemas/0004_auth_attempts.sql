-- +goose Up
-- Every authentication attempt (services/auth/README.md, Throttling): the throttles count
-- them, users see them in /auth/activity. Never the secret tried.

CREATE TABLE auth_attempts (
    id         bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    -- The account, when it exists.
    user_id    uuid        REFERENCES users (id) ON DELETE CASCADE,
    -- What the throttle counts per account: the normalized email for login
    -- and register, the user id for second factors.
    account    text        NOT NULL,
    ip         inet        NOT NULL,
    kind       text        NOT NULL,
    -- pending: checked and being evaluated (counts as a failure until
    -- finished, so that concurrent attempts cannot exceed a limit).
    outcome    text        NOT NULL DEFAULT 'pending',
    -- Whether the IP had already succeeded for this account: such failures
    -- are counted apart from strangers' (see the service README).
    known_ip   boolean     NOT NULL DEFAULT false,
    created_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT auth_attempts_kind CHECK (kind IN ('login', 'totp', 'backup_code', 'register')),
    CONSTRAINT auth_attempts_outcome CHECK (outcome IN ('pending', 'success', 'failure', 'rate_limited'))
);

-- Window counts per account and factor, and the known-IP look-up.
CREATE INDEX auth_attempts_account_idx ON auth_attempts (account, kind, created_at);
-- Window counts per client IP.
CREATE INDEX auth_attempts_ip_idx ON auth_attempts (ip, created_at);
-- A user's activity, newest first.
CREATE INDEX auth_attempts_user_idx ON auth_attempts (user_id, created_at DESC) WHERE user_id IS NOT NULL;
-- Retention.
CREATE INDEX auth_attempts_created_idx ON auth_attempts (created_at);

-- +goose Down
DROP TABLE auth_attempts;
