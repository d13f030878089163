package controllers

import (
	"context"

	"github.com/google/uuid"
	"goa.design/clue/log"

	genauth "github.com/infrastructure/platform/services/auth/gen/auth"
	"github.com/infrastructure/platform/services/auth/internal/ports"
)

// The operator methods (the admin group of the gRPC API). Each act is an
// event of the user's activity naming the operator, and a log line.

// DisableUser implements genauth.Service: the account signs in nowhere and
// every session ends at once, caches included.
func (s *Service) DisableUser(ctx context.Context, p *genauth.DisableUserPayload) error {
	id, err := parseID(p.UserID, "user_id")
	if err != nil {
		return err
	}
	actor := ports.Caller(ctx)
	err = s.revoking(ctx, func() ([]uuid.UUID, error) {
		return s.operators.Disable(ctx, id, actor)
	})
	if err != nil {
		return toGoa(ctx, err)
	}
	s.operatorLog(ctx, "account disabled by an operator", id, actor)
	return nil
}

// EnableUser implements genauth.Service.
func (s *Service) EnableUser(ctx context.Context, p *genauth.EnableUserPayload) error {
	id, err := parseID(p.UserID, "user_id")
	if err != nil {
		return err
	}
	actor := ports.Caller(ctx)
	if err := s.operators.Enable(ctx, id, actor); err != nil {
		return toGoa(ctx, err)
	}
	s.operatorLog(ctx, "account enabled by an operator", id, actor)
	return nil
}

// ResetMfa implements genauth.Service: TOTP and the backup codes go, and
// every session ends at once; the next login is at aal1 without a second
// factor, and the user enrolls again.
func (s *Service) ResetMfa(ctx context.Context, p *genauth.ResetMfaPayload) error {
	id, err := parseID(p.UserID, "user_id")
	if err != nil {
		return err
	}
	actor := ports.Caller(ctx)
	err = s.revoking(ctx, func() ([]uuid.UUID, error) {
		ids, err := s.operators.ResetMFA(ctx, id, actor)
		return append(ids, id), err // MFA turned off: a user event too
	})
	if err != nil {
		return toGoa(ctx, err)
	}
	s.operatorLog(ctx, "second factor reset by an operator", id, actor)
	return nil
}

// UnlockUser implements genauth.Service: the user's second-factor lock is
// lifted.
func (s *Service) UnlockUser(ctx context.Context, p *genauth.UnlockUserPayload) error {
	id, err := parseID(p.UserID, "user_id")
	if err != nil {
		return err
	}
	actor := ports.Caller(ctx)
	if err := s.throttle.Unlock(ctx, id, actor); err != nil {
		return toGoa(ctx, err)
	}
	s.operatorLog(ctx, "second factor unlocked by an operator", id, actor)
	return nil
}

func (s *Service) operatorLog(ctx context.Context, msg string, userID uuid.UUID, actor string) {
	log.Print(ctx, log.KV{K: "msg", V: msg}, log.KV{K: "user_id", V: userID.String()}, log.KV{K: "actor", V: actor})
}
