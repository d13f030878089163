package ports

import (
	"net/netip"
	"time"

	"github.com/google/uuid"
)

// PasskeyFlow is the ceremony a WebAuthn challenge belongs to.
type PasskeyFlow string

// The ceremonies: registering a passkey (bound to the session that began
// it), a passkey as the second factor of that session, a passwordless
// sign-in (no session, no user).
const (
	FlowRegister     PasskeyFlow = "register"
	FlowSecondFactor PasskeyFlow = "second_factor"
	FlowPasswordless PasskeyFlow = "passwordless"
)

// ChallengeTTL is how long a ceremony waits for its finish.
const ChallengeTTL = 5 * time.Minute

// PasskeyChallenge is the state of a ceremony between its begin and its
// finish.
type PasskeyChallenge struct {
	// ChallengeHash is the SHA-256 of the challenge's bytes.
	ChallengeHash []byte
	Flow          PasskeyFlow
	// UserID and SessionID bind a registration or a second factor
	// (uuid.Nil for a passwordless sign-in).
	UserID    uuid.UUID
	SessionID uuid.UUID
	// Data is the relying party library's ceremony state (JSON).
	Data []byte
}

// Passkey is a registered WebAuthn credential.
type Passkey struct {
	ID              uuid.UUID
	UserID          uuid.UUID
	CredentialID    []byte
	PublicKey       []byte
	AttestationType string
	SignCount       uint32
	Transports      []string
	AAGUID          uuid.UUID
	BackupEligible  bool
	BackupState     bool
	UserVerified    bool
	Name            string
	CreatedAt       time.Time
	// LastUsedAt is zero until the passkey signs in.
	LastUsedAt time.Time
}

// PasskeyOwner is a passkey found by its credential id, with its owner.
type PasskeyOwner struct {
	Passkey
	Email         string
	MFAEnabled    bool
	Disabled      bool
	EmailVerified bool
}

// PasskeyRegistration stores a new passkey.
type PasskeyRegistration struct {
	Passkey Passkey
	// BackupCodes are stored only when the user has no unused code left
	// (then Register reports that they were).
	BackupCodes []CodeHash
	// Rotation raises the registering session to aal2 under a new token.
	Rotation Rotation
	IP       netip.Addr
}

// PasskeyUse is an assertion verified against a stored passkey, whose
// signature counter and backup state it moves.
type PasskeyUse struct {
	ID          uuid.UUID
	UserID      uuid.UUID
	SignCount   uint32
	BackupState bool
	IP          netip.Addr
}
