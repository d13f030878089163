package controllers

import (
	"context"

	"github.com/google/uuid"

	genauth "github.com/infrastructure/platform/services/auth/gen/auth"
	"github.com/infrastructure/platform/services/auth/internal/clientip"
	"github.com/infrastructure/platform/services/auth/internal/ports"
	"github.com/infrastructure/platform/services/auth/internal/screening"
)

// PasswordChange implements genauth.Service: the current password again
// (a wrong one counts as a failed login), a new one that passes the
// screening, then in one transaction the new hash, this session under a
// new token, every other session revoked, the event and the notice; the
// answer waits until the caches have forgotten the revoked sessions.
func (s *Service) PasswordChange(ctx context.Context, p *genauth.PasswordChangePayload) (*genauth.PasswordChangeResult, error) {
	ident, err := mustSession(ctx)
	if err != nil {
		return nil, err
	}
	if err := screening.Check(p.NewPassword, ident.Email); err != nil {
		return nil, toGoa(ctx, err)
	}
	if err := s.reauthenticate(ctx, ident, p.CurrentPassword); err != nil {
		return nil, err
	}
	hash, err := s.passwords.hash(ctx, p.NewPassword)
	if err != nil {
		return nil, toGoa(ctx, err)
	}
	token, tokenHash := newToken()
	rotation := ports.Rotation{SessionID: ident.ID, OldTokenHash: tokenHashFrom(ctx), NewTokenHash: tokenHash, AAL: ident.AAL}
	var (
		session ports.Session
		ended   int
	)
	err = s.revoking(ctx, func() ([]uuid.UUID, error) {
		var ids []uuid.UUID
		var err error
		session, ids, err = s.changes.Change(ctx, ident.UserID, hash, rotation, clientip.From(ctx))
		ended = max(len(ids)-1, 0) // all but this session, which lives on
		return ids, err
	})
	if err != nil {
		return nil, toGoa(ctx, err)
	}
	s.metrics.sessionsRevoked(ctx, "password_change", ended)
	return toPasswordChangeResult(session, token), nil
}
