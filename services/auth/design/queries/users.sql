-- name: CreateUser :one
INSERT INTO users (email, password_hash)
VALUES (@email, @password_hash)
RETURNING id, email, mfa_enabled, created_at;

-- name: GetUserByEmail :one
SELECT id, email, password_hash, mfa_enabled, created_at, (disabled_at IS NOT NULL)::boolean AS disabled
FROM users
WHERE email = @email;

-- name: GetUserByID :one
SELECT id, email, mfa_enabled, created_at
FROM users
WHERE id = @id;

-- name: SetMFAEnabled :exec
UPDATE users SET mfa_enabled = @mfa_enabled WHERE id = @id;

-- SetDisabled disables (or enables) the account.
-- name: SetDisabled :execrows
UPDATE users SET disabled_at = CASE WHEN @disabled::boolean THEN COALESCE(disabled_at, now()) ELSE NULL END
WHERE id = @id;
