// Package ports declares what the controllers need from the outside world,
// in domain terms. Repositories implement these interfaces; controllers own
// them. Each interface is small on purpose.
package ports

import (
	"context"
	"net/netip"

	"github.com/google/uuid"
)

// Users stores accounts.
type Users interface {
	// Register creates the user, its first session (none when
	// session.TokenHash is nil) and the outbox entry of its verification
	// link, in one transaction. It returns ErrEmailTaken when the email is
	// in use.
	Register(ctx context.Context, user NewUser, session NewSession) (User, Session, error)
	// ByEmail returns the user with the normalized email and its password
	// hash, or ErrNotFound.
	ByEmail(ctx context.Context, email string) (UserCredentials, error)
	// ByID returns the user, or ErrNotFound.
	ByID(ctx context.Context, id uuid.UUID) (User, error)
}

// Sessions stores sessions, keyed by the SHA-256 hash of their token.
type Sessions interface {
	// Create stores a new session for an existing user.
	Create(ctx context.Context, session NewSession) (Session, error)
	// Validate returns the live session whose token hash matches, or
	// ErrNotFound when it is unknown, expired or revoked. It never writes.
	Validate(ctx context.Context, tokenHash []byte) (SessionIdentity, error)
	// Revoke ends the session at once. It returns ErrNotFound when the
	// session does not exist or is already revoked.
	Revoke(ctx context.Context, id uuid.UUID) error
	// Rotate replaces the token of a live session (the old one stops
	// working at once), sets its level and, for a refresh, moves its idle
	// expiry. ErrSessionEnded when the old token is no longer live.
	Rotate(ctx context.Context, r Rotation) (Session, error)
}

// SessionDirectory lists and revokes the sessions of a user.
type SessionDirectory interface {
	// ListByUser returns the user's live sessions, newest first.
	ListByUser(ctx context.Context, userID uuid.UUID) ([]Session, error)
	// RevokeOwn revokes a live session of the user; ErrNotFound when the
	// session is not the user's, is unknown or is already revoked.
	RevokeOwn(ctx context.Context, id, userID uuid.UUID) error
	// RevokeAll revokes every live session of the user and returns their
	// ids.
	RevokeAll(ctx context.Context, userID uuid.UUID) ([]uuid.UUID, error)
	// RevokeOthers revokes every live session of the user but keep, and
	// returns their ids.
	RevokeOthers(ctx context.Context, userID, keep uuid.UUID) ([]uuid.UUID, error)
}

// TOTPCredentials stores TOTP credentials. Every method that accepts a code
// consumes its time step atomically: ErrCodeRejected when the step is not
// after the last accepted one (a replay, on any replica).
type TOTPCredentials interface {
	// SavePending starts or restarts an enrollment; ErrTOTPActive when
	// TOTP is already active.
	SavePending(ctx context.Context, userID uuid.UUID, secret Sealed) error
	// Get returns the credential, or ErrNotFound.
	Get(ctx context.Context, userID uuid.UUID) (TOTPCredential, error)
	// Enroll activates a pending, unexpired credential, turns MFA on,
	// stores the backup codes and rotates the session, in one
	// transaction. ErrNotFound when no pending enrollment is left.
	Enroll(ctx context.Context, e Enrollment) (Session, error)
	// StepUp consumes the step of an active credential and rotates the
	// session, in one transaction.
	StepUp(ctx context.Context, userID uuid.UUID, step int64, r Rotation) (Session, error)
	// Disable consumes the step, then removes the credential and the
	// backup codes and turns MFA off, in one transaction.
	Disable(ctx context.Context, userID uuid.UUID, step int64) error
}

// BackupCodes stores the hashes of backup codes.
type BackupCodes interface {
	// Use spends the unused code matching one of the candidates (hash,
	// key version and hash version alike) and rotates the session, in one
	// transaction; ErrCodeRejected when none matches. It returns the codes
	// left.
	Use(ctx context.Context, userID uuid.UUID, candidates []CodeHash, r Rotation) (int, Session, error)
	// Replace invalidates every code of the user and stores a new set.
	Replace(ctx context.Context, userID uuid.UUID, codes []CodeHash) error
	// Remaining counts the unused codes.
	Remaining(ctx context.Context, userID uuid.UUID) (int, error)
}

// SecretBox seals TOTP secrets at rest, bound to their user.
type SecretBox interface {
	Seal(userID uuid.UUID, secret []byte) (Sealed, error)
	Open(userID uuid.UUID, sealed Sealed) ([]byte, error)
}

// CodeHasher hashes normalized backup codes of a user with keys kept out
// of the database.
type CodeHasher interface {
	// HashCode hashes a new code of the user: the current hash version
	// (salted with the user id) under the current key.
	HashCode(userID uuid.UUID, normalized string) CodeHash
	// CodeCandidates hashes an attempt once per hash version and
	// configured key, so that it can match a stored code of any of them.
	CodeCandidates(userID uuid.UUID, normalized string) []CodeHash
}

// Revocations is the feed of sessions that stop being valid, from every
// replica.
type Revocations interface {
	// Subscribe returns a subscription whose Events are open from the
	// moment Subscribe returns: no later change is missed. Events closes
	// when the feed breaks (the subscriber must then forget what it
	// cached) or ctx ends. ErrUnavailable when the feed is down.
	Subscribe(ctx context.Context) (Subscription, error)
	// Mark returns the feed's position: an Await given it waits for
	// changes published after it only. Take it before making the change.
	Mark() uint64
	// Await returns once this replica's subscribers have acknowledged the
	// changes of the sessions or users (ids) published after since (so that a
	// revocation is answered only after the caches have forgotten it), or
	// after a short bound; subscribers that have not acknowledged by then
	// are cut off (their clients stop caching until they resubscribe).
	// It returns at once when the feed is down: caches are then off. Only
	// changes that the feed reports may be awaited: a live session that
	// ended or changed its token, a user whose MFA or email changed.
	Await(ctx context.Context, since uint64, ids ...uuid.UUID)
}

// Change is one event of the revocation feed.
type Change struct {
	// ID is the session that stopped being valid or, with User, the user
	// whose sessions now vouch for something else (MFA turned on or off,
	// a new email): every validation of them must be forgotten.
	ID   uuid.UUID
	User bool
}

// Subscription is one subscriber of the revocation feed.
type Subscription struct {
	// Events carries the changes.
	Events <-chan Change
	// Ack tells that the subscriber has forgotten the session or user of
	// a change.
	Ack func(uuid.UUID)
}

// Passwords changes and resets passwords. Each change runs in one
// transaction with its activity event and its mailed notice.
type Passwords interface {
	// Change sets the user's password hash, rotates the session of r and
	// revokes every other session of the user; ip is the client's, for
	// the activity. It returns the rotated session and the ids of every
	// session that ended or changed; ErrSessionEnded when r's token is no
	// longer live.
	Change(ctx context.Context, userID uuid.UUID, hash []byte, r Rotation, ip netip.Addr) (Session, []uuid.UUID, error)
	// Reset spends the reset link's token, sets the password hash, revokes
	// every session of the user, lifts a second-factor lock and marks the
	// address verified (the link reached it). It returns the user and the
	// ids of the sessions that ended; ErrInvalidToken when the token is not
	// live (of concurrent resets with one token, exactly one succeeds).
	Reset(ctx context.Context, tokenHash, hash []byte) (uuid.UUID, []uuid.UUID, error)
}

// EmailLinks are the emailed links (password reset, email verification):
// asking for them puts them in the mail outbox, whose worker makes each
// token as it sends (only its hash is stored), and spending them.
type EmailLinks interface {
	// RequestReset puts a reset link for the account of email in the
	// outbox. Whether there is such an account is the worker's business,
	// so that the request costs the same either way.
	RequestReset(ctx context.Context, email string) error
	// RequestVerification puts a verification link for the user in the
	// outbox; ErrEmailVerified when the address is already verified,
	// ErrNotFound for an unknown user.
	RequestVerification(ctx context.Context, userID uuid.UUID) error
	// Peek returns the user and address of a live token of the purpose
	// without spending it; ErrInvalidToken otherwise.
	Peek(ctx context.Context, purpose LinkPurpose, tokenHash []byte) (uuid.UUID, string, error)
	// Verify spends a verification token and marks the address verified;
	// ErrInvalidToken when the token is not live.
	Verify(ctx context.Context, tokenHash []byte) (uuid.UUID, error)
}

// Operators are the operator acts on an account. Each runs in one
// transaction with its activity event (naming actor) and its mailed
// notice; ErrNotFound for an unknown user.
type Operators interface {
	// Disable disables the account and revokes every live session,
	// returning their ids.
	Disable(ctx context.Context, userID uuid.UUID, actor string) ([]uuid.UUID, error)
	// Enable enables the account again.
	Enable(ctx context.Context, userID uuid.UUID, actor string) error
	// ResetMFA removes TOTP and the backup codes, turns MFA off and
	// revokes every live session, returning their ids.
	ResetMFA(ctx context.Context, userID uuid.UUID, actor string) ([]uuid.UUID, error)
}

// Throttle counts authentication attempts in PostgreSQL, so that limits
// hold across replicas and concurrent requests.
type Throttle interface {
	// Begin checks every limit that applies to the attempt and, in the
	// same transaction, records it as pending (it counts as a failure
	// until finished). Over a limit it records the attempt as rate limited
	// (refusals of one account, network and kind within the refusal
	// bucket share one row) and returns a *RateLimitedError; a second
	// factor that is locked returns ErrSecondFactorLocked.
	Begin(ctx context.Context, a Attempt) (int64, error)
	// Finish records the outcome of a pending attempt and, once known, its
	// user. A second-factor failure advances the user's count of
	// consecutive failures (locking the factor at the lockout limit, with
	// a KindSecondFactorLocked event) and a success resets it, in the same
	// transaction. It reports whether this failure locked the factor.
	Finish(ctx context.Context, id int64, outcome Outcome, userID uuid.UUID) (locked bool, err error)
	// Unlock lifts the user's second-factor lock and resets the count, with
	// a KindSecondFactorUnlocked event naming actor; ErrNotFound for an
	// unknown user.
	Unlock(ctx context.Context, userID uuid.UUID, actor string) error
	// Activity returns the user's last max finished attempts, newest first.
	Activity(ctx context.Context, userID uuid.UUID, max int) ([]Event, error)
}

// PasskeyChallenges stores the state of WebAuthn ceremonies, single use.
type PasskeyChallenges interface {
	// Save stores a ceremony that lives ChallengeTTL, replacing any
	// pending one of the same session and flow.
	Save(ctx context.Context, c PasskeyChallenge) error
	// Take spends the live ceremony of the challenge hash: of concurrent
	// finishes exactly one gets it; ErrNotFound otherwise (unknown,
	// expired or already spent).
	Take(ctx context.Context, challengeHash []byte) (PasskeyChallenge, error)
}

// Passkeys stores passkeys. Every method that changes whether the user
// has a second factor keeps users.mfa_enabled in step, in one transaction
// with its activity event and its mailed notice.
type Passkeys interface {
	// List returns the user's passkeys, oldest first.
	List(ctx context.Context, userID uuid.UUID) ([]Passkey, error)
	// ByCredentialID returns the passkey with the authenticator's
	// credential id and its owner, or ErrNotFound.
	ByCredentialID(ctx context.Context, credentialID []byte) (PasskeyOwner, error)
	// Register stores the passkey, turns MFA on, stores the backup codes
	// when the user has none (codesStored) and rotates the session.
	// ErrPasskeyTaken when the credential id is registered already.
	Register(ctx context.Context, r PasskeyRegistration) (p Passkey, codesStored bool, s Session, err error)
	// StepUp advances the passkey's counter and rotates the session to
	// aal2, in one transaction; ErrCounterRegressed (recorded as a
	// KindPasskeyCounterRegressed event) when the counter did not grow.
	StepUp(ctx context.Context, use PasskeyUse, r Rotation) (Session, error)
	// SignIn advances the passkey's counter and creates an aal2 session,
	// in one transaction; ErrCounterRegressed as StepUp.
	SignIn(ctx context.Context, use PasskeyUse, s NewSession) (Session, error)
	// Delete removes one of the user's passkeys; ErrNotFound when the
	// user has no such passkey, ErrLastSecondFactor when it is the last
	// second factor and allowLast is false. Deleting the last one turns
	// MFA off and removes the backup codes (mfaOff).
	Delete(ctx context.Context, userID, id uuid.UUID, allowLast bool, ip netip.Addr) (mfaOff bool, err error)
}
