-- name: CreateUser :one
INSERT INTO users (email, password_hash)
VALUES (@email, @password_hash)
RETURNING id, email, mfa_enabled, created_at;

-- name: GetUserByEmail :one
SELECT id, email, password_hash, mfa_enabled, created_at
FROM users
WHERE email = @email;

-- name: GetUserByID :one
SELECT id, email, mfa_enabled, created_at
FROM users
WHERE id = @id;

-- name: SetMFAEnabled :exec
UPDATE users SET mfa_enabled = @mfa_enabled WHERE id = @id;
