package controllers

import (
	"context"

	"github.com/google/uuid"

	genauth "github.com/infrastructure/platform/services/auth/gen/auth"
	"github.com/infrastructure/platform/services/auth/internal/ports"
	"github.com/infrastructure/platform/services/auth/internal/screening"
)

// linkAccount is the throttle's account key of attempts with a link's
// token: the token is the secret, so only the client network is counted
// (and the user, once the token names one).
const linkAccount = "link"

// PasswordForgot implements genauth.Service. Whether or not an account has
// the email, the work is the same: the throttle's attempt and one insert
// into the outbox; the mail worker looks the account up later. So the
// answer is the same, in about the same time.
func (s *Service) PasswordForgot(ctx context.Context, p *genauth.PasswordForgotPayload) (map[string]string, error) {
	email := normalizeEmail(p.Email)
	err := s.throttled(ctx, ports.KindPasswordForgot, email, uuid.Nil, func() (uuid.UUID, error) {
		return uuid.Nil, s.links.RequestReset(ctx, email)
	})
	if err != nil {
		return nil, toGoa(ctx, err)
	}
	return map[string]string{}, nil
}

// PasswordReset implements genauth.Service: the token is looked up (a
// failure counts against the client network), the new password screened
// against the account's email and hashed, then the token spent with the
// change in one transaction (of concurrent resets with one token, exactly
// one spends it); the answer waits until the caches have forgotten the
// user's sessions.
func (s *Service) PasswordReset(ctx context.Context, p *genauth.PasswordResetPayload) error {
	err := s.throttled(ctx, ports.KindPasswordReset, linkAccount, uuid.Nil, func() (uuid.UUID, error) {
		if !wellFormedToken(p.Token) {
			return uuid.Nil, ports.ErrInvalidToken
		}
		tokenHash := hashToken(p.Token)
		userID, email, err := s.links.Peek(ctx, ports.LinkResetPassword, tokenHash)
		if err != nil {
			return uuid.Nil, err
		}
		if err := screening.Check(p.NewPassword, email); err != nil {
			return userID, err
		}
		hash, err := s.passwords.hash(ctx, p.NewPassword)
		if err != nil {
			return userID, err
		}
		var ended int
		err = s.revoking(ctx, func() ([]uuid.UUID, error) {
			_, ids, err := s.changes.Reset(ctx, tokenHash, hash)
			ended = len(ids)
			return ids, err
		})
		if err == nil {
			s.metrics.sessionsRevoked(ctx, "password_reset", ended)
		}
		return userID, err
	})
	return toGoa(ctx, err)
}
