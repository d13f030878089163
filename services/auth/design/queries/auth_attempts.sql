-- LockThrottleKeys serializes, until the end of the transaction, every
-- attempt that shares one of the keys (an account and factor, a client
-- IP), on every replica. Keys are locked in a fixed order: no deadlock.
-- name: LockThrottleKeys :exec
SELECT pg_advisory_xact_lock(k)
FROM (SELECT DISTINCT hashtextextended(unnest(@keys::text[]), 7142) AS k ORDER BY 1) AS keys;

-- IsKnownIP reports whether the IP succeeded for the account lately.
-- name: IsKnownIP :one
SELECT EXISTS (
    SELECT 1 FROM auth_attempts
    WHERE account = @account AND kind = ANY(@kinds::text[]) AND ip = @ip
      AND outcome = 'success' AND created_at > @since
)::boolean;

-- AccountFailures returns the times of the failed (or still pending)
-- attempts on the account for the factor, in the window, for one class of
-- IPs, oldest first.
-- name: AccountFailures :many
SELECT created_at FROM auth_attempts
WHERE account = @account AND kind = ANY(@kinds::text[]) AND known_ip = @known_ip
  AND outcome IN ('pending', 'failure') AND created_at > @since
ORDER BY created_at;

-- IPFailures returns the times of the failed (or pending) attempts from
-- the IP in the window, oldest first.
-- name: IPFailures :many
SELECT created_at FROM auth_attempts
WHERE ip = @ip AND outcome IN ('pending', 'failure') AND created_at > @since
ORDER BY created_at;

-- IPAttempts returns the times of every attempt of a kind from the IP in
-- the window (registrations count whatever their outcome), oldest first.
-- name: IPAttempts :many
SELECT created_at FROM auth_attempts
WHERE ip = @ip AND kind = @kind AND outcome <> 'rate_limited' AND created_at > @since
ORDER BY created_at;

-- InsertAttempt records an attempt; for login and register the user is
-- found by the account's email, so that even refused attempts show in the
-- user's activity.
-- name: InsertAttempt :one
INSERT INTO auth_attempts (user_id, account, ip, kind, outcome, known_ip)
VALUES (COALESCE(sqlc.narg('user_id')::uuid, (SELECT u.id FROM users u WHERE u.email = @account)),
        @account, @ip, @kind, @outcome, @known_ip)
RETURNING id;

-- name: FinishAttempt :exec
UPDATE auth_attempts SET outcome = @outcome, user_id = COALESCE(@user_id, user_id)
WHERE id = @id AND outcome = 'pending';

-- name: ListUserActivity :many
SELECT kind, outcome, ip, created_at FROM auth_attempts
WHERE user_id = @user_id AND outcome <> 'pending'
ORDER BY created_at DESC, id DESC
LIMIT @max_events;

-- name: DeleteOldAttempts :execrows
DELETE FROM auth_attempts
WHERE id IN (SELECT a.id FROM auth_attempts a WHERE a.created_at < @cutoff::timestamptz LIMIT @batch_size);

-- TxNow is the transaction's clock, which every replica shares.
-- name: TxNow :one
SELECT now()::timestamptz;
