package controllers

import (
	"fmt"
	"testing"

	"go.uber.org/mock/gomock"

	genauth "github.com/infrastructure/platform/services/auth/gen/auth"
	"github.com/infrastructure/platform/services/auth/internal/ports"
)

func TestTotpDisable(t *testing.T) {
	t.Parallel()
	type testCase struct {
		name      string
		noSession bool
		pending   bool
		expired   bool
		getErr    error // from Get
		wrong     bool  // the last digit changed
		replay    bool  // the current step was accepted before
		tamper    tamper
		err       error // from Disable
		wantName  string
	}
	tests := []testCase{
		{name: "case=disabled"},
		{name: "case=no session", noSession: true, wantName: "unauthorized"},
		{name: "case=pending", pending: true, wantName: "totp_not_enrolled"},
		{name: "case=expired pending", pending: true, expired: true, wantName: "totp_not_enrolled"},
		{name: "case=no credential", getErr: fmt.Errorf("get totp: %w", ports.ErrNotFound), wantName: "totp_not_enrolled"},
		{name: "case=get unavailable", getErr: fmt.Errorf("get totp: %w", ports.ErrUnavailable), wantName: "unavailable"},
		{name: "case=wrong code", wrong: true, wantName: "invalid_code"},
		{name: "case=replay", replay: true, wantName: "invalid_code"},
		{name: "case=step taken concurrently", err: fmt.Errorf("disable: %w", ports.ErrCodeRejected), wantName: "invalid_code"},
		{name: "case=disabled concurrently", err: fmt.Errorf("disable: %w", ports.ErrNotFound), wantName: "totp_not_enrolled"},
		{name: "case=disable unavailable", err: fmt.Errorf("disable: %w", ports.ErrUnavailable), wantName: "unavailable"},
	}
	for name, tm := range tampers {
		tests = append(tests, testCase{name: "case=" + name, tamper: tm, wantName: "fault"})
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t)
			f.allowAttempts()
			ident := identity(true, ports.AAL2)
			reqToken := testToken(t)
			ctx := f.withSession(ident, reqToken)
			cred, secret := totpCredential(t, f, ident.UserID, !tt.pending)
			cred.Expired = tt.expired
			if tt.replay {
				cred.LastStep = currentStep(f)
			}
			code := totpCode(t, f, secret, 0)
			if tt.wrong {
				code = code[:5] + string(rune('0'+(code[5]-'0'+1)%10))
			}
			if tt.tamper != nil {
				tt.tamper(t, f, &cred, secret)
			}
			switch {
			case tt.noSession:
				ctx = f.ctx
			case tt.getErr != nil:
				f.totp.EXPECT().Get(gomock.Any(), ident.UserID).Return(ports.TOTPCredential{}, tt.getErr)
			default:
				f.totp.EXPECT().Get(gomock.Any(), ident.UserID).Return(cred, nil)
			}
			if tt.wantName == "" || tt.err != nil {
				f.totp.EXPECT().Disable(gomock.Any(), ident.UserID, currentStep(f)).Return(tt.err)
			} else {
				f.totp.EXPECT().Disable(gomock.Any(), gomock.Any(), gomock.Any()).Times(0)
			}

			err := f.svc.TotpDisable(ctx, &genauth.TotpDisablePayload{Code: code})

			secrets := []string{totpEncoding.EncodeToString(secret), code, reqToken}
			if tt.wantName == "" {
				if err != nil {
					t.Fatalf("TotpDisable: %v", err)
				}
				f.requireNoSecret(t, nil, secrets...)
				return
			}
			se := f.requireServiceError(t, err, tt.wantName, secrets...)
			if se.Fault != (tt.wantName == "fault") {
				t.Errorf("fault = %v for %q", se.Fault, tt.wantName)
			}
		})
	}
}
