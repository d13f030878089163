package controllers

import (
	"context"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/metric/noop"

	"github.com/infrastructure/platform/services/auth/internal/ports"
)

// Results of attempts in the auth.attempts metric.
const (
	resultSuccess     = "success"
	resultInvalid     = "invalid"
	resultRateLimited = "rate_limited"
)

// metrics are the service's own instruments. Their labels are enumerations
// (kind, result, reason): never a user, address or secret.
type metrics struct {
	attempts metric.Int64Counter
	created  metric.Int64Counter
	revoked  metric.Int64Counter
}

func newMetrics(m metric.Meter) (*metrics, error) {
	if m == nil {
		m = noop.NewMeterProvider().Meter("auth")
	}
	attempts, err := m.Int64Counter("auth.attempts", metric.WithDescription("Authentication attempts by kind (login, totp, backup_code, register) and result (success, invalid, rate_limited)."))
	if err != nil {
		return nil, err
	}
	created, err := m.Int64Counter("auth.sessions.created", metric.WithDescription("Sessions created (register, login)."))
	if err != nil {
		return nil, err
	}
	revoked, err := m.Int64Counter("auth.sessions.revoked", metric.WithDescription("Sessions revoked, by reason (logout, delete, revoke, revoke_user)."))
	if err != nil {
		return nil, err
	}
	return &metrics{attempts: attempts, created: created, revoked: revoked}, nil
}

func (m *metrics) attempt(ctx context.Context, kind ports.AttemptKind, result string) {
	m.attempts.Add(ctx, 1, metric.WithAttributes(attribute.String("kind", string(kind)), attribute.String("result", result)))
}

func (m *metrics) sessionCreated(ctx context.Context) {
	m.created.Add(ctx, 1)
}

func (m *metrics) sessionsRevoked(ctx context.Context, reason string, n int) {
	if n > 0 {
		m.revoked.Add(ctx, int64(n), metric.WithAttributes(attribute.String("reason", reason)))
	}
}
