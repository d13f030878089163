package controllers

import (
	"context"
	"errors"

	"github.com/google/uuid"
	"goa.design/clue/log"

	"github.com/infrastructure/platform/services/auth/internal/clientip"
	"github.com/infrastructure/platform/services/auth/internal/ports"
)

// attempt is a recorded attempt whose outcome is still to be told.
type attempt struct {
	id   int64
	kind ports.AttemptKind
}

// errWrongSecret is what a throttled try returns for a wrong password:
// the attempt fails, and the caller answers as it must.
var errWrongSecret = errors.New("wrong secret")

// throttled runs try as one attempt of kind on account (of userID when
// known), the way wild-workouts' UpdateHour(ctx, id, updateFn) owns its
// transaction: the throttle records the attempt before try runs (over a
// limit, or with the second factor locked, try never runs and that error
// comes back, whatever the secret), then finishes it with try's verdict,
// for the user try reports: a success when try returns nil; not counted
// against the account when try's error says that the secret was never
// checked (see abandon); a failure otherwise. The error is returned as
// try gave it: the caller maps it (toGoa leaves Goa errors as they are).
func (s *Service) throttled(ctx context.Context, kind ports.AttemptKind, account string, userID uuid.UUID, try func() (uuid.UUID, error)) error {
	a, err := s.begin(ctx, kind, account, userID)
	if err != nil {
		return err
	}
	user, err := try()
	switch {
	case err == nil:
		s.finish(ctx, a, true, user)
	case errors.Is(err, errPasswordsBusy) || errors.Is(err, context.Canceled):
		s.abandon(ctx, a, user, err)
	default:
		s.finish(ctx, a, false, user)
	}
	return err
}

// begin records an attempt before its secret is checked: over a limit it
// returns the *ports.RateLimitedError, whatever the secret.
func (s *Service) begin(ctx context.Context, kind ports.AttemptKind, account string, userID uuid.UUID) (attempt, error) {
	id, err := s.throttle.Begin(ctx, ports.Attempt{Kind: kind, Account: account, UserID: userID, IP: clientip.From(ctx)})
	if err != nil {
		var limited *ports.RateLimitedError
		if errors.As(err, &limited) || errors.Is(err, ports.ErrSecondFactorLocked) {
			s.metrics.attempt(ctx, kind, resultRateLimited)
		}
		return attempt{}, err
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
