package controllers

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"go.uber.org/mock/gomock"

	genauth "github.com/infrastructure/platform/services/auth/gen/auth"
	"github.com/infrastructure/platform/services/auth/internal/ports"
)

func TestLogout(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		err      error // from Sessions.Revoke
		wantName string
	}{
		{name: "case=revoked"},
		{name: "case=already revoked", err: fmt.Errorf("revoke: %w", ports.ErrNotFound), wantName: "unauthorized"},
		{name: "case=unavailable", err: fmt.Errorf("revoke: %w", ports.ErrUnavailable), wantName: "unavailable"},
		{name: "case=other", err: errors.New("conn reset by peer"), wantName: "fault"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t)
			ident := identity(false, ports.AAL1)
			f.sessions.EXPECT().Revoke(gomock.Any(), ident.ID).Return(tt.err)

			res, err := f.svc.Logout(f.withSession(ident), &genauth.LogoutPayload{})

			if tt.wantName != "" {
				se := f.requireServiceError(t, err, tt.wantName)
				if strings.Contains(se.Message, "conn reset") {
					t.Errorf("message %q exposes the cause", se.Message)
				}
				if res != nil {
					t.Errorf("result = %+v, want nil", res)
				}
				return
			}
			if err != nil {
				t.Fatalf("Logout: %v", err)
			}
			if res == nil || res.SessionToken != "" {
				t.Errorf("result = %+v, want an empty session token to clear the cookie", res)
			}
		})
	}
}

func TestLogoutWithoutSession(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.sessions.EXPECT().Revoke(gomock.Any(), gomock.Any()).Times(0)

	res, err := f.svc.Logout(f.ctx, &genauth.LogoutPayload{})

	f.requireServiceError(t, err, "unauthorized")
	if res != nil {
		t.Errorf("result = %+v, want nil", res)
	}
}

func TestProfile(t *testing.T) {
	t.Parallel()
	user := ports.User{ID: uuid.New(), Email: "ada@example.com", MFAEnabled: true, CreatedAt: base}
	tests := []struct {
		name     string
		err      error // from Users.ByID
		wantName string
	}{
		{name: "case=found"},
		{name: "case=user deleted", err: fmt.Errorf("user by id: %w", ports.ErrNotFound), wantName: "unauthorized"},
		{name: "case=unavailable", err: fmt.Errorf("user by id: %w", ports.ErrUnavailable), wantName: "unavailable"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t)
			ident := identity(true, ports.AAL2)
			ident.UserID = user.ID
			found := user
			if tt.err != nil {
				found = ports.User{}
			}
			f.users.EXPECT().ByID(gomock.Any(), user.ID).Return(found, tt.err)
			if tt.err == nil {
				f.backup.EXPECT().Remaining(gomock.Any(), user.ID).Return(7, nil)
				f.totp.EXPECT().Get(gomock.Any(), user.ID).Return(ports.TOTPCredential{UserID: user.ID, Active: true}, nil)
			}

			res, err := f.svc.Profile(f.withSession(ident), &genauth.ProfilePayload{})

			if tt.wantName != "" {
				f.requireServiceError(t, err, tt.wantName)
				return
			}
			if err != nil {
				t.Fatalf("Profile: %v", err)
			}
			want := genauth.AccountProfile{
				BackupCodesRemaining: 7,
				ID:                   user.ID.String(),
				Email:                "ada@example.com",
				MfaEnabled:           true,
				TotpEnabled:          true,
				CreatedAt:            "2025-01-02T02:04:05Z",
			}
			if *res != want {
				t.Errorf("result = %+v, want %+v", *res, want)
			}
		})
	}
}

func TestProfileWithoutSession(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.users.EXPECT().ByID(gomock.Any(), gomock.Any()).Times(0)

	_, err := f.svc.Profile(f.ctx, &genauth.ProfilePayload{})

	f.requireServiceError(t, err, "unauthorized")
}

func TestValidateSession(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name          string
		aal           ports.AAL
		idleAfter     time.Duration // idle expiry, after base
		absoluteAfter time.Duration // absolute expiry, after base
		wantExpiresAt string
	}{
		{name: "case=aal1, idle expiry first", aal: ports.AAL1, idleAfter: 15 * time.Minute, absoluteAfter: 12 * time.Hour, wantExpiresAt: "2025-01-02T02:19:05Z"},
		{name: "case=aal2, absolute expiry first", aal: ports.AAL2, idleAfter: 15 * time.Minute, absoluteAfter: 5 * time.Minute, wantExpiresAt: "2025-01-02T02:09:05Z"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t)
			token := testToken(t)
			ident := identity(true, tt.aal)
			ident.IdleExpiresAt = base.Add(tt.idleAfter)
			ident.ExpiresAt = base.Add(tt.absoluteAfter)
			f.sessions.EXPECT().Validate(gomock.Any(), sha256Of(token)).Return(ident, nil)

			res, err := f.svc.ValidateSession(f.ctx, &genauth.ValidateSessionPayload{Token: token})
			if err != nil {
				t.Fatalf("ValidateSession: %v", err)
			}

			want := genauth.SessionIdentity{
				SessionID:  ident.ID.String(),
				UserID:     ident.UserID.String(),
				Email:      "ada@example.com",
				Aal:        tt.aal.String(),
				ExpiresAt:  tt.wantExpiresAt,
				MfaEnabled: true,
			}
			if *res != want {
				t.Errorf("result = %+v, want %+v", *res, want)
			}
			if _, err := time.Parse(time.RFC3339, res.ExpiresAt); err != nil {
				t.Errorf("expires_at %q is not RFC 3339: %v", res.ExpiresAt, err)
			}
			f.requireNoSecret(t, nil, token)
		})
	}
}

func TestValidateSessionErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		malformed bool  // the token cannot be ours: no read expected
		err       error // from Sessions.Validate
		wantName  string
	}{
		{name: "case=malformed", malformed: true, wantName: "unauthorized"},
		{name: "case=unknown", err: fmt.Errorf("validate: %w", ports.ErrNotFound), wantName: "unauthorized"},
		{name: "case=unavailable", err: fmt.Errorf("validate: %w", ports.ErrUnavailable), wantName: "unavailable"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t)
			token := testToken(t)
			if tt.malformed {
				token = token[:40] + "..."
				f.sessions.EXPECT().Validate(gomock.Any(), gomock.Any()).Times(0)
			} else {
				f.sessions.EXPECT().Validate(gomock.Any(), sha256Of(token)).Return(ports.SessionIdentity{}, tt.err)
			}

			res, err := f.svc.ValidateSession(f.ctx, &genauth.ValidateSessionPayload{Token: token})

			if res != nil {
				t.Errorf("result = %+v, want nil", res)
			}
			f.requireServiceError(t, err, tt.wantName, token)
		})
	}
}

func TestGetUser(t *testing.T) {
	t.Parallel()
	user := ports.User{ID: uuid.New(), Email: "ada@example.com", MFAEnabled: true, CreatedAt: base}
	want := genauth.UserView{ID: user.ID.String(), Email: "ada@example.com", MfaEnabled: true, CreatedAt: "2025-01-02T02:04:05Z"}
	tests := []struct {
		name     string
		err      error // from Users.ByID
		wantName string
	}{
		{name: "case=found"},
		{name: "case=not found", err: fmt.Errorf("user by id: %w", ports.ErrNotFound), wantName: "not_found"},
		{name: "case=unavailable", err: fmt.Errorf("user by id: %w", ports.ErrUnavailable), wantName: "unavailable"},
		{name: "case=other", err: errors.New("conn reset by peer"), wantName: "fault"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t)
			found := user
			if tt.err != nil {
				found = ports.User{}
			}
			f.users.EXPECT().ByID(gomock.Any(), user.ID).Return(found, tt.err)

			res, err := f.svc.GetUser(f.ctx, &genauth.GetUserPayload{UserID: user.ID.String()})

			if tt.wantName != "" {
				se := f.requireServiceError(t, err, tt.wantName)
				if strings.Contains(se.Message, "conn reset") {
					t.Errorf("message %q exposes the cause", se.Message)
				}
				return
			}
			if err != nil {
				t.Fatalf("GetUser: %v", err)
			}
			if *res != want {
				t.Errorf("result = %+v, want %+v", *res, want)
			}
		})
	}
}

func TestGetUserInvalidID(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.users.EXPECT().ByID(gomock.Any(), gomock.Any()).Times(0)

	_, err := f.svc.GetUser(f.ctx, &genauth.GetUserPayload{UserID: "not-a-uuid"})

	f.requireServiceError(t, err, "invalid_input")
}

func TestSessionRefresh(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		mfa  bool
		aal  ports.AAL
	}{
		{name: "case=aal1", aal: ports.AAL1},
		{name: "case=mfa, aal1", mfa: true, aal: ports.AAL1},
		{name: "case=mfa, aal2", mfa: true, aal: ports.AAL2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t)
			ident := identity(tt.mfa, tt.aal)
			reqToken := testToken(t)
			var got ports.Rotation
			f.sessions.EXPECT().Rotate(gomock.Any(), gomock.Any()).
				DoAndReturn(func(_ context.Context, r ports.Rotation) (ports.Session, error) {
					got = r
					return ports.Session{
						ID: ident.ID, UserID: ident.UserID, AAL: r.AAL, CreatedAt: base,
						IdleExpiresAt: base.Add(time.Hour), ExpiresAt: base.Add(12 * time.Hour),
					}, nil
				})

			res, err := f.svc.SessionRefresh(f.withSession(ident, reqToken), &genauth.SessionRefreshPayload{})
			if err != nil {
				t.Fatalf("SessionRefresh: %v", err)
			}

			if got.SessionID != ident.ID || got.AAL != tt.aal || !got.Refresh || got.IdleTimeout != testIdle {
				t.Errorf("rotation = %+v, want session %s at %v, refresh, idle %v", got, ident.ID, tt.aal, testIdle)
			}
			if !bytes.Equal(got.OldTokenHash, sha256Of(reqToken)) || !bytes.Equal(got.NewTokenHash, sha256Of(res.SessionToken)) {
				t.Error("rotation hashes are not those of the request token and the returned token")
			}
			requireFreshToken(t, res.SessionToken)
			want := genauth.RefreshResult{
				SessionID:     ident.ID.String(),
				Aal:           tt.aal.String(),
				ExpiresAt:     "2025-01-02T14:04:05Z",
				IdleExpiresAt: "2025-01-02T03:04:05Z",
				SessionToken:  res.SessionToken,
			}
			if *res != want {
				t.Errorf("result = %+v, want %+v", *res, want)
			}
			for _, ts := range []string{res.ExpiresAt, res.IdleExpiresAt} {
				if _, err := time.Parse(time.RFC3339, ts); err != nil {
					t.Errorf("%q is not RFC 3339: %v", ts, err)
				}
			}
			f.requireNoSecret(t, nil, reqToken, res.SessionToken)
		})
	}
}

func TestSessionRefreshErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		noSession bool
		err       error // from Sessions.Rotate
		wantName  string
	}{
		{name: "case=no session", noSession: true, wantName: "unauthorized"},
		{name: "case=session ended", err: fmt.Errorf("rotate: %w", ports.ErrSessionEnded), wantName: "unauthorized"},
		{name: "case=unavailable", err: fmt.Errorf("rotate: %w", ports.ErrUnavailable), wantName: "unavailable"},
		{name: "case=other", err: errors.New("conn reset by peer"), wantName: "fault"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t)
			ident := identity(false, ports.AAL1)
			reqToken := testToken(t)
			ctx := f.withSession(ident, reqToken)
			if tt.noSession {
				ctx = f.ctx
				f.sessions.EXPECT().Rotate(gomock.Any(), gomock.Any()).Times(0)
			} else {
				f.sessions.EXPECT().Rotate(gomock.Any(), gomock.Any()).Return(ports.Session{}, tt.err)
			}

			res, err := f.svc.SessionRefresh(ctx, &genauth.SessionRefreshPayload{})

			if res != nil {
				t.Errorf("result = %+v, want nil", res)
			}
			se := f.requireServiceError(t, err, tt.wantName, reqToken)
			if strings.Contains(se.Message, "conn reset") {
				t.Errorf("message %q exposes the cause", se.Message)
			}
		})
	}
}
