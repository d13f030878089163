package controllers

import (
	"context"
	"github.com/google/uuid"

	genauth "github.com/infrastructure/platform/services/auth/gen/auth"
	"github.com/infrastructure/platform/services/auth/internal/ports"
)

// ValidateSession implements genauth.Service for sibling services: one
// indexed read, no write.
func (s *Service) ValidateSession(ctx context.Context, p *genauth.ValidateSessionPayload) (*genauth.SessionIdentity, error) {
	ident, err := s.resolve(ctx, p.Token)
	if err != nil {
		return nil, err
	}
	return toSessionIdentity(ident), nil
}

// GetUser implements genauth.Service for sibling services.
func (s *Service) GetUser(ctx context.Context, p *genauth.GetUserPayload) (*genauth.UserView, error) {
	id, err := parseID(p.UserID, "user_id")
	if err != nil {
		return nil, err
	}
	user, err := s.users.ByID(ctx, id)
	if err != nil {
		return nil, toGoa(ctx, err)
	}
	return toUserView(user), nil
}

// SessionRefresh implements genauth.Service: a new token, the old one dead at
// once, the idle expiry moved forward and the absolute one unchanged.
func (s *Service) SessionRefresh(ctx context.Context, _ *genauth.SessionRefreshPayload) (*genauth.RefreshResult, error) {
	ident, err := mustSession(ctx)
	if err != nil {
		return nil, err
	}
	token, hash := newToken()
	var session ports.Session
	err = s.revoking(ctx, func() (_ []uuid.UUID, err error) {
		session, err = s.sessions.Rotate(ctx, ports.Rotation{
			SessionID:    ident.ID,
			OldTokenHash: tokenHashFrom(ctx),
			NewTokenHash: hash,
			AAL:          ident.AAL,
			Refresh:      true,
			IdleTimeout:  s.idle,
		})
		return []uuid.UUID{ident.ID}, err
	})
	if err != nil {
		return nil, toGoa(ctx, err)
	}
	return toRefreshResult(session, token), nil
}
