package controllers

import (
	"context"
	"errors"

	"github.com/google/uuid"

	genauth "github.com/infrastructure/platform/services/auth/gen/auth"
	"github.com/infrastructure/platform/services/auth/internal/mappers"
)

// ValidateSession implements genauth.Service for sibling services: one
// indexed read, no write.
func (s *Service) ValidateSession(ctx context.Context, p *genauth.ValidateSessionPayload) (*genauth.SessionIdentity, error) {
	ident, err := s.resolve(ctx, p.Token)
	if err != nil {
		return nil, err
	}
	return mappers.SessionIdentity(ident), nil
}

// GetUser implements genauth.Service for sibling services.
func (s *Service) GetUser(ctx context.Context, p *genauth.GetUserPayload) (*genauth.UserView, error) {
	id, err := uuid.Parse(p.UserID) // the design checked the format
	if err != nil {
		return nil, genauth.MakeInvalidInput(errors.New("user_id must be a UUID"))
	}
	user, err := s.users.ByID(ctx, id)
	if err != nil {
		return nil, toGoa(ctx, err)
	}
	return mappers.UserView(user), nil
}
