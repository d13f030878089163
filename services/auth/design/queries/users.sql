-- name: CreateUser :one
INSERT INTO users (email, password_hash)
VALUES (@email, @password_hash)
RETURNING id, email, mfa_enabled, created_at;

-- name: GetUserByEmail :one
SELECT id, email, password_hash, mfa_enabled, created_at, (disabled_at IS NOT NULL)::boolean AS disabled,
       (email_verified_at IS NOT NULL)::boolean AS email_verified
FROM users
WHERE email = @email;

-- name: GetUserByID :one
SELECT id, email, mfa_enabled, created_at, (email_verified_at IS NOT NULL)::boolean AS email_verified
FROM users
WHERE id = @id;

-- LockUser reads the user and locks its row until the end of the
-- transaction: the emailed links of one user are made one at a time.
-- name: LockUser :one
SELECT id, email, (email_verified_at IS NOT NULL)::boolean AS email_verified, (disabled_at IS NOT NULL)::boolean AS disabled
FROM users
WHERE id = @id
FOR UPDATE;

-- SetPasswordHash replaces the user's password hash.
-- name: SetPasswordHash :execrows
UPDATE users SET password_hash = @password_hash WHERE id = @id;

-- MarkEmailVerified records that the user proved the address, if it is
-- still the account's.
-- name: MarkEmailVerified :exec
UPDATE users SET email_verified_at = COALESCE(email_verified_at, now())
WHERE id = @id AND email = @email;

-- name: SetMFAEnabled :exec
UPDATE users SET mfa_enabled = @mfa_enabled WHERE id = @id;

-- SetDisabled disables (or enables) the account.
-- name: SetDisabled :execrows
UPDATE users SET disabled_at = CASE WHEN @disabled::boolean THEN COALESCE(disabled_at, now()) ELSE NULL END
WHERE id = @id;
