package controllers

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/go-webauthn/webauthn/protocol"
	"github.com/go-webauthn/webauthn/webauthn"
	"github.com/google/uuid"

	genauth "github.com/infrastructure/platform/services/auth/gen/auth"
	"github.com/infrastructure/platform/services/auth/internal/ports"
)

// RelyingParty is the WebAuthn relying party that passkeys are bound to
// (RP_ID, RP_ORIGINS, RP_DISPLAY_NAME).
type RelyingParty struct {
	ID          string
	Origins     []string
	DisplayName string
}

var (
	errMsgInvalidCredential = errors.New("the passkey's response does not verify: another or an expired challenge, another origin or site, an unknown passkey or a bad signature")
	errMsgMalformedPasskey  = errors.New("credential: not a PublicKeyCredential as JSON")
	errMsgNoPasskey         = errors.New("the account has no passkey")
	errMsgLastFactor        = errors.New("this is the account's last second factor: deleting it turns MFA off, so send the password too")
)

// newWebAuthn configures go-webauthn: no attestation asked for (a passkey
// is trusted as the user's own, whatever its make), a discoverable
// credential preferred (so that it also signs in without a password),
// ceremonies that live ports.ChallengeTTL (enforced by the database).
func newWebAuthn(rp RelyingParty) (*webauthn.WebAuthn, error) {
	return webauthn.New(&webauthn.Config{
		RPID:                  rp.ID,
		RPDisplayName:         rp.DisplayName,
		RPOrigins:             rp.Origins,
		AttestationPreference: protocol.PreferNoAttestation,
		AuthenticatorSelection: protocol.AuthenticatorSelection{
			ResidentKey:      protocol.ResidentKeyRequirementPreferred,
			UserVerification: protocol.VerificationPreferred,
		},
		Timeouts: webauthn.TimeoutsConfig{
			Login:        webauthn.TimeoutConfig{Timeout: ports.ChallengeTTL, TimeoutUVD: ports.ChallengeTTL},
			Registration: webauthn.TimeoutConfig{Timeout: ports.ChallengeTTL, TimeoutUVD: ports.ChallengeTTL},
		},
	})
}

// passkeyUser is a user as go-webauthn sees it. The user handle is the
// user id's 16 bytes: stable, and no personal data.
type passkeyUser struct {
	id    uuid.UUID
	email string
	keys  []ports.Passkey
}

func (u passkeyUser) WebAuthnID() []byte          { return u.id[:] }
func (u passkeyUser) WebAuthnName() string        { return u.email }
func (u passkeyUser) WebAuthnDisplayName() string { return u.email }

// WebAuthnCredentials maps the stored passkeys to go-webauthn's records.
func (u passkeyUser) WebAuthnCredentials() []webauthn.Credential {
	out := make([]webauthn.Credential, len(u.keys))
	for i, k := range u.keys {
		transports := make([]protocol.AuthenticatorTransport, len(k.Transports))
		for j, t := range k.Transports {
			transports[j] = protocol.AuthenticatorTransport(t)
		}
		out[i] = webauthn.Credential{
			ID: k.CredentialID, PublicKey: k.PublicKey, AttestationType: k.AttestationType, Transport: transports,
			Flags: webauthn.CredentialFlags{
				UserPresent: true, UserVerified: k.UserVerified, BackupEligible: k.BackupEligible, BackupState: k.BackupState,
			},
			Authenticator: webauthn.Authenticator{AAGUID: k.AAGUID[:], SignCount: k.SignCount},
		}
	}
	return out
}

// find returns the stored passkey of a verified credential.
func (u passkeyUser) find(credentialID []byte) (ports.Passkey, bool) {
	for _, k := range u.keys {
		if bytes.Equal(k.CredentialID, credentialID) {
			return k, true
		}
	}
	return ports.Passkey{}, false
}

// challengeOf is a ceremony to store: its state, found later by the hash
// of its challenge.
func challengeOf(session *webauthn.SessionData, flow ports.PasskeyFlow, userID, sessionID uuid.UUID) (ports.PasskeyChallenge, error) {
	raw, err := base64.RawURLEncoding.DecodeString(session.Challenge)
	if err != nil || len(raw) == 0 {
		return ports.PasskeyChallenge{}, fmt.Errorf("webauthn challenge: %w", err)
	}
	data, err := json.Marshal(session)
	if err != nil {
		return ports.PasskeyChallenge{}, fmt.Errorf("webauthn session data: %w", err)
	}
	return ports.PasskeyChallenge{ChallengeHash: challengeHash(raw), Flow: flow, UserID: userID, SessionID: sessionID, Data: data}, nil
}

func challengeHash(raw []byte) []byte {
	sum := sha256.Sum256(raw)
	return sum[:]
}

// takeChallenge spends the ceremony whose challenge the client signed;
// any failure to find it is invalid_credential.
func (s *Service) takeChallenge(ctx context.Context, clientChallenge string, flow ports.PasskeyFlow) (ports.PasskeyChallenge, webauthn.SessionData, error) {
	raw, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(clientChallenge, "="))
	if err != nil || len(raw) == 0 {
		return ports.PasskeyChallenge{}, webauthn.SessionData{}, genauth.MakeInvalidCredential(errMsgInvalidCredential)
	}
	c, err := s.challenges.Take(ctx, challengeHash(raw))
	if errors.Is(err, ports.ErrNotFound) {
		return c, webauthn.SessionData{}, genauth.MakeInvalidCredential(errMsgInvalidCredential)
	}
	if err != nil {
		return c, webauthn.SessionData{}, err
	}
	var data webauthn.SessionData
	if err := json.Unmarshal(c.Data, &data); err != nil {
		return c, data, fmt.Errorf("webauthn session data: %w", err)
	}
	if c.Flow != flow {
		return c, data, genauth.MakeInvalidCredential(errMsgInvalidCredential)
	}
	return c, data, nil
}

// credentialJSON re-encodes the browser's PublicKeyCredential for
// go-webauthn's parser.
func credentialJSON(m map[string]any) ([]byte, error) {
	b, err := json.Marshal(m)
	if err != nil {
		return nil, genauth.MakeInvalidInput(errMsgMalformedPasskey)
	}
	return b, nil
}

// optionsMap turns go-webauthn's options into the JSON object the client
// hands to navigator.credentials.
func optionsMap(v any) (map[string]any, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("webauthn options: %w", err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("webauthn options: %w", err)
	}
	return m, nil
}

// transportsOf lists a new credential's transports as strings.
func transportsOf(c *webauthn.Credential) []string {
	out := make([]string, len(c.Transport))
	for i, t := range c.Transport {
		out[i] = string(t)
	}
	return out
}
