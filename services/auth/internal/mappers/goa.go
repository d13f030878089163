package mappers

import (
	"time"

	"github.com/google/uuid"

	genauth "github.com/infrastructure/platform/services/auth/gen/auth"
	"github.com/infrastructure/platform/services/auth/internal/ports"
)

// Time formats t as RFC 3339 in UTC, as both transports expect.
func Time(t time.Time) string {
	return t.UTC().Format(time.RFC3339Nano)
}

// UserView maps a user for a sibling service.
func UserView(u ports.User) *genauth.UserView {
	return &genauth.UserView{ID: u.ID.String(), Email: u.Email, MfaEnabled: u.MFAEnabled, CreatedAt: Time(u.CreatedAt)}
}

// RegisterResult maps a new account and the token of its first session.
func RegisterResult(u ports.User, token string) *genauth.RegisterResult {
	return &genauth.RegisterResult{
		ID: u.ID.String(), Email: u.Email, MfaEnabled: u.MFAEnabled, CreatedAt: Time(u.CreatedAt),
		SessionToken: token,
	}
}

// LoginResult maps a new session and its token.
func LoginResult(s ports.Session, mfaRequired bool, token string) *genauth.LoginResult {
	return &genauth.LoginResult{
		SessionID:    s.ID.String(),
		Aal:          s.AAL.String(),
		MfaRequired:  mfaRequired,
		ExpiresAt:    Time(s.EffectiveExpiry()),
		SessionToken: token,
	}
}

// AccountProfile maps the signed-in user's account.
func AccountProfile(u ports.User, backupCodesRemaining int) *genauth.AccountProfile {
	return &genauth.AccountProfile{
		ID: u.ID.String(), Email: u.Email, MfaEnabled: u.MFAEnabled, CreatedAt: Time(u.CreatedAt),
		BackupCodesRemaining: backupCodesRemaining,
	}
}

// SessionIdentity maps a validated session for a sibling service.
func SessionIdentity(s ports.SessionIdentity) *genauth.SessionIdentity {
	return &genauth.SessionIdentity{
		SessionID:  s.ID.String(),
		UserID:     s.UserID.String(),
		Email:      s.Email,
		Aal:        s.AAL.String(),
		ExpiresAt:  Time(s.EffectiveExpiry()),
		MfaEnabled: s.MFAEnabled,
	}
}

// RefreshResult maps a refreshed session and its new token.
func RefreshResult(s ports.Session, token string) *genauth.RefreshResult {
	return &genauth.RefreshResult{
		SessionID:     s.ID.String(),
		Aal:           s.AAL.String(),
		ExpiresAt:     Time(s.ExpiresAt),
		IdleExpiresAt: Time(s.IdleExpiresAt),
		SessionToken:  token,
	}
}

// SessionList maps the user's sessions, marking the current one.
func SessionList(sessions []ports.Session, current uuid.UUID) *genauth.SessionList {
	out := &genauth.SessionList{Sessions: make([]*genauth.SessionView, len(sessions))}
	for i, s := range sessions {
		out.Sessions[i] = &genauth.SessionView{
			ID:        s.ID.String(),
			Aal:       s.AAL.String(),
			CreatedAt: Time(s.CreatedAt),
			ExpiresAt: Time(s.EffectiveExpiry()),
			Current:   s.ID == current,
		}
	}
	return out
}

// ActivityList maps a user's security events.
func ActivityList(events []ports.Event) *genauth.ActivityList {
	out := &genauth.ActivityList{Events: make([]*genauth.SecurityEvent, len(events))}
	for i, e := range events {
		out.Events[i] = &genauth.SecurityEvent{
			Kind:      string(e.Kind),
			Success:   e.Success,
			IP:        e.IP.String(),
			CreatedAt: Time(e.CreatedAt),
			Repeats:   max(e.Repeats, 1),
		}
	}
	return out
}
