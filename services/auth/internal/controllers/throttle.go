package controllers

import (
	"context"
	"errors"
	"fmt"

	"github.com/google/uuid"
	"goa.design/clue/log"

	genauth "github.com/infrastructure/platform/services/auth/gen/auth"
	"github.com/infrastructure/platform/services/auth/internal/clientip"
	"github.com/infrastructure/platform/services/auth/internal/ports"
)

// attempt is a recorded attempt whose outcome is still to be told.
type attempt struct {
	id   int64
	kind ports.AttemptKind
}

// begin records an attempt before its secret is checked: over a limit it
// returns the rate_limited error, whatever the secret.
func (s *Service) begin(ctx context.Context, kind ports.AttemptKind, account string, userID uuid.UUID) (attempt, error) {
	id, err := s.throttle.Begin(ctx, ports.Attempt{Kind: kind, Account: account, UserID: userID, IP: clientip.From(ctx)})
	var limited *ports.RateLimitedError
	if errors.As(err, &limited) {
		s.metrics.attempt(ctx, kind, resultRateLimited)
		secs := int(limited.RetryAfter.Seconds())
		return attempt{}, &genauth.RateLimitedError{
			Name:       "rate_limited",
			Message:    fmt.Sprintf("too many %s: retry after %d seconds", limited.Limit, secs),
			RetryAfter: secs,
		}
	}
	if err != nil {
		return attempt{}, toGoa(ctx, err)
	}
	return attempt{id: id, kind: kind}, nil
}

// abandon records that an attempt was refused before its secret was
// checked (no hashing slot): it does not count against the account, so
// that a flood cannot use up a real user's budget.
func (s *Service) abandon(ctx context.Context, a attempt, userID uuid.UUID) {
	s.metrics.attempt(ctx, a.kind, resultRateLimited)
	s.record(ctx, a, ports.OutcomeRateLimited, userID)
}

// finish records how an attempt ended. A failure to record leaves the
// attempt pending, which counts as a failure: the throttle errs on the
// safe side, so the request goes on.
func (s *Service) finish(ctx context.Context, a attempt, ok bool, userID uuid.UUID) {
	outcome, result := ports.OutcomeFailure, resultInvalid
	if ok {
		outcome, result = ports.OutcomeSuccess, resultSuccess
	}
	s.metrics.attempt(ctx, a.kind, result)
	s.record(ctx, a, outcome, userID)
}

func (s *Service) record(ctx context.Context, a attempt, outcome ports.Outcome, userID uuid.UUID) {
	if err := s.throttle.Finish(ctx, a.id, outcome, userID); err != nil {
		log.Error(ctx, err, log.KV{K: "msg", V: "cannot record the outcome of an attempt"})
	}
}

// secondFactorAccount is the throttle's account key for a user's second
// factors.
func secondFactorAccount(userID uuid.UUID) string { return "user:" + userID.String() }
