package controllers

import (
	"context"
	"errors"

	"github.com/go-webauthn/webauthn/protocol"
	"github.com/go-webauthn/webauthn/webauthn"
	"github.com/google/uuid"
	"goa.design/clue/log"

	genauth "github.com/infrastructure/platform/services/auth/gen/auth"
	"github.com/infrastructure/platform/services/auth/internal/clientip"
	"github.com/infrastructure/platform/services/auth/internal/ports"
)

// defaultPasskeyName names a passkey registered without a name.
const defaultPasskeyName = "Passkey"

// PasskeyRegisterBegin implements genauth.Service: creation options bound
// to this session, excluding the passkeys the user has (an authenticator
// registers once per account).
func (s *Service) PasskeyRegisterBegin(ctx context.Context, _ *genauth.PasskeyRegisterBeginPayload) (*genauth.PasskeyOptions, error) {
	ident, err := mustSession(ctx)
	if err != nil {
		return nil, err
	}
	user, err := s.passkeyUser(ctx, ident.UserID, ident.Email)
	if err != nil {
		return nil, toGoa(ctx, err)
	}
	creation, session, err := s.webauthn.BeginRegistration(user, webauthn.WithExclusions(webauthn.Credentials(user.WebAuthnCredentials()).CredentialDescriptors()))
	if err != nil {
		return nil, toGoa(ctx, err)
	}
	return s.saveCeremony(ctx, creation, session, ports.FlowRegister, ident.UserID, ident.ID)
}

// PasskeyRegisterFinish implements genauth.Service: the attestation of the
// ceremony this session began is verified and the passkey stored; MFA
// turns on (with backup codes when the user has none) and the session is
// raised to aal2 under a new token, as a TOTP enrollment does.
func (s *Service) PasskeyRegisterFinish(ctx context.Context, p *genauth.PasskeyRegisterFinishPayload) (*genauth.PasskeyRegistered, error) {
	ident, err := mustSession(ctx)
	if err != nil {
		return nil, err
	}
	body, err := credentialJSON(p.Credential)
	if err != nil {
		return nil, err
	}
	parsed, err := protocol.ParseCredentialCreationResponseBytes(body)
	if err != nil {
		return nil, genauth.MakeInvalidInput(errMsgMalformedPasskey)
	}
	c, data, err := s.takeChallenge(ctx, parsed.Response.CollectedClientData.Challenge, ports.FlowRegister)
	if err != nil {
		return nil, toGoa(ctx, err)
	}
	if c.SessionID != ident.ID || c.UserID != ident.UserID {
		return nil, genauth.MakeInvalidCredential(errMsgInvalidCredential)
	}
	user := passkeyUser{id: ident.UserID, email: ident.Email}
	cred, err := s.webauthn.CreateCredential(user, data, parsed)
	if err != nil {
		log.Print(ctx, log.KV{K: "msg", V: "passkey registration refused"}, log.KV{K: "reason", V: webauthnReason(err)})
		return nil, genauth.MakeInvalidCredential(errMsgInvalidCredential)
	}
	key := ports.Passkey{
		UserID: ident.UserID, CredentialID: cred.ID, PublicKey: cred.PublicKey, AttestationType: cred.AttestationType,
		SignCount: cred.Authenticator.SignCount, Transports: transportsOf(cred), Name: defaultPasskeyName,
		BackupEligible: cred.Flags.BackupEligible, BackupState: cred.Flags.BackupState, UserVerified: cred.Flags.UserVerified,
	}
	if aaguid, err := uuid.FromBytes(cred.Authenticator.AAGUID); err == nil {
		key.AAGUID = aaguid
	}
	if p.Name != nil {
		key.Name = *p.Name
	}
	codes, hashes := newBackupCodes(s.hasher, ident.UserID)
	token, rot := s.elevation(ctx, ident)
	var stored ports.Passkey
	err = s.revoking(ctx, func() ([]uuid.UUID, error) {
		var codesStored bool
		var err error
		stored, codesStored, _, err = s.passkeys.Register(ctx, ports.PasskeyRegistration{Passkey: key, BackupCodes: hashes, Rotation: rot, IP: clientip.From(ctx)})
		if !codesStored {
			codes = []string{}
		}
		// MFA may have turned on: siblings must stop admitting the user's
		// other aal1 sessions before this call answers.
		return []uuid.UUID{ident.ID, ident.UserID}, err
	})
	if errors.Is(err, ports.ErrPasskeyTaken) {
		return nil, genauth.MakeInvalidCredential(errMsgInvalidCredential)
	}
	if err != nil {
		return nil, toGoa(ctx, err)
	}
	return &genauth.PasskeyRegistered{Passkey: toPasskeyView(stored), Aal: ports.AAL2.String(), BackupCodes: codes, SessionToken: token}, nil
}

// PasskeyList implements genauth.Service.
func (s *Service) PasskeyList(ctx context.Context, _ *genauth.PasskeyListPayload) (*genauth.RegisteredPasskeys, error) {
	ident, err := mustSession(ctx)
	if err != nil {
		return nil, err
	}
	keys, err := s.passkeys.List(ctx, ident.UserID)
	if err != nil {
		return nil, toGoa(ctx, err)
	}
	out := &genauth.RegisteredPasskeys{Passkeys: make([]*genauth.PasskeyView, len(keys))}
	for i, k := range keys {
		out.Passkeys[i] = toPasskeyView(k)
	}
	return out, nil
}

// PasskeyDelete implements genauth.Service. The last second factor goes
// only with the password asked again: deleting it turns MFA off.
func (s *Service) PasskeyDelete(ctx context.Context, p *genauth.PasskeyDeletePayload) error {
	ident, err := mustSession(ctx)
	if err != nil {
		return err
	}
	id, err := parseID(p.ID, "id")
	if err != nil {
		return err
	}
	allowLast := false
	if p.Password != nil {
		if err := s.reauthenticate(ctx, ident, *p.Password); err != nil {
			return err
		}
		allowLast = true
	}
	err = s.revoking(ctx, func() ([]uuid.UUID, error) {
		mfaOff, err := s.passkeys.Delete(ctx, ident.UserID, id, allowLast, clientip.From(ctx))
		if mfaOff { // cached identities of the user must say so
			return []uuid.UUID{ident.UserID}, err
		}
		return nil, err
	})
	if errors.Is(err, ports.ErrLastSecondFactor) {
		return genauth.MakeLastSecondFactor(errMsgLastFactor)
	}
	return toGoa(ctx, err)
}

// passkeyUser reads the user's passkeys as go-webauthn's user.
func (s *Service) passkeyUser(ctx context.Context, userID uuid.UUID, email string) (passkeyUser, error) {
	keys, err := s.passkeys.List(ctx, userID)
	return passkeyUser{id: userID, email: email, keys: keys}, err
}

// saveCeremony stores the ceremony's state and answers its options.
func (s *Service) saveCeremony(ctx context.Context, options any, session *webauthn.SessionData, flow ports.PasskeyFlow, userID, sessionID uuid.UUID) (*genauth.PasskeyOptions, error) {
	c, err := challengeOf(session, flow, userID, sessionID)
	if err != nil {
		return nil, toGoa(ctx, err)
	}
	if err := s.challenges.Save(ctx, c); err != nil {
		return nil, toGoa(ctx, err)
	}
	m, err := optionsMap(options)
	if err != nil {
		return nil, toGoa(ctx, err)
	}
	return &genauth.PasskeyOptions{Options: m}, nil
}

// webauthnReason is what go-webauthn says was wrong, for the log: a
// category and its details, never a key or a signature.
func webauthnReason(err error) string {
	var pe *protocol.Error
	if errors.As(err, &pe) {
		return pe.Type + ": " + pe.Details
	}
	return "verification failed"
}
