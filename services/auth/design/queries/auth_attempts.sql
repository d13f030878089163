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

-- IPFailures returns the times of the failed (or pending, or refused for
-- want of a hashing slot) attempts from the client network in the window,
-- oldest first.
-- name: IPFailures :many
SELECT created_at FROM auth_attempts
WHERE ip_net = @ip_net AND outcome IN ('pending', 'failure', 'busy') AND created_at > @since
ORDER BY created_at;

-- IPAttempts returns the times of every attempt of a kind from the client
-- network in the window (registrations count whatever their outcome),
-- oldest first.
-- name: IPAttempts :many
SELECT created_at FROM auth_attempts
WHERE ip_net = @ip_net AND kind = @kind AND outcome NOT IN ('rate_limited', 'notice') AND created_at > @since
ORDER BY created_at;

-- AccountAttempts returns the times of every attempt of a kind on the
-- account in the window (messages asked for count whatever their
-- outcome), oldest first.
-- name: AccountAttempts :many
SELECT created_at FROM auth_attempts
WHERE account = @account AND kind = @kind AND outcome NOT IN ('rate_limited', 'notice') AND created_at > @since
ORDER BY created_at;

-- RepeatRefusal counts one more refused attempt on the latest refusal row
-- of the account, network and kind since @since, if there is one: a flood
-- of refusals adds a bounded number of rows.
-- name: RepeatRefusal :one
UPDATE auth_attempts SET repeats = repeats + 1
WHERE id = (
    SELECT a.id FROM auth_attempts a
    WHERE a.account = @account AND a.ip_net = @ip_net AND a.kind = @kind
      AND a.outcome = 'rate_limited' AND a.created_at > @since
    ORDER BY a.created_at DESC LIMIT 1
)
RETURNING id;

-- SecondFactorLocked reports whether the user's second factor is locked.
-- name: SecondFactorLocked :one
SELECT (second_factor_locked_at IS NOT NULL)::boolean FROM users WHERE id = @id;

-- SecondFactorFailed counts a consecutive failure and locks the factor
-- when the count reaches @lockout; locked_now is true only for the
-- failure that locked it.
-- name: SecondFactorFailed :one
UPDATE users
SET second_factor_failures = second_factor_failures + 1,
    second_factor_locked_at = CASE
        WHEN second_factor_locked_at IS NULL AND second_factor_failures + 1 >= @lockout::int THEN now()
        ELSE second_factor_locked_at END
WHERE id = @id
RETURNING (second_factor_locked_at IS NOT NULL AND second_factor_locked_at = now())::boolean AS locked_now;

-- SecondFactorSucceeded resets the count of consecutive failures.
-- name: SecondFactorSucceeded :exec
UPDATE users SET second_factor_failures = 0 WHERE id = @id AND second_factor_failures <> 0;

-- UnlockSecondFactor lifts the lock and resets the count.
-- name: UnlockSecondFactor :execrows
UPDATE users SET second_factor_failures = 0, second_factor_locked_at = NULL WHERE id = @id;

-- InsertNotice records an event of the account in its activity.
-- name: InsertNotice :exec
INSERT INTO auth_attempts (user_id, account, ip, ip_net, kind, outcome, actor)
VALUES (@user_id, @account, @ip, @ip_net, @kind, 'notice', sqlc.narg('actor'));

-- InsertAttempt records an attempt; for login and register the user is
-- found by the account's email, so that even refused attempts show in the
-- user's activity.
-- name: InsertAttempt :one
INSERT INTO auth_attempts (user_id, account, ip, ip_net, kind, outcome, known_ip)
VALUES (COALESCE(sqlc.narg('user_id')::uuid, (SELECT u.id FROM users u WHERE u.email = @account)),
        @account, @ip, @ip_net, @kind, @outcome, @known_ip)
RETURNING id;

-- FinishAttempt returns the attempt's kind, user, account and addresses
-- (none when it was no longer pending).
-- name: FinishAttempt :many
UPDATE auth_attempts SET outcome = @outcome, user_id = COALESCE(@user_id, user_id)
WHERE id = @id AND outcome = 'pending'
RETURNING kind, user_id, account, ip, ip_net;

-- name: ListUserActivity :many
SELECT kind, outcome, ip, created_at, repeats, actor FROM auth_attempts
WHERE user_id = @user_id AND outcome <> 'pending'
ORDER BY created_at DESC, id DESC
LIMIT @max_events;

-- name: DeleteOldAttempts :execrows
DELETE FROM auth_attempts
WHERE id IN (SELECT a.id FROM auth_attempts a WHERE a.created_at < @cutoff::timestamptz LIMIT @batch_size);

-- TxNow is the transaction's clock, which every replica shares.
-- name: TxNow :one
SELECT now()::timestamptz;
