package controllers

import (
	"context"
	"errors"
	"strings"

	"github.com/go-webauthn/webauthn/protocol"
	"github.com/go-webauthn/webauthn/webauthn"
	"github.com/google/uuid"
	"goa.design/clue/log"

	genauth "github.com/infrastructure/platform/services/auth/gen/auth"
	"github.com/infrastructure/platform/services/auth/internal/clientip"
	"github.com/infrastructure/platform/services/auth/internal/ports"
)

// PasskeyLoginBegin implements genauth.Service. The session of a user who
// has MFA on at aal1 asks for the second factor (the user's passkeys
// allowed); anything else for a passwordless sign-in (a discoverable
// passkey, with user verification).
func (s *Service) PasskeyLoginBegin(ctx context.Context, p *genauth.PasskeyLoginBeginPayload) (*genauth.PasskeyOptions, error) {
	if _, ident, ok := s.incompleteSession(ctx, p.Token); ok {
		user, err := s.passkeyUser(ctx, ident.UserID, ident.Email)
		if err != nil {
			return nil, toGoa(ctx, err)
		}
		if len(user.keys) == 0 {
			return nil, genauth.MakeNoPasskey(errMsgNoPasskey)
		}
		assertion, session, err := s.webauthn.BeginLogin(user, webauthn.WithUserVerification(protocol.VerificationPreferred))
		if err != nil {
			return nil, toGoa(ctx, err)
		}
		return s.saveCeremony(ctx, assertion, session, ports.FlowSecondFactor, ident.UserID, ident.ID)
	}
	// No session: each begin stores a challenge, so begins are counted
	// per client network.
	var options *genauth.PasskeyOptions
	err := s.throttled(ctx, ports.KindPasskeyChallenge, passwordlessAccount, uuid.Nil, func() (uuid.UUID, error) {
		assertion, session, err := s.webauthn.BeginDiscoverableLogin(webauthn.WithUserVerification(protocol.VerificationRequired))
		if err != nil {
			return uuid.Nil, err
		}
		options, err = s.saveCeremony(ctx, assertion, session, ports.FlowPasswordless, uuid.Nil, uuid.Nil)
		return uuid.Nil, err
	})
	if err != nil {
		return nil, toGoa(ctx, err)
	}
	return options, nil
}

// passwordlessAccount is the throttle's account key of passwordless
// begins: they have no account yet, only a client network.
const passwordlessAccount = "passwordless"

// PasskeyLoginFinish implements genauth.Service: the assertion of a
// ceremony, spent once, as the second factor of the session that began it
// or as a passwordless sign-in.
func (s *Service) PasskeyLoginFinish(ctx context.Context, p *genauth.PasskeyLoginFinishPayload) (*genauth.PasskeyLoginResult, error) {
	body, err := credentialJSON(p.Credential)
	if err != nil {
		return nil, err
	}
	parsed, err := protocol.ParseCredentialRequestResponseBytes(body)
	if err != nil {
		return nil, genauth.MakeInvalidInput(errMsgMalformedPasskey)
	}
	if sctx, ident, ok := s.incompleteSession(ctx, p.Token); ok {
		return s.passkeySecondFactor(sctx, ident, parsed)
	}
	return s.passkeySignIn(ctx, parsed)
}

// passkeySecondFactor raises the session to aal2: one attempt of the
// user's second factor, as a TOTP or backup code is.
func (s *Service) passkeySecondFactor(ctx context.Context, ident ports.SessionIdentity, parsed *protocol.ParsedCredentialAssertionData) (*genauth.PasskeyLoginResult, error) {
	token, rot := s.elevation(ctx, ident)
	var session ports.Session
	err := s.revoking(ctx, func() ([]uuid.UUID, error) {
		return []uuid.UUID{ident.ID}, s.throttled(ctx, ports.KindPasskey, secondFactorAccount(ident.UserID), ident.UserID, func() (uuid.UUID, error) {
			c, data, err := s.takeChallenge(ctx, parsed.Response.CollectedClientData.Challenge, ports.FlowSecondFactor)
			if err != nil {
				return ident.UserID, err
			}
			if c.SessionID != ident.ID {
				return ident.UserID, genauth.MakeInvalidCredential(errMsgInvalidCredential)
			}
			user, err := s.passkeyUser(ctx, ident.UserID, ident.Email)
			if err != nil {
				return ident.UserID, err
			}
			use, err := s.verifyAssertion(ctx, user, data, parsed)
			if err != nil {
				return ident.UserID, err
			}
			session, err = s.passkeys.StepUp(ctx, use, rot)
			return ident.UserID, err
		})
	})
	if err != nil {
		return nil, s.passkeyError(ctx, err)
	}
	return &genauth.PasskeyLoginResult{SessionID: session.ID.String(), Aal: ports.AAL2.String(), ExpiresAt: formatTime(session.EffectiveExpiry()), SessionToken: token}, nil
}

// passkeySignIn opens an aal2 session without a password. Its attempts
// count per passkey owner ("passwordless:<user>", apart from the second
// factor's budget, so that nobody can use up a user's second-factor
// attempts without the password) and per client network; the
// second-factor lockout does not apply (no code is guessed here).
func (s *Service) passkeySignIn(ctx context.Context, parsed *protocol.ParsedCredentialAssertionData) (*genauth.PasskeyLoginResult, error) {
	owner, err := s.passkeys.ByCredentialID(ctx, parsed.RawID)
	if err != nil && !errors.Is(err, ports.ErrNotFound) {
		return nil, toGoa(ctx, err)
	}
	account := "passwordless:unknown"
	if err == nil {
		account = "passwordless:" + owner.UserID.String()
	}
	token, tokenHash := newToken()
	var session ports.Session
	err = s.throttled(ctx, ports.KindPasskey, account, uuid.Nil, func() (uuid.UUID, error) {
		_, data, err := s.takeChallenge(ctx, parsed.Response.CollectedClientData.Challenge, ports.FlowPasswordless)
		if err != nil {
			return uuid.Nil, err
		}
		if owner.UserID == uuid.Nil {
			return uuid.Nil, genauth.MakeInvalidCredential(errMsgInvalidCredential)
		}
		user, err := s.passkeyUser(ctx, owner.UserID, owner.Email)
		if err != nil {
			return uuid.Nil, err
		}
		handler := func(rawID, userHandle []byte) (webauthn.User, error) {
			if string(userHandle) != string(user.WebAuthnID()) {
				return nil, errors.New("user handle of another account")
			}
			return user, nil
		}
		if _, _, err := s.webauthn.ValidatePasskeyLogin(handler, data, parsed); err != nil {
			log.Print(ctx, log.KV{K: "msg", V: "passkey sign-in refused"}, log.KV{K: "reason", V: webauthnReason(err)})
			return uuid.Nil, genauth.MakeInvalidCredential(errMsgInvalidCredential)
		}
		if owner.Disabled { // told only to whoever holds the passkey
			return owner.UserID, genauth.MakeAccountDisabled(errMsgAccountDisabled)
		}
		if s.mustVerify && !owner.EmailVerified {
			return owner.UserID, genauth.MakeEmailUnverified(errMsgEmailUnverified)
		}
		use := passkeyUse(owner.Passkey, parsed)
		use.IP = clientip.From(ctx)
		session, err = s.passkeys.SignIn(ctx, use, s.newSession(ports.AAL2, tokenHash))
		if err != nil {
			return uuid.Nil, err
		}
		return owner.UserID, nil
	})
	if err != nil {
		return nil, s.passkeyError(ctx, err)
	}
	s.metrics.sessionCreated(ctx)
	return &genauth.PasskeyLoginResult{SessionID: session.ID.String(), Aal: ports.AAL2.String(), ExpiresAt: formatTime(session.EffectiveExpiry()), SessionToken: token}, nil
}

// verifyAssertion checks the assertion against the user's passkeys and
// returns the use to record (its counter is checked atomically there).
func (s *Service) verifyAssertion(ctx context.Context, user passkeyUser, data webauthn.SessionData, parsed *protocol.ParsedCredentialAssertionData) (ports.PasskeyUse, error) {
	if _, err := s.webauthn.ValidateLogin(user, data, parsed); err != nil {
		log.Print(ctx, log.KV{K: "msg", V: "passkey assertion refused"}, log.KV{K: "reason", V: webauthnReason(err)})
		return ports.PasskeyUse{}, genauth.MakeInvalidCredential(errMsgInvalidCredential)
	}
	key, ok := user.find(parsed.RawID)
	if !ok {
		return ports.PasskeyUse{}, genauth.MakeInvalidCredential(errMsgInvalidCredential)
	}
	use := passkeyUse(key, parsed)
	use.IP = clientip.From(ctx)
	return use, nil
}

// passkeyUse is what a verified assertion changes on its passkey.
func passkeyUse(key ports.Passkey, parsed *protocol.ParsedCredentialAssertionData) ports.PasskeyUse {
	return ports.PasskeyUse{
		ID: key.ID, UserID: key.UserID,
		SignCount:   parsed.Response.AuthenticatorData.Counter,
		BackupState: parsed.Response.AuthenticatorData.Flags.HasBackupState(),
	}
}

// incompleteSession returns the live session of token when it awaits its
// second factor (MFA on, aal1), and ctx carrying it as APIKeyAuth would. A
// missing, dead or complete session is no second factor: the request is
// a passwordless sign-in.
func (s *Service) incompleteSession(ctx context.Context, token *string) (context.Context, ports.SessionIdentity, bool) {
	if token == nil {
		return ctx, ports.SessionIdentity{}, false
	}
	t := *token
	if scheme, rest, ok := strings.Cut(t, " "); ok && strings.EqualFold(scheme, "Bearer") {
		t = rest
	}
	ident, err := s.resolve(ctx, t)
	if err != nil || !ident.MFAEnabled || ident.AAL == ports.AAL2 {
		return ctx, ports.SessionIdentity{}, false
	}
	return context.WithValue(ctx, sessionKey{}, authenticated{ident: ident, tokenHash: hashToken(t)}), ident, true
}

// passkeyError maps the errors of passkey sign-ins.
func (s *Service) passkeyError(ctx context.Context, err error) error {
	if errors.Is(err, ports.ErrCounterRegressed) {
		log.Print(ctx, log.KV{K: "msg", V: "passkey refused: its signature counter did not grow (a cloned authenticator?)"})
		return genauth.MakeInvalidCredential(errMsgInvalidCredential)
	}
	return toGoa(ctx, err)
}
