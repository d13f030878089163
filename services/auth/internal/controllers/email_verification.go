package controllers

import (
	"context"
	"errors"

	"github.com/google/uuid"
	"goa.design/clue/log"

	genauth "github.com/infrastructure/platform/services/auth/gen/auth"
	"github.com/infrastructure/platform/services/auth/internal/ports"
)

// EmailVerify implements genauth.Service: the verification link's token is
// spent and the address marked verified; a failure counts against the
// client network.
func (s *Service) EmailVerify(ctx context.Context, p *genauth.EmailVerifyPayload) error {
	err := s.throttled(ctx, ports.KindEmailVerify, linkAccount, uuid.Nil, func() (uuid.UUID, error) {
		if !wellFormedToken(p.Token) {
			return uuid.Nil, ports.ErrInvalidToken
		}
		return s.links.Verify(ctx, hashToken(p.Token))
	})
	return toGoa(ctx, err)
}

// EmailVerifyResend implements genauth.Service: a new verification link,
// within the limits on messages per account and per network.
func (s *Service) EmailVerifyResend(ctx context.Context, _ *genauth.EmailVerifyResendPayload) (map[string]string, error) {
	ident, err := mustSession(ctx)
	if err != nil {
		return nil, err
	}
	if err := s.requestVerification(ctx, ident.UserID); err != nil {
		return nil, toGoa(ctx, err)
	}
	return map[string]string{}, nil
}

// resendVerification mails a new verification link to an unverified
// account that just proved its password (login, when verification is
// required), unless the limits on messages say no: the login's answer
// does not depend on it.
func (s *Service) resendVerification(ctx context.Context, userID uuid.UUID) {
	err := s.requestVerification(ctx, userID)
	var limited *ports.RateLimitedError
	if err != nil && !errors.As(err, &limited) && !errors.Is(err, ports.ErrEmailVerified) {
		log.Error(ctx, err, log.KV{K: "msg", V: "cannot queue a verification link"})
	}
}

// requestVerification is one throttled request for a verification link.
func (s *Service) requestVerification(ctx context.Context, userID uuid.UUID) error {
	return s.throttled(ctx, ports.KindVerificationResend, secondFactorAccount(userID), userID, func() (uuid.UUID, error) {
		return userID, s.links.RequestVerification(ctx, userID)
	})
}
