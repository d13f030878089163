-- name: InsertBackupCodes :copyfrom
INSERT INTO backup_codes (user_id, code_hash, key_version) VALUES (@user_id, @code_hash, @key_version);

-- name: DeleteBackupCodes :exec
DELETE FROM backup_codes WHERE user_id = @user_id;

-- UseBackupCode spends a code: only one of any number of concurrent
-- requests sees used_at still null and gets the row back.
-- name: UseBackupCode :one
UPDATE backup_codes
SET used_at = now()
WHERE user_id = @user_id AND code_hash = ANY(@code_hashes::bytea[]) AND used_at IS NULL
RETURNING id;

-- name: CountBackupCodes :one
SELECT count(*) FROM backup_codes WHERE user_id = @user_id AND used_at IS NULL;

-- name: CountUsersWithBackupCodesUnderOtherKeys :one
SELECT count(DISTINCT user_id) FROM backup_codes
WHERE key_version <> @current_version AND used_at IS NULL;
