-- name: InsertBackupCodes :copyfrom
INSERT INTO backup_codes (user_id, code_hash, key_version, hash_version)
VALUES (@user_id, @code_hash, @key_version, @hash_version);

-- name: DeleteBackupCodes :exec
DELETE FROM backup_codes WHERE user_id = @user_id;

-- UseBackupCode spends a code: only one of any number of concurrent
-- requests sees used_at still null and gets the row back. The candidates
-- are three arrays of one length, read in step (unnest side by side in a
-- select list zips them); each matches only a row of its own hash version
-- and key version.
-- name: UseBackupCode :one
UPDATE backup_codes
SET used_at = now()
WHERE user_id = @user_id AND used_at IS NULL
  AND (hash_version, key_version, code_hash) IN (
      SELECT unnest(@hash_versions::smallint[]), unnest(@key_versions::integer[]), unnest(@code_hashes::bytea[]))
RETURNING id;

-- name: CountBackupCodes :one
SELECT count(*) FROM backup_codes WHERE user_id = @user_id AND used_at IS NULL;

-- name: CountUsersWithBackupCodesUnderOtherKeys :one
SELECT count(DISTINCT user_id) FROM backup_codes
WHERE key_version <> @current_version AND used_at IS NULL;

-- CountUsersWithBackupCodesBelowHashVersion counts the users with unused
-- codes hashed the old way: only regenerating them upgrades them.
-- name: CountUsersWithBackupCodesBelowHashVersion :one
SELECT count(DISTINCT user_id) FROM backup_codes
WHERE hash_version < @hash_version AND used_at IS NULL;
