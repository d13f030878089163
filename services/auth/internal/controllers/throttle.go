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

// abandon records that an attempt ended before its secret was checked
// (why: err). One refused for want of a password-hashing slot counts
// against its client network, so that one address cannot keep the hashers
// full (its own limit soon answers 429 before any hashing), but not
// against the account, so that a flood cannot use up a real user's
// budget. Any other end (the client left) counts against nothing.
func (s *Service) abandon(ctx context.Context, a attempt, userID uuid.UUID, err error) {
	s.metrics.attempt(ctx, a.kind, resultRateLimited)
	outcome := ports.OutcomeRateLimited
	if errors.Is(err, errPasswordsBusy) {
		outcome = ports.OutcomeBusy
	}
	s.record(ctx, a, outcome, userID)
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
	locked, err := s.throttle.Finish(ctx, a.id, outcome, userID)
	if err != nil {
		log.Error(ctx, err, log.KV{K: "msg", V: "cannot record the outcome of an attempt"})
	}
	if locked {
		// The user's activity shows it; the mailed security notice comes
		// with the mail outbox.
		log.Print(ctx, log.KV{K: "msg", V: "second factor locked after consecutive failures"},
			log.KV{K: "user_id", V: userID.String()})
	}
}

// secondFactorAccount is the throttle's account key for a user's second
// factors.
func secondFactorAccount(userID uuid.UUID) string { return "user:" + userID.String() }
