package ports

import (
	"context"
	"net/netip"
	"time"

	"github.com/google/uuid"
)

// AAL is an authenticator assurance level (NIST SP 800-63B).
type AAL int

const (
	// AAL1 is reached with a password.
	AAL1 AAL = 1
	// AAL2 is reached with a password and a second factor.
	AAL2 AAL = 2
)

// String returns "aal1" or "aal2".
func (a AAL) String() string {
	if a == AAL2 {
		return "aal2"
	}
	return "aal1"
}

// User is an account.
type User struct {
	ID         uuid.UUID
	Email      string
	MFAEnabled bool
	CreatedAt  time.Time
	// EmailVerified: the account proved its address (a verification or
	// password reset link reached it).
	EmailVerified bool
}

// UserCredentials is a user with its password hash, for login only.
type UserCredentials struct {
	User
	PasswordHash []byte
	// Disabled: an operator disabled the account (DisableUser).
	Disabled bool
}

// NewUser is an account to create. Email is already normalized.
type NewUser struct {
	Email        string
	PasswordHash []byte
}

// NewSession is a session to create. Only the hash of its token is stored.
type NewSession struct {
	UserID    uuid.UUID
	TokenHash []byte
	AAL       AAL
	// IdleTimeout is how long the session lives without a refresh.
	IdleTimeout time.Duration
	// AbsoluteTimeout is how long the session lives at most.
	AbsoluteTimeout time.Duration
}

// Session is a stored session.
type Session struct {
	ID            uuid.UUID
	UserID        uuid.UUID
	AAL           AAL
	CreatedAt     time.Time
	IdleExpiresAt time.Time
	ExpiresAt     time.Time
}

// EffectiveExpiry is when the session ends unless refreshed: the earlier of
// the idle and the absolute expiry.
func (s Session) EffectiveExpiry() time.Time {
	if s.IdleExpiresAt.Before(s.ExpiresAt) {
		return s.IdleExpiresAt
	}
	return s.ExpiresAt
}

// SessionIdentity is a live session and the user it belongs to.
type SessionIdentity struct {
	Session
	Email      string
	MFAEnabled bool
}

// Rotation replaces a session's token.
type Rotation struct {
	SessionID uuid.UUID
	// OldTokenHash must still be the session's token.
	OldTokenHash []byte
	NewTokenHash []byte
	AAL          AAL
	// Refresh moves the idle expiry to now + IdleTimeout (capped by the
	// absolute expiry).
	Refresh     bool
	IdleTimeout time.Duration
}

// Sealed is an encrypted TOTP secret and the version of its key.
type Sealed struct {
	Ciphertext []byte
	KeyVersion int32
}

// CodeHashVersion says what a backup code's keyed hash covers.
type CodeHashVersion int16

const (
	// CodeHashV1 is HMAC-SHA256 of the normalized code alone: one key for
	// every user, no salt. Codes made before migration 0006 keep it until
	// their user regenerates them; nothing new is hashed this way.
	CodeHashV1 CodeHashVersion = 1
	// CodeHashV2 is HMAC-SHA256 of "backup-code/v2", the user id and the
	// normalized code: salted per user.
	CodeHashV2 CodeHashVersion = 2
)

// CodeHash is the keyed hash of a backup code, the version of its key and
// how it was computed.
type CodeHash struct {
	Hash        []byte
	KeyVersion  int32
	HashVersion CodeHashVersion
}

// TOTPCredential is a stored TOTP credential.
type TOTPCredential struct {
	UserID uuid.UUID
	Secret Sealed
	Active bool
	// Expired is true for a pending enrollment past its time.
	Expired bool
	// LastStep is the last accepted time step (0: none yet).
	LastStep int64
}

// Enrollment confirms a pending TOTP credential.
type Enrollment struct {
	UserID      uuid.UUID
	Step        int64
	BackupCodes []CodeHash
	Rotation    Rotation
}

// PendingEnrollmentTTL is how long a TOTP enrollment waits for its first
// code.
const PendingEnrollmentTTL = 15 * time.Minute

// AttemptKind is what an authentication attempt tried.
type AttemptKind string

// The kinds of attempts, and of the account events recorded beside them.
const (
	KindLogin      AttemptKind = "login"
	KindTOTP       AttemptKind = "totp"
	KindBackupCode AttemptKind = "backup_code"
	KindRegister   AttemptKind = "register"
	// KindSecondFactorLocked: the lockout limit was reached.
	KindSecondFactorLocked AttemptKind = "second_factor_locked"
	// KindSecondFactorUnlocked: an operator (UnlockUser) or a password
	// reset lifted the lock.
	KindSecondFactorUnlocked AttemptKind = "second_factor_unlocked"
	// KindAccountDisabled, KindAccountEnabled, KindMFAReset: operator acts.
	KindAccountDisabled AttemptKind = "account_disabled"
	KindAccountEnabled  AttemptKind = "account_enabled"
	KindMFAReset        AttemptKind = "mfa_reset"
	// KindPasswordChanged: the user changed the password (an event).
	KindPasswordChanged AttemptKind = "password_changed"
	// KindPasswordForgot, KindVerificationResend: mail asked for (a reset
	// link by email, a new verification link); counted whatever their
	// outcome.
	KindPasswordForgot     AttemptKind = "password_forgot"
	KindVerificationResend AttemptKind = "verification_resend"
	// KindPasswordReset, KindEmailVerify: the token of an emailed link
	// presented.
	KindPasswordReset AttemptKind = "password_reset"
	KindEmailVerify   AttemptKind = "email_verify"
	// KindPasskeyChallenge: a passwordless passkey sign-in begun (a stored
	// challenge), counted per client network whatever its outcome.
	KindPasskeyChallenge AttemptKind = "passkey_challenge"
	// KindPasskey: a sign-in with a passkey, as a second factor or
	// without a password; counted with TOTP and backup codes.
	KindPasskey AttemptKind = "passkey"
	// KindPasskeyRegistered, KindPasskeyDeleted: events of the account.
	KindPasskeyRegistered AttemptKind = "passkey_registered"
	KindPasskeyDeleted    AttemptKind = "passkey_deleted"
	// KindPasskeyCounterRegressed: an assertion whose signature counter
	// did not grow, refused as from a possibly cloned authenticator.
	KindPasskeyCounterRegressed AttemptKind = "passkey_counter_regressed"
)

// LinkPurpose is what an emailed link's token is for.
type LinkPurpose string

// The purposes of emailed links, each with its lifetime.
const (
	LinkVerifyEmail   LinkPurpose = "verify_email"
	LinkResetPassword LinkPurpose = "reset_password"
)

// TTL is how long a link of the purpose stays valid.
func (p LinkPurpose) TTL() time.Duration {
	if p == LinkResetPassword {
		return 30 * time.Minute
	}
	return 24 * time.Hour
}

// Outcome is how an attempt ended.
type Outcome string

// Outcomes of attempts.
const (
	OutcomeSuccess     Outcome = "success"
	OutcomeFailure     Outcome = "failure"
	OutcomeRateLimited Outcome = "rate_limited"
	// OutcomeBusy: refused for want of a password-hashing slot, before the
	// secret was checked; counts against the client network only.
	OutcomeBusy Outcome = "busy"
)

// Attempt is an authentication attempt about to be evaluated.
type Attempt struct {
	Kind AttemptKind
	// Account is what the per-account limit counts: the normalized email
	// for login and register, the user id for second factors.
	Account string
	// UserID is the account's user when known (uuid.Nil otherwise).
	UserID uuid.UUID
	IP     netip.Addr
}

// Limits are the throttles, each over a sliding window, and the
// second-factor lockout.
type Limits struct {
	LoginFailures        int
	LoginWindow          time.Duration
	SecondFactorFailures int
	SecondFactorWindow   time.Duration
	IPFailures           int
	IPWindow             time.Duration
	Registrations        int
	RegistrationWindow   time.Duration
	// KnownIPMemory is how long an IP that succeeded for an account keeps
	// its own failure budget for it.
	KnownIPMemory time.Duration
	// IPv6Prefix is the prefix length by which IPv6 clients are counted
	// (one subscriber holds a whole /64).
	IPv6Prefix int
	// LockoutFailures is the number of consecutive failed second-factor
	// attempts without a success after which the second factor locks.
	LockoutFailures int
	// RefusalBucket is the span over which refused attempts of one
	// account, network and kind are recorded as one row.
	RefusalBucket time.Duration
	// MailPerAccount and MailPerIP bound the messages asked for (password
	// reset and verification links) per account (email or user) and per
	// client network, in MailWindow.
	MailPerAccount int
	MailPerIP      int
	MailWindow     time.Duration
	// PasskeyChallenges bounds the passwordless sign-ins begun per client
	// network in PasskeyChallengeWindow.
	PasskeyChallenges      int
	PasskeyChallengeWindow time.Duration
}

// Network is the client network that per-address limits count by, as its
// first address: the address itself for IPv4, its /IPv6Prefix for IPv6.
func (l Limits) Network(ip netip.Addr) netip.Addr {
	ip = ip.Unmap()
	if !ip.Is6() || l.IPv6Prefix <= 0 || l.IPv6Prefix >= 128 {
		return ip
	}
	p, err := ip.Prefix(l.IPv6Prefix)
	if err != nil {
		return ip
	}
	return p.Addr()
}

// RateLimitedError is returned when an attempt is over a limit.
type RateLimitedError struct {
	// RetryAfter is when the limit frees (rounded up to a second).
	RetryAfter time.Duration
	// Limit names what was exceeded.
	Limit string
}

func (e *RateLimitedError) Error() string {
	return "rate limited: " + e.Limit
}

// Event is an attempt as a user sees it in their activity.
type Event struct {
	Kind      AttemptKind
	Success   bool
	IP        netip.Addr
	CreatedAt time.Time
	// Repeats is how many refused attempts the event stands for (1 but
	// for aggregated refusals).
	Repeats int
	// Actor is the operator behind an operator act ("" otherwise).
	Actor string
}

type callerKey struct{}

// WithCaller returns ctx carrying the identity of the gRPC caller that
// the transport authenticated (a client certificate's SAN), so that the
// operator acts it makes can name it.
func WithCaller(ctx context.Context, identity string) context.Context {
	return context.WithValue(ctx, callerKey{}, identity)
}

// Caller returns the caller identity of ctx, or "unidentified" (a
// plaintext caller on loopback).
func Caller(ctx context.Context) string {
	if id, ok := ctx.Value(callerKey{}).(string); ok && id != "" {
		return id
	}
	return "unidentified"
}
