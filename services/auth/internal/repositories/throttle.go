package repositories

import (
	"context"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/infrastructure/platform/services/auth/gen/database"
	"github.com/infrastructure/platform/services/auth/internal/ports"
)

// Throttle implements ports.Throttle. Each Begin runs in one transaction
// that first takes advisory locks on the attempt's keys (its account and
// factor, its client IP): concurrent attempts on a key, on any replica,
// are counted one after the other, so no burst can slip past a limit.
type Throttle struct {
	pool   *pgxpool.Pool
	q      *database.Queries
	limits ports.Limits
}

var _ ports.Throttle = (*Throttle)(nil)

// NewThrottle returns the throttle over pool with the given limits.
func NewThrottle(pool *pgxpool.Pool, limits ports.Limits) *Throttle {
	return &Throttle{pool: pool, q: database.New(pool), limits: limits}
}

// accountRule is the per-account limit of a factor; the kinds of a factor
// share it (TOTP and backup codes are one second factor), while the
// password has its own: guessing one factor never locks the other.
type accountRule struct {
	name   string
	kinds  []string
	max    int
	window time.Duration
}

func (t *Throttle) accountRule(kind ports.AttemptKind) (accountRule, bool) {
	switch kind {
	case ports.KindLogin:
		return accountRule{"failed logins for this account", []string{string(ports.KindLogin)}, t.limits.LoginFailures, t.limits.LoginWindow}, true
	case ports.KindTOTP, ports.KindBackupCode:
		return accountRule{"failed second-factor attempts for this account",
			[]string{string(ports.KindTOTP), string(ports.KindBackupCode)}, t.limits.SecondFactorFailures, t.limits.SecondFactorWindow}, true
	}
	return accountRule{}, false
}

// Begin implements ports.Throttle.
func (t *Throttle) Begin(ctx context.Context, a ports.Attempt) (int64, error) {
	var (
		id      int64
		limited *ports.RateLimitedError
	)
	err := inTx(ctx, t.pool, "throttle", func(q *database.Queries) error {
		rule, perAccount := t.accountRule(a.Kind)
		keys := []string{"ip:" + a.IP.String()}
		if perAccount {
			keys = append(keys, "account:"+rule.kinds[0]+":"+a.Account)
		}
		if err := q.LockThrottleKeys(ctx, keys); err != nil {
			return wrap("lock throttle keys", err)
		}
		now, err := q.TxNow(ctx)
		if err != nil {
			return wrap("throttle clock", err)
		}
		known := false
		if perAccount {
			known, err = q.IsKnownIP(ctx, database.IsKnownIPParams{
				Account: a.Account, Kinds: rule.kinds, Ip: a.IP, Since: now.Add(-t.limits.KnownIPMemory),
			})
			if err != nil {
				return wrap("known ip", err)
			}
			failures, err := q.AccountFailures(ctx, database.AccountFailuresParams{
				Account: a.Account, Kinds: rule.kinds, KnownIp: known, Since: now.Add(-rule.window),
			})
			if err != nil {
				return wrap("account failures", err)
			}
			limited = worst(limited, over(rule.name, failures, rule.max, rule.window, now))
		}
		if a.Kind == ports.KindRegister {
			regs, err := q.IPAttempts(ctx, database.IPAttemptsParams{Ip: a.IP, Kind: string(a.Kind), Since: now.Add(-t.limits.RegistrationWindow)})
			if err != nil {
				return wrap("registrations", err)
			}
			limited = worst(limited, over("registrations from this address", regs, t.limits.Registrations, t.limits.RegistrationWindow, now))
		}
		ipFailures, err := q.IPFailures(ctx, database.IPFailuresParams{Ip: a.IP, Since: now.Add(-t.limits.IPWindow)})
		if err != nil {
			return wrap("ip failures", err)
		}
		limited = worst(limited, over("failed attempts from this address", ipFailures, t.limits.IPFailures, t.limits.IPWindow, now))

		outcome := "pending"
		if limited != nil {
			outcome = string(ports.OutcomeRateLimited)
		}
		id, err = q.InsertAttempt(ctx, database.InsertAttemptParams{
			UserID: nullUUID(a.UserID), Account: a.Account, Ip: a.IP, Kind: string(a.Kind), Outcome: outcome, KnownIp: known,
		})
		return wrap("record attempt", err)
	})
	if err != nil {
		return 0, err
	}
	if limited != nil {
		return 0, limited
	}
	return id, nil
}

// over returns the limit error when times (oldest first, within the
// window) hold max entries or more: the limit frees when the oldest entry
// that keeps the count at max leaves the window.
func over(name string, times []time.Time, limit int, window time.Duration, now time.Time) *ports.RateLimitedError {
	if limit <= 0 || len(times) < limit {
		return nil
	}
	frees := times[len(times)-limit].Add(window)
	wait := frees.Sub(now)
	wait = (wait + time.Second - 1).Truncate(time.Second) // round up
	return &ports.RateLimitedError{RetryAfter: max(wait, time.Second), Limit: name}
}

// worst keeps the limit that frees last.
func worst(a, b *ports.RateLimitedError) *ports.RateLimitedError {
	if a == nil || (b != nil && b.RetryAfter > a.RetryAfter) {
		return b
	}
	return a
}

// Finish implements ports.Throttle.
func (t *Throttle) Finish(ctx context.Context, id int64, outcome ports.Outcome, userID uuid.UUID) error {
	err := t.q.FinishAttempt(ctx, database.FinishAttemptParams{ID: id, Outcome: string(outcome), UserID: nullUUID(userID)})
	return wrap("finish attempt", err)
}

// Activity implements ports.Throttle.
func (t *Throttle) Activity(ctx context.Context, userID uuid.UUID, limit int) ([]ports.Event, error) {
	rows, err := t.q.ListUserActivity(ctx, database.ListUserActivityParams{UserID: nullUUID(userID), MaxEvents: int32(limit)})
	if err != nil {
		return nil, wrap("activity", err)
	}
	out := make([]ports.Event, len(rows))
	for i, r := range rows {
		out[i] = ports.Event{Kind: ports.AttemptKind(r.Kind), Success: r.Outcome == string(ports.OutcomeSuccess), IP: r.Ip, CreatedAt: r.CreatedAt}
	}
	return out, nil
}

// DeleteExpired deletes at most batch attempts recorded before cutoff
// (the retention job) and counts them.
func (t *Throttle) DeleteExpired(ctx context.Context, cutoff time.Time, batch int) (int, error) {
	n, err := t.q.DeleteOldAttempts(ctx, database.DeleteOldAttemptsParams{Cutoff: cutoff, BatchSize: int32(batch)})
	return int(n), wrap("delete old attempts", err)
}

func nullUUID(id uuid.UUID) uuid.NullUUID {
	return uuid.NullUUID{UUID: id, Valid: id != uuid.Nil}
}
