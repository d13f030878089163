// Package controllers implements the Goa auth service: the inbound side of
// the hexagon. It depends on ports only, never on repositories or pgx.
package controllers

import (
	"errors"
	"fmt"
	"runtime"
	"time"

	"github.com/go-webauthn/webauthn/webauthn"
	"go.opentelemetry.io/otel/metric"

	genauth "github.com/infrastructure/platform/services/auth/gen/auth"
	"github.com/infrastructure/platform/services/auth/internal/ports"
)

// Options configures a Service.
type Options struct {
	Users       ports.Users
	Sessions    ports.Sessions
	Directory   ports.SessionDirectory
	Revocations ports.Revocations
	Throttle    ports.Throttle
	TOTP        ports.TOTPCredentials
	BackupCodes ports.BackupCodes
	Operators   ports.Operators
	Passwords   ports.Passwords
	EmailLinks  ports.EmailLinks
	// Passkeys and PasskeyChallenges store passkeys and their ceremonies
	// for the relying party RelyingParty.
	Passkeys          ports.Passkeys
	PasskeyChallenges ports.PasskeyChallenges
	RelyingParty      RelyingParty
	// EmailVerificationRequired: login of an account whose address is not
	// verified answers 403 email_unverified (and mails a new link), and
	// register opens no session.
	EmailVerificationRequired bool
	// SecretBox seals TOTP secrets; CodeHasher hashes backup codes.
	SecretBox  ports.SecretBox
	CodeHasher ports.CodeHasher
	// BcryptCost is the password hashing cost.
	BcryptCost int
	// HashConcurrency bounds the bcrypt computations in flight (one less
	// than GOMAXPROCS (the CPUs a container may use), at least one, when zero: a core stays free for session
	// validation and health checks); HashWait is how long a request waits for a slot
	// before it gets 503 (2s when zero).
	HashConcurrency int
	HashWait        time.Duration
	// IdleTimeout is how long a session lives without a refresh.
	IdleTimeout time.Duration
	// AbsoluteTimeout is how long a session lives at most.
	AbsoluteTimeout time.Duration
	// TOTPIssuer is the issuer shown in authenticator apps.
	TOTPIssuer string
	// Now is the clock of TOTP codes (time.Now when nil).
	Now func() time.Time
	// Meter makes the service's metrics (none when nil).
	Meter metric.Meter
}

// Service implements genauth.Service and genauth.Auther.
type Service struct {
	users       ports.Users
	sessions    ports.Sessions
	directory   ports.SessionDirectory
	revocations ports.Revocations
	throttle    ports.Throttle
	totp        ports.TOTPCredentials
	backup      ports.BackupCodes
	operators   ports.Operators
	changes     ports.Passwords
	links       ports.EmailLinks
	passkeys    ports.Passkeys
	challenges  ports.PasskeyChallenges
	webauthn    *webauthn.WebAuthn
	mustVerify  bool
	box         ports.SecretBox
	hasher      ports.CodeHasher
	passwords   *passwordHasher
	idle        time.Duration
	absolute    time.Duration
	issuer      string
	now         func() time.Time
	metrics     *metrics
}

var (
	_ genauth.Service = (*Service)(nil)
	_ genauth.Auther  = (*Service)(nil)
)

// New returns the service. It computes one bcrypt hash at the configured
// cost, so that logins for unknown emails cost as much as real ones.
func New(o Options) (*Service, error) {
	if o.Users == nil || o.Sessions == nil || o.Directory == nil || o.Revocations == nil || o.Throttle == nil || o.TOTP == nil || o.BackupCodes == nil || o.Operators == nil || o.Passwords == nil || o.EmailLinks == nil || o.Passkeys == nil || o.PasskeyChallenges == nil || o.SecretBox == nil || o.CodeHasher == nil {
		return nil, errors.New("controllers: every port is required")
	}
	if o.IdleTimeout <= 0 || o.AbsoluteTimeout <= 0 {
		return nil, errors.New("controllers: session timeouts must be positive")
	}
	if o.TOTPIssuer == "" {
		return nil, errors.New("controllers: the TOTP issuer is required")
	}
	if o.HashConcurrency == 0 {
		o.HashConcurrency = max(1, runtime.GOMAXPROCS(0)-1)
	}
	if o.HashWait == 0 {
		o.HashWait = 2 * time.Second
	}
	ph, err := newPasswordHasher(o.BcryptCost, o.HashConcurrency, o.HashWait)
	if err != nil {
		return nil, fmt.Errorf("controllers: %w", err)
	}
	now := o.Now
	if now == nil {
		now = time.Now
	}
	wa, err := newWebAuthn(o.RelyingParty)
	if err != nil {
		return nil, fmt.Errorf("controllers: relying party: %w", err)
	}
	m, err := newMetrics(o.Meter)
	if err != nil {
		return nil, fmt.Errorf("controllers: metrics: %w", err)
	}
	return &Service{
		users:       o.Users,
		sessions:    o.Sessions,
		directory:   o.Directory,
		revocations: o.Revocations,
		throttle:    o.Throttle,
		totp:        o.TOTP,
		backup:      o.BackupCodes,
		operators:   o.Operators,
		changes:     o.Passwords,
		links:       o.EmailLinks,
		passkeys:    o.Passkeys,
		challenges:  o.PasskeyChallenges,
		webauthn:    wa,
		mustVerify:  o.EmailVerificationRequired,
		box:         o.SecretBox,
		hasher:      o.CodeHasher,
		passwords:   ph,
		idle:        o.IdleTimeout,
		absolute:    o.AbsoluteTimeout,
		issuer:      o.TOTPIssuer,
		now:         now,
		metrics:     m,
	}, nil
}
