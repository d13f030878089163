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

// begin records an attempt before its secret is checked: over a limit it
// returns the rate_limited error, whatever the secret.
func (s *Service) begin(ctx context.Context, kind ports.AttemptKind, account string, userID uuid.UUID) (int64, error) {
	id, err := s.throttle.Begin(ctx, ports.Attempt{Kind: kind, Account: account, UserID: userID, IP: clientip.From(ctx)})
	var limited *ports.RateLimitedError
	if errors.As(err, &limited) {
		secs := int(limited.RetryAfter.Seconds())
		return 0, &genauth.RateLimitedError{
			Name:       "rate_limited",
			Message:    fmt.Sprintf("too many %s: retry after %d seconds", limited.Limit, secs),
			RetryAfter: secs,
		}
	}
	if err != nil {
		return 0, toGoa(ctx, err)
	}
	return id, nil
}

// abandon records that an attempt was refused before its secret was
// checked (no hashing slot): it does not count against the account, so
// that a flood cannot use up a real user's budget.
func (s *Service) abandon(ctx context.Context, id int64, userID uuid.UUID) {
	if err := s.throttle.Finish(ctx, id, ports.OutcomeRateLimited, userID); err != nil {
		log.Error(ctx, err, log.KV{K: "msg", V: "cannot record the outcome of an attempt"})
	}
}

// finish records how an attempt ended. A failure to record leaves the
// attempt pending, which counts as a failure: the throttle errs on the
// safe side, so the request goes on.
func (s *Service) finish(ctx context.Context, id int64, ok bool, userID uuid.UUID) {
	outcome := ports.OutcomeFailure
	if ok {
		outcome = ports.OutcomeSuccess
	}
	if err := s.throttle.Finish(ctx, id, outcome, userID); err != nil {
		log.Error(ctx, err, log.KV{K: "msg", V: "cannot record the outcome of an attempt"})
	}
}

// secondFactorAccount is the throttle's account key for a user's second
// factors.
func secondFactorAccount(userID uuid.UUID) string { return "user:" + userID.String() }
