package repositories

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/infrastructure/platform/services/auth/gen/database"
	"github.com/infrastructure/platform/services/auth/internal/mail"
	"github.com/infrastructure/platform/services/auth/internal/ports"
)

// Throttle implements ports.Throttle. Each Begin runs in one transaction
// that first takes advisory locks on the attempt's keys (its account and
// factor, its client IP): concurrent attempts on a key, on any replica,
// are counted one after the other, so no burst can slip past a limit.
type Throttle struct {
	notices *Notices // nil: no mail
	pool    *pgxpool.Pool
	q       *database.Queries
	limits  ports.Limits
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
	case ports.KindTOTP, ports.KindBackupCode, ports.KindPasskey:
		return accountRule{"failed second-factor attempts for this account",
			[]string{string(ports.KindTOTP), string(ports.KindBackupCode), string(ports.KindPasskey)}, t.limits.SecondFactorFailures, t.limits.SecondFactorWindow}, true
	}
	return accountRule{}, false
}

// Begin implements ports.Throttle.
func (t *Throttle) Begin(ctx context.Context, a ports.Attempt) (int64, error) {
	var (
		id      int64
		limited *ports.RateLimitedError
	)
	network := t.limits.Network(a.IP)
	locked := false
	err := inTx(ctx, t.pool, "throttle", func(q *database.Queries) error {
		rule, perAccount := t.accountRule(a.Kind)
		keys := []string{"ip:" + network.String()}
		if perAccount {
			keys = append(keys, "account:"+rule.kinds[0]+":"+a.Account)
		}
		if isMail(a.Kind) {
			keys = append(keys, "account:"+string(a.Kind)+":"+a.Account)
		}
		if err := q.LockThrottleKeys(ctx, keys); err != nil {
			return wrap("lock throttle keys", err)
		}
		now, err := q.TxNow(ctx)
		if err != nil {
			return wrap("throttle clock", err)
		}
		if isSecondFactor(a.Kind) && a.UserID != uuid.Nil {
			if locked, err = q.SecondFactorLocked(ctx, a.UserID); err != nil {
				return wrap("second factor lock", err)
			}
			if locked {
				return t.refuse(ctx, q, a, network, false, now)
			}
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
			regs, err := q.IPAttempts(ctx, database.IPAttemptsParams{IpNet: network, Kind: string(a.Kind), Since: now.Add(-t.limits.RegistrationWindow)})
			if err != nil {
				return wrap("registrations", err)
			}
			limited = worst(limited, over("registrations from this address", regs, t.limits.Registrations, t.limits.RegistrationWindow, now))
		}
		if a.Kind == ports.KindPasskeyChallenge {
			begun, err := q.IPAttempts(ctx, database.IPAttemptsParams{IpNet: network, Kind: string(a.Kind), Since: now.Add(-t.limits.PasskeyChallengeWindow)})
			if err != nil {
				return wrap("passkey challenges", err)
			}
			limited = worst(limited, over("passkey sign-ins begun from this address", begun, t.limits.PasskeyChallenges, t.limits.PasskeyChallengeWindow, now))
		}
		if isMail(a.Kind) {
			if limited, err = t.mailLimits(ctx, q, a, network, now, limited); err != nil {
				return err
			}
		}
		ipFailures, err := q.IPFailures(ctx, database.IPFailuresParams{IpNet: network, Since: now.Add(-t.limits.IPWindow)})
		if err != nil {
			return wrap("ip failures", err)
		}
		limited = worst(limited, over("failed attempts from this address", ipFailures, t.limits.IPFailures, t.limits.IPWindow, now))

		if limited != nil {
			return t.refuse(ctx, q, a, network, known, now)
		}
		id, err = q.InsertAttempt(ctx, database.InsertAttemptParams{
			UserID: nullUUID(a.UserID), Account: a.Account, Ip: a.IP, IpNet: network, Kind: string(a.Kind),
			Outcome: "pending", KnownIp: known,
		})
		return wrap("record attempt", err)
	})
	switch {
	case err != nil:
		return 0, err
	case locked:
		return 0, fmt.Errorf("throttle: %w", ports.ErrSecondFactorLocked)
	case limited != nil:
		return 0, limited
	}
	return id, nil
}

// refuse records a refused attempt: one more on the account's, network's
// and kind's refusal row of the current bucket, or a new row. The keys'
// advisory locks are held, so two refusals cannot both make a row.
func (t *Throttle) refuse(ctx context.Context, q *database.Queries, a ports.Attempt, network netip.Addr, known bool, now time.Time) error {
	_, err := q.RepeatRefusal(ctx, database.RepeatRefusalParams{
		Account: a.Account, IpNet: network, Kind: string(a.Kind), Since: now.Add(-t.limits.RefusalBucket),
	})
	if err == nil {
		return nil
	}
	if !errors.Is(err, pgx.ErrNoRows) {
		return wrap("record refusal", err)
	}
	_, err = q.InsertAttempt(ctx, database.InsertAttemptParams{
		UserID: nullUUID(a.UserID), Account: a.Account, Ip: a.IP, IpNet: network, Kind: string(a.Kind),
		Outcome: string(ports.OutcomeRateLimited), KnownIp: known,
	})
	return wrap("record refusal", err)
}

// isMail reports whether an attempt of the kind asks for a message: those
// are counted whatever their outcome, per account and per network.
func isMail(k ports.AttemptKind) bool {
	return k == ports.KindPasswordForgot || k == ports.KindVerificationResend
}

// mailLimits adds the limits on messages asked for to limited.
func (t *Throttle) mailLimits(ctx context.Context, q *database.Queries, a ports.Attempt, network netip.Addr, now time.Time, limited *ports.RateLimitedError) (*ports.RateLimitedError, error) {
	since := now.Add(-t.limits.MailWindow)
	sent, err := q.AccountAttempts(ctx, database.AccountAttemptsParams{Account: a.Account, Kind: string(a.Kind), Since: since})
	if err != nil {
		return nil, wrap("messages for the account", err)
	}
	limited = worst(limited, over("messages for this account", sent, t.limits.MailPerAccount, t.limits.MailWindow, now))
	asked, err := q.IPAttempts(ctx, database.IPAttemptsParams{IpNet: network, Kind: string(a.Kind), Since: since})
	if err != nil {
		return nil, wrap("messages from the address", err)
	}
	return worst(limited, over("messages asked from this address", asked, t.limits.MailPerIP, t.limits.MailWindow, now)), nil
}

func isSecondFactor(k ports.AttemptKind) bool {
	return k == ports.KindTOTP || k == ports.KindBackupCode || k == ports.KindPasskey
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
func (t *Throttle) Finish(ctx context.Context, id int64, outcome ports.Outcome, userID uuid.UUID) (bool, error) {
	locked := false
	err := inTxWith(ctx, t.pool, "finish attempt", func(tx pgx.Tx, q *database.Queries) error {
		rows, err := q.FinishAttempt(ctx, database.FinishAttemptParams{ID: id, Outcome: string(outcome), UserID: nullUUID(userID)})
		if err != nil || len(rows) == 0 {
			return wrap("finish attempt", err)
		}
		a := rows[0]
		if !isSecondFactor(ports.AttemptKind(a.Kind)) || !a.UserID.Valid {
			return nil
		}
		switch outcome {
		case ports.OutcomeSuccess:
			return wrap("second factor success", q.SecondFactorSucceeded(ctx, a.UserID.UUID))
		case ports.OutcomeFailure:
			if locked, err = q.SecondFactorFailed(ctx, database.SecondFactorFailedParams{Lockout: int32(t.limits.LockoutFailures), ID: a.UserID.UUID}); err != nil {
				return wrap("second factor failure", err)
			}
			if locked {
				if err := q.InsertNotice(ctx, database.InsertNoticeParams{
					UserID: a.UserID, Account: a.Account, Ip: a.Ip, IpNet: a.IpNet, Kind: string(ports.KindSecondFactorLocked),
				}); err != nil {
					return wrap("record lockout", err)
				}
				return t.notices.enqueue(ctx, tx, q, a.UserID.UUID, mail.NoticeSecondFactorLocked)
			}
		}
		return nil
	})
	return locked, err
}

// Unlock implements ports.Throttle.
func (t *Throttle) Unlock(ctx context.Context, userID uuid.UUID, actor string) error {
	return inTx(ctx, t.pool, "unlock second factor", func(q *database.Queries) error {
		n, err := q.UnlockSecondFactor(ctx, userID)
		if err != nil {
			return wrap("unlock second factor", err)
		}
		if n == 0 {
			return fmt.Errorf("unlock second factor: %w", ports.ErrNotFound)
		}
		any := netip.IPv4Unspecified() // an operator's act: no client address
		return wrap("record unlock", q.InsertNotice(ctx, database.InsertNoticeParams{
			UserID: nullUUID(userID), Account: "user:" + userID.String(), Ip: any, IpNet: any, Kind: string(ports.KindSecondFactorUnlocked),
			Actor: pgtype.Text{String: actor, Valid: true},
		}))
	})
}

// Activity implements ports.Throttle.
func (t *Throttle) Activity(ctx context.Context, userID uuid.UUID, limit int) ([]ports.Event, error) {
	rows, err := t.q.ListUserActivity(ctx, database.ListUserActivityParams{UserID: nullUUID(userID), MaxEvents: int32(limit)})
	if err != nil {
		return nil, wrap("activity", err)
	}
	out := make([]ports.Event, len(rows))
	for i, r := range rows {
		out[i] = ports.Event{Kind: ports.AttemptKind(r.Kind), Success: r.Outcome == string(ports.OutcomeSuccess) || r.Outcome == "notice", IP: r.Ip, CreatedAt: r.CreatedAt, Repeats: int(r.Repeats), Actor: r.Actor.String}
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

// MailWith makes the repository put its security notices in the outbox n.
func (t *Throttle) MailWith(n *Notices) *Throttle {
	t.notices = n
	return t
}
