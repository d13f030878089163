package controllers

import (
	"context"
	"errors"

	genauth "github.com/infrastructure/platform/services/auth/gen/auth"
)

var errMsgFeedBroken = errors.New("the revocation feed was interrupted: drop cached validations and subscribe again")

// WatchRevocations implements genauth.Service: it confirms the subscription,
// then streams the id of every session that stops being valid. It ends with
// unavailable when the feed breaks, so that the client knows that it may
// have missed events.
func (s *Service) WatchRevocations(ctx context.Context, stream genauth.WatchRevocationsServerStream) error {
	events, err := s.revocations.Subscribe(ctx)
	if err != nil {
		return toGoa(ctx, err)
	}
	if err := stream.SendWithContext(ctx, &genauth.RevocationEvent{Subscribed: true}); err != nil {
		return err
	}
	for {
		select {
		case <-ctx.Done():
			return nil
		case id, ok := <-events:
			if !ok {
				if ctx.Err() != nil {
					return nil
				}
				return genauth.MakeUnavailable(errMsgFeedBroken)
			}
			if err := stream.SendWithContext(ctx, &genauth.RevocationEvent{SessionID: id.String()}); err != nil {
				return err
			}
		}
	}
}
