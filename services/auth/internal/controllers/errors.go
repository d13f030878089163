package controllers

import (
	"context"
	"errors"
	"fmt"

	"goa.design/clue/log"
	goa "goa.design/goa/v3/pkg"

	genauth "github.com/infrastructure/platform/services/auth/gen/auth"
	"github.com/infrastructure/platform/services/auth/internal/ports"
	"github.com/infrastructure/platform/services/auth/internal/screening"
)

// Messages of the errors that clients see. They never carry a secret.
var (
	errMsgUnauthorized       = errors.New("the session is missing, unknown, expired or revoked")
	errMsgCredentials        = errors.New("the email or the password is wrong")
	errMsgEmailTaken         = errors.New("an account with this email already exists")
	errMsgSecondFactorLocked = errors.New("too many consecutive failed second-factor attempts: the second factor is locked until the password is reset by email or an operator unlocks it")
	errMsgNotFound           = errors.New("not found")
	errMsgAccountDisabled    = errors.New("this account is disabled: contact your administrator")
	errMsgUnavailable        = errors.New("the service cannot reach its database; retry later")
	errMsgBusy               = errors.New("too many sign-ins in progress; retry in a moment")
	errMsgInvalidToken       = errors.New("the link is unknown, already used, replaced by a newer one or expired: ask for a new one")
	errMsgEmailVerified      = errors.New("the email address is already verified")
	errMsgEmailUnverified    = errors.New("the email address is not verified yet: open the link we mailed to it (a new one is on its way)")
)

// toGoa maps an error from the ports to the Goa error the client sees: the
// one place where domain errors become transport errors. Errors that are not
// the client's doing are logged and hidden behind a generic fault.
func toGoa(ctx context.Context, err error) error {
	var (
		mapped  *goa.ServiceError
		limited *ports.RateLimitedError
		refused *genauth.RateLimitedError
		weak    *screening.WeakError
	)
	switch {
	case err == nil:
		return nil
	case errors.As(err, &mapped), errors.As(err, &refused): // already a Goa error
		return err
	case errors.As(err, &limited):
		secs := int(limited.RetryAfter.Seconds())
		return &genauth.RateLimitedError{
			Name:       "rate_limited",
			Message:    fmt.Sprintf("too many %s: retry after %d seconds", limited.Limit, secs),
			RetryAfter: secs,
		}
	case errors.Is(err, context.Canceled): // the client left; nothing to log
		return genauth.MakeUnavailable(errMsgBusy)
	case errors.Is(err, errPasswordsBusy):
		return genauth.MakeUnavailable(errMsgBusy)
	case errors.Is(err, ports.ErrUnavailable):
		log.Error(ctx, err, log.KV{K: "msg", V: "database unavailable"})
		return genauth.MakeUnavailable(errMsgUnavailable)
	case errors.Is(err, ports.ErrEmailTaken):
		return genauth.MakeEmailTaken(errMsgEmailTaken)
	case errors.Is(err, ports.ErrNotFound):
		return genauth.MakeNotFound(errMsgNotFound)
	case errors.Is(err, ports.ErrCodeRejected):
		return genauth.MakeInvalidCode(errMsgInvalidCode)
	case errors.Is(err, ports.ErrTOTPActive):
		return genauth.MakeTotpAlreadyEnabled(errMsgTOTPEnabled)
	case errors.Is(err, ports.ErrCounterRegressed), errors.Is(err, ports.ErrPasskeyTaken):
		return genauth.MakeInvalidCredential(errMsgInvalidCredential)
	case errors.Is(err, ports.ErrLastSecondFactor):
		return genauth.MakeLastSecondFactor(errMsgLastFactor)
	case errors.Is(err, ports.ErrSessionEnded):
		return genauth.MakeUnauthorized(errMsgUnauthorized)
	case errors.Is(err, ports.ErrSecondFactorLocked):
		return genauth.MakeSecondFactorLocked(errMsgSecondFactorLocked)
	case errors.Is(err, ports.ErrInvalidToken):
		return genauth.MakeInvalidToken(errMsgInvalidToken)
	case errors.Is(err, ports.ErrEmailVerified):
		return genauth.MakeEmailAlreadyVerified(errMsgEmailVerified)
	case errors.As(err, &weak):
		return genauth.MakeWeakPassword(fmt.Errorf("the new password may not be used: %s", weak.Reason))
	default:
		log.Error(ctx, err, log.KV{K: "msg", V: "internal error"})
		return goa.Fault("internal error")
	}
}
