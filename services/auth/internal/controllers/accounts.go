package controllers

import (
	"context"
	"errors"

	"github.com/google/uuid"

	genauth "github.com/infrastructure/platform/services/auth/gen/auth"
	"github.com/infrastructure/platform/services/auth/internal/ports"
	"github.com/infrastructure/platform/services/auth/internal/screening"
)

// Register implements genauth.Service: a new account signed in at aal1.
func (s *Service) Register(ctx context.Context, p *genauth.NewAccount) (*genauth.RegisterResult, error) {
	email := normalizeEmail(p.Email)
	if err := screening.Check(p.Password, email); err != nil {
		return nil, toGoa(ctx, err)
	}
	token, tokenHash := newToken()
	session := s.newSession(ports.AAL1, tokenHash)
	if s.mustVerify { // the account signs in once its address is proved
		token, session = "", ports.NewSession{}
	}
	var user ports.User
	err := s.throttled(ctx, ports.KindRegister, email, uuid.Nil, func() (uuid.UUID, error) {
		hash, err := s.passwords.hash(ctx, p.Password)
		if err != nil {
			return uuid.Nil, err
		}
		user, _, err = s.users.Register(ctx, ports.NewUser{Email: email, PasswordHash: hash}, session)
		return user.ID, err
	})
	if err != nil {
		return nil, toGoa(ctx, err)
	}
	if token != "" {
		s.metrics.sessionCreated(ctx)
	}
	return toRegisterResult(user, token), nil
}

// Login implements genauth.Service. An unknown email and a wrong password
// get the same error after the same work: one user read, one bcrypt
// comparison.
func (s *Service) Login(ctx context.Context, p *genauth.Credentials) (*genauth.LoginResult, error) {
	user, ok, err := s.checkPassword(ctx, normalizeEmail(p.Email), p.Password, uuid.Nil)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, genauth.MakeInvalidCredentials(errMsgCredentials)
	}
	if user.Disabled { // told only to whoever knows the password
		return nil, genauth.MakeAccountDisabled(errMsgAccountDisabled)
	}
	if s.mustVerify && !user.EmailVerified {
		s.resendVerification(ctx, user.ID)
		return nil, genauth.MakeEmailUnverified(errMsgEmailUnverified)
	}
	token, tokenHash := newToken()
	ns := s.newSession(ports.AAL1, tokenHash)
	ns.UserID = user.ID
	session, err := s.sessions.Create(ctx, ns)
	if err != nil {
		return nil, toGoa(ctx, err)
	}
	s.metrics.sessionCreated(ctx)
	return toLoginResult(session, user.MFAEnabled, token), nil
}

// checkPassword is one password attempt on the account of email, as login
// makes it: begun with the throttle before anything is read (over a limit,
// the rate_limited error whatever the password), one user read, one bcrypt
// comparison in a hashing slot (against the dummy hash when there is no
// such account), then finished with its outcome. When the caller already
// knows the user (userID, uuid.Nil otherwise), an account of email that is
// not that user's is no match. err is a Goa error; a wrong password is
// ok false.
func (s *Service) checkPassword(ctx context.Context, email, password string, userID uuid.UUID) (ports.UserCredentials, bool, error) {
	var user ports.UserCredentials
	err := s.throttled(ctx, ports.KindLogin, email, userID, func() (uuid.UUID, error) {
		u, err := s.users.ByEmail(ctx, email)
		if err != nil && !errors.Is(err, ports.ErrNotFound) {
			return userID, err
		}
		if userID != uuid.Nil && u.ID != userID {
			u = ports.UserCredentials{} // the email moved to another account since
		}
		ok, err := s.passwords.matches(ctx, u.PasswordHash, password)
		switch {
		case err != nil:
			return u.ID, err
		case !ok:
			return u.ID, errWrongSecret
		}
		user = u
		return u.ID, nil
	})
	switch {
	case errors.Is(err, errWrongSecret):
		return ports.UserCredentials{}, false, nil
	case err != nil:
		return ports.UserCredentials{}, false, toGoa(ctx, err)
	}
	return user, true, nil
}

// Logout implements genauth.Service: the session is revoked at once and the
// cookie cleared.
func (s *Service) Logout(ctx context.Context, _ *genauth.LogoutPayload) (*genauth.LogoutResult, error) {
	ident, err := mustSession(ctx)
	if err != nil {
		return nil, err
	}
	err = s.revoking(ctx, func() ([]uuid.UUID, error) {
		return []uuid.UUID{ident.ID}, s.sessions.Revoke(ctx, ident.ID)
	})
	if errors.Is(err, ports.ErrNotFound) { // revoked by a concurrent request
		return nil, genauth.MakeUnauthorized(errMsgUnauthorized)
	}
	if err != nil {
		return nil, toGoa(ctx, err)
	}
	s.metrics.sessionsRevoked(ctx, "logout", 1)
	return &genauth.LogoutResult{SessionToken: ""}, nil
}

// Profile implements genauth.Service.
func (s *Service) Profile(ctx context.Context, _ *genauth.ProfilePayload) (*genauth.AccountProfile, error) {
	ident, err := mustSession(ctx)
	if err != nil {
		return nil, err
	}
	user, err := s.users.ByID(ctx, ident.UserID)
	if errors.Is(err, ports.ErrNotFound) { // deleted since the session was read
		return nil, genauth.MakeUnauthorized(errMsgUnauthorized)
	}
	if err != nil {
		return nil, toGoa(ctx, err)
	}
	remaining, err := s.backup.Remaining(ctx, ident.UserID)
	if err != nil {
		return nil, toGoa(ctx, err)
	}
	totp, err := s.totp.Get(ctx, ident.UserID)
	if err != nil && !errors.Is(err, ports.ErrNotFound) {
		return nil, toGoa(ctx, err)
	}
	return toAccountProfile(user, remaining, err == nil && totp.Active), nil
}

// newSession describes a session to create with the configured timeouts.
func (s *Service) newSession(aal ports.AAL, tokenHash []byte) ports.NewSession {
	return ports.NewSession{TokenHash: tokenHash, AAL: aal, IdleTimeout: s.idle, AbsoluteTimeout: s.absolute}
}
