-- SavePendingTOTP starts or restarts an enrollment; it returns no row when
-- TOTP is already active.
-- name: SavePendingTOTP :one
INSERT INTO totp_credentials (user_id, secret_ciphertext, key_version)
VALUES (@user_id, @secret_ciphertext, @key_version)
ON CONFLICT (user_id) DO UPDATE
SET secret_ciphertext = EXCLUDED.secret_ciphertext,
    key_version = EXCLUDED.key_version,
    last_step = 0,
    created_at = now()
WHERE totp_credentials.state = 'pending'
RETURNING user_id;

-- name: GetTOTP :one
SELECT user_id, secret_ciphertext, key_version, state, last_step, created_at,
       (state = 'pending' AND created_at <= now() - make_interval(secs => @pending_ttl_seconds::float8))::boolean AS expired
FROM totp_credentials
WHERE user_id = @user_id;

-- ActivateTOTP confirms a pending, unexpired enrollment and consumes the
-- step of the code that confirmed it, in one statement.
-- name: ActivateTOTP :execrows
UPDATE totp_credentials
SET state = 'active', activated_at = now(), last_step = @step
WHERE user_id = @user_id
  AND state = 'pending'
  AND created_at > now() - make_interval(secs => @pending_ttl_seconds::float8)
  AND last_step < @step;

-- ConsumeTOTPStep accepts a time step at most once: concurrent requests,
-- on any replica, race on this row and only one advances it.
-- name: ConsumeTOTPStep :execrows
UPDATE totp_credentials
SET last_step = @step
WHERE user_id = @user_id AND state = 'active' AND last_step < @step;

-- name: DeleteTOTP :execrows
DELETE FROM totp_credentials WHERE user_id = @user_id;

-- ListTOTPForRotation pages through the secrets sealed under another key
-- than the current one, in user id order after the given id.
-- name: ListTOTPForRotation :many
SELECT user_id, secret_ciphertext, key_version
FROM totp_credentials
WHERE key_version <> @current_version AND user_id > @after
ORDER BY user_id
LIMIT @batch_size;

-- name: UpdateTOTPCiphertext :execrows
UPDATE totp_credentials
SET secret_ciphertext = @secret_ciphertext, key_version = @new_version
WHERE user_id = @user_id AND key_version = @old_version;
