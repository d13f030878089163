-- name: CreateSession :one
INSERT INTO sessions (user_id, token_hash, aal, idle_expires_at, expires_at)
VALUES (
    @user_id,
    @token_hash,
    @aal,
    now() + make_interval(secs => LEAST(@idle_seconds::float8, @absolute_seconds::float8)),
    now() + make_interval(secs => @absolute_seconds::float8)
)
RETURNING id, user_id, aal, created_at, idle_expires_at, expires_at;

-- ValidateSession is the hot path: one read through the unique index on
-- token_hash, no write.
-- name: ValidateSession :one
SELECT s.id, s.user_id, u.email, u.mfa_enabled, s.aal, s.created_at, s.idle_expires_at, s.expires_at
FROM sessions s
JOIN users u ON u.id = s.user_id
WHERE s.token_hash = @token_hash
  AND u.disabled_at IS NULL
  AND s.revoked_at IS NULL
  AND s.idle_expires_at > now()
  AND s.expires_at > now();

-- The revocations touch live sessions only: an ended one (revoked or
-- expired) is already invalid everywhere, and changing it would notify
-- nobody (migration 0003), so a revoking call waiting for the feed would
-- wait in vain.
-- name: RevokeSession :execrows
UPDATE sessions
SET revoked_at = now()
WHERE id = @id AND revoked_at IS NULL
  AND idle_expires_at > now() AND expires_at > now();

-- RotateSession replaces the token of a live session (the old token stops
-- working at once: its hash is gone) and sets its level. With refresh, the
-- idle expiry moves forward, never past the absolute expiry.
-- name: RotateSession :one
UPDATE sessions
SET token_hash = @new_token_hash,
    aal = @aal,
    idle_expires_at = CASE WHEN @refresh::boolean
        THEN LEAST(now() + make_interval(secs => @idle_seconds::float8), expires_at)
        ELSE idle_expires_at END
WHERE id = @id
  AND token_hash = @old_token_hash
  AND revoked_at IS NULL
  AND idle_expires_at > now()
  AND expires_at > now()
RETURNING id, user_id, aal, created_at, idle_expires_at, expires_at;

-- name: ListUserSessions :many
SELECT id, user_id, aal, created_at, idle_expires_at, expires_at
FROM sessions
WHERE user_id = @user_id
  AND revoked_at IS NULL
  AND idle_expires_at > now()
  AND expires_at > now()
ORDER BY created_at DESC, id;

-- RevokeOwnSession revokes a live session only if it belongs to the user.
-- name: RevokeOwnSession :execrows
UPDATE sessions
SET revoked_at = now()
WHERE id = @id AND user_id = @user_id AND revoked_at IS NULL
  AND idle_expires_at > now() AND expires_at > now();

-- RevokeOtherSessions revokes every live session of the user but one
-- (sign out everywhere else).
-- name: RevokeOtherSessions :many
UPDATE sessions
SET revoked_at = now()
WHERE user_id = @user_id AND id <> @keep AND revoked_at IS NULL
  AND idle_expires_at > now() AND expires_at > now()
RETURNING id;

-- name: RevokeUserSessions :many
UPDATE sessions
SET revoked_at = now()
WHERE user_id = @user_id AND revoked_at IS NULL
  AND idle_expires_at > now() AND expires_at > now()
RETURNING id;

-- DeleteExpiredSessions removes, in one bounded batch, sessions that ended
-- (expired or revoked) before the cutoff. SKIP LOCKED keeps replicas that
-- clean up at the same time out of each other's way and out of requests'.
-- name: DeleteExpiredSessions :execrows
DELETE FROM sessions
WHERE id IN (
    SELECT s.id FROM sessions s
    WHERE s.expires_at < @cutoff::timestamptz
       OR s.idle_expires_at < @cutoff::timestamptz
       OR s.revoked_at < @cutoff::timestamptz
    LIMIT @batch_size
    FOR UPDATE SKIP LOCKED
);
