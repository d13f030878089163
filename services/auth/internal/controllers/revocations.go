package controllers

import (
	"context"
	"errors"

	"github.com/google/uuid"

	genauth "github.com/infrastructure/platform/services/auth/gen/auth"
	"github.com/infrastructure/platform/services/auth/internal/ports"
)

var errMsgFeedBroken = errors.New("the revocation feed was interrupted: drop cached validations and subscribe again")

// WatchRevocations implements genauth.Service: it confirms the subscription,
// then streams the id of every session that stops being valid and of every
// user whose MFA or email changed, and passes
// the client's acknowledgements on to the feed (revoking calls wait for
// them). It ends with unavailable when the feed breaks, so that the client
// knows that it may have missed events.
func (s *Service) WatchRevocations(ctx context.Context, stream genauth.WatchRevocationsServerStream) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	sub, err := s.revocations.Subscribe(ctx)
	if err != nil {
		return toGoa(ctx, err)
	}
	if err := stream.SendWithContext(ctx, &genauth.RevocationEvent{Subscribed: true}); err != nil {
		return err
	}
	go func() {
		defer cancel() // the client went away: end the subscription
		for {
			ack, err := stream.RecvWithContext(ctx)
			if err != nil {
				return
			}
			acked := ack.SessionID
			if ack.UserID != nil && *ack.UserID != "" {
				acked = *ack.UserID
			}
			if id, err := uuid.Parse(acked); err == nil {
				sub.Ack(id)
			}
		}
	}()
	for {
		select {
		case <-ctx.Done():
			return nil
		case change, ok := <-sub.Events:
			if !ok {
				if ctx.Err() != nil {
					return nil
				}
				return genauth.MakeUnavailable(errMsgFeedBroken)
			}
			if err := stream.SendWithContext(ctx, revocationEvent(change)); err != nil {
				return err
			}
		}
	}
}

// revocationEvent maps a change of the feed to its message.
func revocationEvent(c ports.Change) *genauth.RevocationEvent {
	if c.User {
		id := c.ID.String()
		return &genauth.RevocationEvent{UserID: &id}
	}
	return &genauth.RevocationEvent{SessionID: c.ID.String()}
}
