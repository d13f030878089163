package controllers

import (
	"context"
	"errors"
	"time"

	"github.com/google/uuid"

	genauth "github.com/infrastructure/platform/services/auth/gen/auth"
	"github.com/infrastructure/platform/services/auth/internal/mappers"
	"github.com/infrastructure/platform/services/auth/internal/ports"
)

// Register implements genauth.Service: a new account signed in at aal1.
func (s *Service) Register(ctx context.Context, p *genauth.Credentials) (*genauth.RegisterResult, error) {
	email := normalizeEmail(p.Email)
	attempt, err := s.begin(ctx, ports.KindRegister, email, uuid.Nil)
	if err != nil {
		return nil, err
	}
	hash, err := s.passwords.hash(ctx, p.Password)
	if err != nil {
		s.abandon(ctx, attempt, uuid.Nil, err)
		return nil, toGoa(ctx, err)
	}
	token, tokenHash := newToken()
	user, _, err := s.users.Register(ctx, ports.NewUser{Email: email, PasswordHash: hash}, s.newSession(ports.AAL1, tokenHash))
	s.finish(ctx, attempt, err == nil, user.ID)
	if err != nil {
		return nil, toGoa(ctx, err)
	}
	s.metrics.sessionCreated(ctx)
	return mappers.RegisterResult(user, token), nil
}

// Login implements genauth.Service. An unknown email and a wrong password
// get the same error after the same work: one user read, one bcrypt
// comparison.
func (s *Service) Login(ctx context.Context, p *genauth.Credentials) (*genauth.LoginResult, error) {
	email := normalizeEmail(p.Email)
	attempt, err := s.begin(ctx, ports.KindLogin, email, uuid.Nil)
	if err != nil {
		return nil, err
	}
	user, err := s.users.ByEmail(ctx, email)
	if err != nil && !errors.Is(err, ports.ErrNotFound) {
		s.finish(ctx, attempt, false, uuid.Nil)
		return nil, toGoa(ctx, err)
	}
	ok, err := s.passwords.matches(ctx, user.PasswordHash, p.Password)
	if err != nil {
		s.abandon(ctx, attempt, user.ID, err)
		return nil, toGoa(ctx, err)
	}
	s.finish(ctx, attempt, ok, user.ID)
	if !ok {
		return nil, genauth.MakeInvalidCredentials(errMsgCredentials)
	}
	token, tokenHash := newToken()
	ns := s.newSession(ports.AAL1, tokenHash)
	ns.UserID = user.ID
	session, err := s.sessions.Create(ctx, ns)
	if err != nil {
		return nil, toGoa(ctx, err)
	}
	s.metrics.sessionCreated(ctx)
	return mappers.LoginResult(session, user.MFAEnabled, token), nil
}

// Logout implements genauth.Service: the session is revoked at once and the
// cookie cleared.
func (s *Service) Logout(ctx context.Context, _ *genauth.LogoutPayload) (*genauth.LogoutResult, error) {
	ident, err := mustSession(ctx)
	if err != nil {
		return nil, err
	}
	since := time.Now()
	err = s.sessions.Revoke(ctx, ident.ID)
	if errors.Is(err, ports.ErrNotFound) { // revoked by a concurrent request
		return nil, genauth.MakeUnauthorized(errMsgUnauthorized)
	}
	if err != nil {
		return nil, toGoa(ctx, err)
	}
	s.metrics.sessionsRevoked(ctx, "logout", 1)
	s.revocations.Await(ctx, since, ident.ID)
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
	return mappers.AccountProfile(user, remaining), nil
}

// newSession describes a session to create with the configured timeouts.
func (s *Service) newSession(aal ports.AAL, tokenHash []byte) ports.NewSession {
	return ports.NewSession{TokenHash: tokenHash, AAL: aal, IdleTimeout: s.idle, AbsoluteTimeout: s.absolute}
}
