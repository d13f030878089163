-- name: CreateWebAuthnChallenge :exec
INSERT INTO webauthn_challenges (challenge_hash, flow, user_id, session_id, session_data, expires_at)
VALUES (@challenge_hash, @flow, sqlc.narg('user_id'), sqlc.narg('session_id'), @session_data,
        now() + make_interval(secs => @ttl_seconds::float8));

-- DeleteSessionChallenges drops the pending ceremonies of a session and
-- flow: a session has at most one of each.
-- name: DeleteSessionChallenges :exec
DELETE FROM webauthn_challenges WHERE session_id = @session_id AND flow = @flow;

-- DeleteExpiredChallenges deletes a bounded batch of ceremonies past
-- their time: each begin cleans up after the abandoned ones.
-- name: DeleteExpiredChallenges :exec
DELETE FROM webauthn_challenges
WHERE id IN (SELECT c.id FROM webauthn_challenges c WHERE c.expires_at <= now() LIMIT @batch_size::int);

-- TakeWebAuthnChallenge spends a live ceremony: of concurrent finishes
-- with one challenge, exactly one gets the row.
-- name: TakeWebAuthnChallenge :one
DELETE FROM webauthn_challenges
WHERE challenge_hash = @challenge_hash AND expires_at > now()
RETURNING flow, user_id, session_id, session_data;

-- name: InsertWebAuthnCredential :one
INSERT INTO webauthn_credentials (user_id, credential_id, public_key, attestation_type, sign_count, transports,
                                  aaguid, backup_eligible, backup_state, user_verified, name)
VALUES (@user_id, @credential_id, @public_key, @attestation_type, @sign_count, @transports,
        @aaguid, @backup_eligible, @backup_state, @user_verified, @name)
RETURNING id, created_at;

-- name: ListWebAuthnCredentials :many
SELECT id, user_id, credential_id, public_key, attestation_type, sign_count, transports, aaguid,
       backup_eligible, backup_state, user_verified, name, created_at, last_used_at
FROM webauthn_credentials
WHERE user_id = @user_id
ORDER BY created_at, id;

-- GetWebAuthnCredentialOwner finds a credential by the authenticator's id,
-- with its owner's state (a passwordless sign-in knows nothing else).
-- name: GetWebAuthnCredentialOwner :one
SELECT c.id, c.user_id, c.credential_id, c.public_key, c.attestation_type, c.sign_count, c.transports, c.aaguid,
       c.backup_eligible, c.backup_state, c.user_verified, c.name, c.created_at, c.last_used_at,
       u.email, u.mfa_enabled, (u.disabled_at IS NOT NULL)::boolean AS disabled, (u.email_verified_at IS NOT NULL)::boolean AS email_verified
FROM webauthn_credentials c JOIN users u ON u.id = c.user_id
WHERE c.credential_id = @credential_id;

-- AdvanceSignCount accepts a signature counter at most once: it must grow,
-- but for an authenticator that keeps none (0 then and now). Concurrent
-- sign-ins race on this row and only one advances it.
-- name: AdvanceSignCount :execrows
UPDATE webauthn_credentials
SET sign_count = @sign_count, backup_state = @backup_state, last_used_at = now()
WHERE id = @id AND (sign_count < @sign_count OR (@sign_count = 0 AND sign_count = 0));

-- name: DeleteWebAuthnCredential :execrows
DELETE FROM webauthn_credentials WHERE id = @id AND user_id = @user_id;

-- name: DeleteUserWebAuthnCredentials :exec
DELETE FROM webauthn_credentials WHERE user_id = @user_id;

-- name: CountWebAuthnCredentials :one
SELECT count(*)::int FROM webauthn_credentials WHERE user_id = @user_id;

-- SecondFactorsLeft counts the second factors of a user: an active TOTP
-- credential and the passkeys.
-- name: SecondFactorsLeft :one
SELECT ((SELECT count(*) FROM totp_credentials t WHERE t.user_id = @user_id AND t.state = 'active')
      + (SELECT count(*) FROM webauthn_credentials w WHERE w.user_id = @user_id))::int;

