package ports

import "errors"

// Errors that repositories return, wrapped with context. Controllers map
// them to Goa errors in one place.
var (
	// ErrNotFound means no row matched.
	ErrNotFound = errors.New("not found")
	// ErrEmailTaken means the email belongs to another account.
	ErrEmailTaken = errors.New("email taken")
	// ErrUnavailable means the database could not be reached.
	ErrUnavailable = errors.New("database unavailable")
	// ErrInvalidToken means an emailed link's token is unknown, used,
	// voided by a newer one, expired, or for an address the account no
	// longer has.
	ErrInvalidToken = errors.New("invalid link token")
	// ErrEmailVerified means the account's address is already verified.
	ErrEmailVerified = errors.New("email already verified")
)

// Errors of the second factors.
var (
	// ErrCodeRejected means a code did not match, or its time step or
	// backup code was already used.
	ErrCodeRejected = errors.New("code rejected")
	// ErrTOTPActive means TOTP is already active.
	ErrTOTPActive = errors.New("totp already active")
	// ErrSessionEnded means the session was revoked, expired or rotated
	// by a concurrent request.
	ErrSessionEnded = errors.New("session ended")
	// ErrSecondFactorLocked: too many consecutive failed second-factor
	// attempts; the factor stays locked until a password reset or an
	// operator's UnlockUser.
	ErrSecondFactorLocked = errors.New("second factor locked")
	// ErrCounterRegressed means a passkey's signature counter did not
	// grow: the assertion may come from a cloned authenticator.
	ErrCounterRegressed = errors.New("passkey signature counter regressed")
	// ErrPasskeyTaken means the credential is registered already.
	ErrPasskeyTaken = errors.New("passkey already registered")
	// ErrLastSecondFactor means the change would remove the user's last
	// second factor without the fresh proof it needs.
	ErrLastSecondFactor = errors.New("last second factor")
)
