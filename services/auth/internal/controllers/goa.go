package controllers

// The mapping from domain values (ports) to the Goa types of the
// transport, beside the controllers that answer with them (as clue's
// front.go maps inline).

import (
	"time"

	"github.com/google/uuid"

	genauth "github.com/infrastructure/platform/services/auth/gen/auth"
	"github.com/infrastructure/platform/services/auth/internal/ports"
)

// formatTime formats t as RFC 3339 in UTC, as both transports expect.
func formatTime(t time.Time) string {
	return t.UTC().Format(time.RFC3339Nano)
}

// toUserView maps a user for a sibling service.
func toUserView(u ports.User) *genauth.UserView {
	return &genauth.UserView{ID: u.ID.String(), Email: u.Email, MfaEnabled: u.MFAEnabled, CreatedAt: formatTime(u.CreatedAt), EmailVerified: u.EmailVerified}
}

// toRegisterResult maps a new account and the token of its first session
// ("": none).
func toRegisterResult(u ports.User, token string) *genauth.RegisterResult {
	r := &genauth.RegisterResult{
		ID: u.ID.String(), Email: u.Email, MfaEnabled: u.MFAEnabled, CreatedAt: formatTime(u.CreatedAt),
		EmailVerified: u.EmailVerified,
	}
	if token != "" {
		r.SessionToken = &token
	}
	return r
}

// toPasswordChangeResult maps the session rotated by a password change.
func toPasswordChangeResult(s ports.Session, token string) *genauth.PasswordChangeResult {
	return &genauth.PasswordChangeResult{
		SessionID:    s.ID.String(),
		Aal:          s.AAL.String(),
		ExpiresAt:    formatTime(s.EffectiveExpiry()),
		SessionToken: token,
	}
}

// toLoginResult maps a new session and its token.
func toLoginResult(s ports.Session, mfaRequired bool, token string) *genauth.LoginResult {
	return &genauth.LoginResult{
		SessionID:    s.ID.String(),
		Aal:          s.AAL.String(),
		MfaRequired:  mfaRequired,
		ExpiresAt:    formatTime(s.EffectiveExpiry()),
		SessionToken: token,
	}
}

// toAccountProfile maps the signed-in user's account.
func toAccountProfile(u ports.User, backupCodesRemaining int, totpEnabled bool) *genauth.AccountProfile {
	return &genauth.AccountProfile{
		ID: u.ID.String(), Email: u.Email, MfaEnabled: u.MFAEnabled, CreatedAt: formatTime(u.CreatedAt),
		EmailVerified: u.EmailVerified, BackupCodesRemaining: backupCodesRemaining, TotpEnabled: totpEnabled,
	}
}

// toSessionIdentity maps a validated session for a sibling service.
func toSessionIdentity(s ports.SessionIdentity) *genauth.SessionIdentity {
	return &genauth.SessionIdentity{
		SessionID:  s.ID.String(),
		UserID:     s.UserID.String(),
		Email:      s.Email,
		Aal:        s.AAL.String(),
		ExpiresAt:  formatTime(s.EffectiveExpiry()),
		MfaEnabled: s.MFAEnabled,
	}
}

// toRefreshResult maps a refreshed session and its new token.
func toRefreshResult(s ports.Session, token string) *genauth.RefreshResult {
	return &genauth.RefreshResult{
		SessionID:     s.ID.String(),
		Aal:           s.AAL.String(),
		ExpiresAt:     formatTime(s.ExpiresAt),
		IdleExpiresAt: formatTime(s.IdleExpiresAt),
		SessionToken:  token,
	}
}

// toSessionList maps the user's sessions, marking the current one.
func toSessionList(sessions []ports.Session, current uuid.UUID) *genauth.SessionList {
	out := &genauth.SessionList{Sessions: make([]*genauth.SessionView, len(sessions))}
	for i, s := range sessions {
		out.Sessions[i] = &genauth.SessionView{
			ID:        s.ID.String(),
			Aal:       s.AAL.String(),
			CreatedAt: formatTime(s.CreatedAt),
			ExpiresAt: formatTime(s.EffectiveExpiry()),
			Current:   s.ID == current,
		}
	}
	return out
}

// toActivityList maps a user's security events.
func toActivityList(events []ports.Event) *genauth.ActivityList {
	out := &genauth.ActivityList{Events: make([]*genauth.SecurityEvent, len(events))}
	for i, e := range events {
		out.Events[i] = &genauth.SecurityEvent{
			Kind:      string(e.Kind),
			Success:   e.Success,
			IP:        e.IP.String(),
			CreatedAt: formatTime(e.CreatedAt),
			Repeats:   max(e.Repeats, 1),
		}
		if e.Actor != "" {
			actor := e.Actor
			out.Events[i].Actor = &actor
		}
	}
	return out
}

// toPasskeyView maps a passkey for its owner.
func toPasskeyView(p ports.Passkey) *genauth.PasskeyView {
	v := &genauth.PasskeyView{
		ID: p.ID.String(), Name: p.Name, CreatedAt: formatTime(p.CreatedAt),
		BackupEligible: p.BackupEligible, BackupState: p.BackupState,
	}
	if !p.LastUsedAt.IsZero() {
		used := formatTime(p.LastUsedAt)
		v.LastUsedAt = &used
	}
	return v
}
