-- VoidEmailTokens voids the user's live tokens of a purpose (a newer reset
-- link voids the older ones).
-- name: VoidEmailTokens :exec
UPDATE email_tokens SET voided_at = now()
WHERE user_id = @user_id AND purpose = @purpose AND used_at IS NULL AND voided_at IS NULL;

-- InsertEmailToken stores the hash of a new link's token, valid for
-- ttl_seconds by the database's clock.
-- name: InsertEmailToken :exec
INSERT INTO email_tokens (user_id, purpose, token_hash, email, expires_at)
VALUES (@user_id, @purpose, @token_hash, @email, now() + make_interval(secs => @ttl_seconds::bigint));

-- PeekEmailToken returns the user and address of a live token (unused,
-- not voided, unexpired, its address still the account's) without
-- spending it.
-- name: PeekEmailToken :one
SELECT t.user_id, t.email
FROM email_tokens t JOIN users u ON u.id = t.user_id AND u.email = t.email
WHERE t.token_hash = @token_hash AND t.purpose = @purpose
  AND t.used_at IS NULL AND t.voided_at IS NULL AND t.expires_at > now();

-- SpendEmailToken spends a live token: of concurrent spends of one token,
-- exactly one gets its row (the others wait for its lock, then see it
-- used).
-- name: SpendEmailToken :one
UPDATE email_tokens t SET used_at = now()
FROM users u
WHERE t.token_hash = @token_hash AND t.purpose = @purpose
  AND t.used_at IS NULL AND t.voided_at IS NULL AND t.expires_at > now()
  AND u.id = t.user_id AND u.email = t.email
RETURNING t.user_id, t.email;

-- DeleteExpiredEmailTokens removes, in one bounded batch, tokens that
-- expired before the cutoff (used or not).
-- name: DeleteExpiredEmailTokens :execrows
DELETE FROM email_tokens
WHERE id IN (
    SELECT t.id FROM email_tokens t
    WHERE t.expires_at < @cutoff::timestamptz
    LIMIT @batch_size
    FOR UPDATE SKIP LOCKED
);
