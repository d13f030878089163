package controllers

import (
	"context"
	"errors"

	"github.com/google/uuid"

	genauth "github.com/infrastructure/platform/services/auth/gen/auth"
	"github.com/infrastructure/platform/services/auth/internal/ports"
)

var errMsgSessionNotFound = errors.New("no such session")

// ListSessions implements genauth.Service.
func (s *Service) ListSessions(ctx context.Context, _ *genauth.ListSessionsPayload) (*genauth.SessionList, error) {
	ident, err := mustSession(ctx)
	if err != nil {
		return nil, err
	}
	sessions, err := s.directory.ListByUser(ctx, ident.UserID)
	if err != nil {
		return nil, toGoa(ctx, err)
	}
	return toSessionList(sessions, ident.ID), nil
}

// DeleteSession implements genauth.Service: a user revokes one of their
// sessions; anyone else's is not found, so that ids cannot be probed.
func (s *Service) DeleteSession(ctx context.Context, p *genauth.DeleteSessionPayload) error {
	ident, err := mustSession(ctx)
	if err != nil {
		return err
	}
	id, err := parseID(p.ID, "id")
	if err != nil {
		return err
	}
	err = s.revoking(ctx, func() ([]uuid.UUID, error) {
		return []uuid.UUID{id}, s.directory.RevokeOwn(ctx, id, ident.UserID)
	})
	if errors.Is(err, ports.ErrNotFound) {
		return genauth.MakeNotFound(errMsgSessionNotFound)
	} else if err != nil {
		return toGoa(ctx, err)
	}
	s.metrics.sessionsRevoked(ctx, "delete", 1)
	return nil
}

// RevokeSession implements genauth.Service for sibling services.
func (s *Service) RevokeSession(ctx context.Context, p *genauth.RevokeSessionPayload) error {
	id, err := parseID(p.SessionID, "session_id")
	if err != nil {
		return err
	}
	err = s.revoking(ctx, func() ([]uuid.UUID, error) {
		return []uuid.UUID{id}, s.sessions.Revoke(ctx, id)
	})
	if errors.Is(err, ports.ErrNotFound) {
		return genauth.MakeNotFound(errMsgSessionNotFound)
	} else if err != nil {
		return toGoa(ctx, err)
	}
	s.metrics.sessionsRevoked(ctx, "revoke", 1)
	return nil
}

// RevokeUserSessions implements genauth.Service for sibling services: every
// live session of the user ends at once.
func (s *Service) RevokeUserSessions(ctx context.Context, p *genauth.RevokeUserSessionsPayload) (*genauth.RevokedCount, error) {
	id, err := parseID(p.UserID, "user_id")
	if err != nil {
		return nil, err
	}
	if _, err := s.users.ByID(ctx, id); err != nil {
		return nil, toGoa(ctx, err)
	}
	var revoked int
	err = s.revoking(ctx, func() ([]uuid.UUID, error) {
		ids, err := s.directory.RevokeAll(ctx, id)
		revoked = len(ids)
		return ids, err
	})
	if err != nil {
		return nil, toGoa(ctx, err)
	}
	s.metrics.sessionsRevoked(ctx, "revoke_user", revoked)
	return &genauth.RevokedCount{Revoked: revoked}, nil
}

// parseID parses a UUID the design has already checked.
func parseID(s, field string) (uuid.UUID, error) {
	id, err := uuid.Parse(s)
	if err != nil {
		return uuid.Nil, genauth.MakeInvalidInput(errors.New(field + " must be a UUID"))
	}
	return id, nil
}

// RevokeOtherSessions implements genauth.Service: sign out everywhere
// else. The session making the request stays; every other live session
// of the user ends at once, caches included.
func (s *Service) RevokeOtherSessions(ctx context.Context, _ *genauth.RevokeOtherSessionsPayload) (*genauth.RevokedCount, error) {
	ident, err := mustSession(ctx)
	if err != nil {
		return nil, err
	}
	var revoked int
	err = s.revoking(ctx, func() ([]uuid.UUID, error) {
		ids, err := s.directory.RevokeOthers(ctx, ident.UserID, ident.ID)
		revoked = len(ids)
		return ids, err
	})
	if err != nil {
		return nil, toGoa(ctx, err)
	}
	s.metrics.sessionsRevoked(ctx, "revoke_others", revoked)
	return &genauth.RevokedCount{Revoked: revoked}, nil
}
