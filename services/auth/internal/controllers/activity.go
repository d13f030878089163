package controllers

import (
	"context"

	genauth "github.com/infrastructure/platform/services/auth/gen/auth"
)

// activityEvents is how many events the activity shows.
const activityEvents = 50

// Activity implements genauth.Service.
func (s *Service) Activity(ctx context.Context, _ *genauth.ActivityPayload) (*genauth.ActivityList, error) {
	ident, err := mustSession(ctx)
	if err != nil {
		return nil, err
	}
	events, err := s.throttle.Activity(ctx, ident.UserID, activityEvents)
	if err != nil {
		return nil, toGoa(ctx, err)
	}
	return toActivityList(events), nil
}
