package controllers

import (
	"context"
	"errors"
	"testing"

	"github.com/google/uuid"
	"go.uber.org/mock/gomock"
	goa "goa.design/goa/v3/pkg"

	genauth "github.com/infrastructure/platform/services/auth/gen/auth"
	"github.com/infrastructure/platform/services/auth/internal/ports"
)

// errorName returns the Goa name of err ("" for nil).
func errorName(err error) string {
	var se *goa.ServiceError
	if errors.As(err, &se) {
		return se.Name
	}
	if err != nil {
		return "not a goa error: " + err.Error()
	}
	return ""
}

// TestPasswordChange: the screening and the current password come before
// any change; the change keeps the session's level under a new token.
func TestPasswordChange(t *testing.T) {
	t.Parallel()
	const strong = "quiet harbour lantern 7"
	tests := []struct {
		name     string
		current  string
		next     string
		wantName string
	}{
		{name: "case=changed", current: testPassword, next: strong},
		{name: "case=wrong current password", current: "not the password", next: strong, wantName: "invalid_credentials"},
		{name: "case=too short", current: testPassword, next: "Zq9!x", wantName: "weak_password"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t)
			f.allowAttempts()
			ctx, ident, creds := f.reauthFixture(t)
			f.users.EXPECT().ByEmail(gomock.Any(), ident.Email).Return(creds, nil).AnyTimes()
			if tt.wantName == "" {
				f.changes.EXPECT().Change(gomock.Any(), ident.UserID, gomock.Any(), gomock.Any(), testIP).
					DoAndReturn(func(_ context.Context, _ uuid.UUID, hash []byte, r ports.Rotation, _ any) (ports.Session, []uuid.UUID, error) {
						if r.SessionID != ident.ID || r.AAL != ident.AAL || len(r.NewTokenHash) != 32 {
							t.Errorf("rotation %+v", r)
						}
						ok, err := f.svc.passwords.matches(ctx, hash, tt.next)
						if !ok || err != nil {
							t.Error("the stored hash is not of the new password")
						}
						return ports.Session{ID: ident.ID, AAL: ident.AAL}, []uuid.UUID{uuid.New(), ident.ID}, nil
					})
			}
			res, err := f.svc.PasswordChange(ctx, &genauth.PasswordChangePayload{CurrentPassword: tt.current, NewPassword: tt.next})
			if got := errorName(err); got != tt.wantName {
				t.Fatalf("error %q, want %q", got, tt.wantName)
			}
			if err == nil && (res.SessionToken == "" || res.Aal != "aal2") {
				t.Errorf("result %+v", res)
			}
			f.requireNoSecret(t, err, tt.current, tt.next)
		})
	}
}

// TestPasswordForgotAnyEmail: the same call to the outbox, and the same
// answer, for any email.
func TestPasswordForgotAnyEmail(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.allowAttempts()
	for _, email := range []string{"Ada@Example.com ", "nobody@example.com"} {
		f.links.EXPECT().RequestReset(gomock.Any(), normalizeEmail(email)).Return(nil)
		res, err := f.svc.PasswordForgot(f.ctx, &genauth.PasswordForgotPayload{Email: email})
		if err != nil || res == nil || len(res) != 0 {
			t.Fatalf("%s: %v %v", email, res, err)
		}
	}
}

// TestPasswordReset: a token that is not well formed or not live is
// invalid_token without hashing; a weak password leaves the token unspent.
func TestPasswordReset(t *testing.T) {
	t.Parallel()
	userID := uuid.New()
	tests := []struct {
		name     string
		token    string
		peekErr  error
		password string
		spend    bool
		wantName string
	}{
		{name: "case=reset", token: testToken(t), password: "quiet harbour lantern 7", spend: true},
		{name: "case=malformed token", token: "abc", password: "quiet harbour lantern 7", wantName: "invalid_token"},
		{name: "case=dead token", token: testToken(t), peekErr: ports.ErrInvalidToken, password: "quiet harbour lantern 7", wantName: "invalid_token"},
		{name: "case=weak password", token: testToken(t), password: "1234567", wantName: "weak_password"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t)
			f.allowAttempts()
			if wellFormedToken(tt.token) {
				f.links.EXPECT().Peek(gomock.Any(), ports.LinkResetPassword, hashToken(tt.token)).Return(userID, "ada@example.com", tt.peekErr)
			}
			if tt.spend {
				f.changes.EXPECT().Reset(gomock.Any(), hashToken(tt.token), gomock.Any()).Return(userID, []uuid.UUID{uuid.New()}, nil)
			}
			err := f.svc.PasswordReset(f.ctx, &genauth.PasswordResetPayload{Token: tt.token, NewPassword: tt.password})
			if got := errorName(err); got != tt.wantName {
				t.Fatalf("error %q, want %q", got, tt.wantName)
			}
			f.requireNoSecret(t, err, tt.token, tt.password)
		})
	}
}
