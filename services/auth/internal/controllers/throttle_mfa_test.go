package controllers

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/google/uuid"
	"go.uber.org/mock/gomock"

	genauth "github.com/infrastructure/platform/services/auth/gen/auth"
	"github.com/infrastructure/platform/services/auth/internal/clientip"
	"github.com/infrastructure/platform/services/auth/internal/ports"
)

// The throttling of the second factors: TOTP codes and backup codes are
// attempts on the user's second factor (services/auth/README.md, Throttling).

// secondFactor is how a throttled second-factor call is set up and made.
type secondFactor struct {
	name string
	// active is whether the call needs an active credential.
	active bool
	// expectWrite expects the call that consumes the code, once, returning
	// err; forbidWrite forbids it.
	expectWrite func(f fixture, userID uuid.UUID, err error) any
	forbidWrite func(f fixture)
	call        func(ctx context.Context, f fixture, code string) error
}

var totpCalls = []secondFactor{
	{
		name: "method=verify, enroll",
		expectWrite: func(f fixture, _ uuid.UUID, err error) any {
			return f.totp.EXPECT().Enroll(gomock.Any(), gomock.Any()).Return(ports.Session{}, err)
		},
		forbidWrite: func(f fixture) {
			f.totp.EXPECT().Enroll(gomock.Any(), gomock.Any()).Times(0)
			f.totp.EXPECT().StepUp(gomock.Any(), gomock.Any(), gomock.Any(), gomock.Any()).Times(0)
		},
		call: func(ctx context.Context, f fixture, code string) error {
			_, err := f.svc.TotpVerify(ctx, &genauth.TotpVerifyPayload{Code: code})
			return err
		},
	},
	{
		name:   "method=verify, step up",
		active: true,
		expectWrite: func(f fixture, userID uuid.UUID, err error) any {
			return f.totp.EXPECT().StepUp(gomock.Any(), userID, currentStep(f), gomock.Any()).Return(ports.Session{}, err)
		},
		forbidWrite: func(f fixture) {
			f.totp.EXPECT().Enroll(gomock.Any(), gomock.Any()).Times(0)
			f.totp.EXPECT().StepUp(gomock.Any(), gomock.Any(), gomock.Any(), gomock.Any()).Times(0)
		},
		call: func(ctx context.Context, f fixture, code string) error {
			_, err := f.svc.TotpVerify(ctx, &genauth.TotpVerifyPayload{Code: code})
			return err
		},
	},
	{
		name:   "method=disable",
		active: true,
		expectWrite: func(f fixture, userID uuid.UUID, err error) any {
			return f.totp.EXPECT().Disable(gomock.Any(), userID, currentStep(f)).Return(err)
		},
		forbidWrite: func(f fixture) {
			f.totp.EXPECT().Disable(gomock.Any(), gomock.Any(), gomock.Any()).Times(0)
		},
		call: func(ctx context.Context, f fixture, code string) error {
			return f.svc.TotpDisable(ctx, &genauth.TotpDisablePayload{Code: code})
		},
	},
}

// TestTotpAttempts checks that a TOTP code is an attempt on the user's
// second factor, begun once the credential is found and before the code is
// checked, and finished with its outcome.
func TestTotpAttempts(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		wrong       bool  // the last digit changed
		writeErr    error // from the call that consumes the code
		wantOutcome ports.Outcome
		wantName    string
	}{
		{name: "case=accepted", wantOutcome: ports.OutcomeSuccess},
		{name: "case=wrong code", wrong: true, wantOutcome: ports.OutcomeFailure, wantName: "invalid_code"},
		{name: "case=step taken concurrently", writeErr: fmt.Errorf("consume step: %w", ports.ErrCodeRejected), wantOutcome: ports.OutcomeFailure, wantName: "invalid_code"},
	}
	for _, m := range totpCalls {
		t.Run(m.name, func(t *testing.T) {
			t.Parallel()
			for _, tt := range tests {
				t.Run(tt.name, func(t *testing.T) {
					t.Parallel()
					f := newFixture(t)
					ident := identity(m.active, ports.AAL2)
					ctx := clientip.With(f.withSession(ident, testToken(t)), testIP)
					cred, secret := totpCredential(t, f, ident.UserID, m.active)
					code := totpCode(t, f, secret, 0)
					if tt.wrong {
						code = code[:5] + string(rune('0'+(code[5]-'0'+1)%10))
					}
					calls := []any{
						f.totp.EXPECT().Get(gomock.Any(), ident.UserID).Return(cred, nil),
						f.throttle.EXPECT().Begin(gomock.Any(), ports.Attempt{
							Kind: ports.KindTOTP, Account: "user:" + ident.UserID.String(), UserID: ident.UserID, IP: testIP,
						}).Return(int64(21), nil),
					}
					if tt.wrong {
						m.forbidWrite(f)
					} else {
						calls = append(calls, m.expectWrite(f, ident.UserID, tt.writeErr))
					}
					calls = append(calls, f.throttle.EXPECT().Finish(gomock.Any(), int64(21), tt.wantOutcome, ident.UserID).Return(false, nil))
					gomock.InOrder(calls...)

					err := m.call(ctx, f, code)

					if tt.wantName == "" {
						if err != nil {
							t.Fatalf("err = %v, want nil", err)
						}
						return
					}
					f.requireServiceError(t, err, tt.wantName, code)
				})
			}
		})
	}
}

func TestTotpRateLimited(t *testing.T) {
	t.Parallel()
	for _, m := range totpCalls {
		t.Run(m.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t)
			ident := identity(m.active, ports.AAL2)
			ctx := clientip.With(f.withSession(ident, testToken(t)), testIP)
			cred, secret := totpCredential(t, f, ident.UserID, m.active)
			code := totpCode(t, f, secret, 0) // right, and refused all the same
			gomock.InOrder(
				f.totp.EXPECT().Get(gomock.Any(), ident.UserID).Return(cred, nil),
				f.throttle.EXPECT().Begin(gomock.Any(), gomock.Any()).Return(int64(0), limitedBy("failed second-factor attempts", 5*time.Minute)),
			)
			f.throttle.EXPECT().Finish(gomock.Any(), gomock.Any(), gomock.Any(), gomock.Any()).Times(0)
			m.forbidWrite(f)

			err := m.call(ctx, f, code)

			f.requireRateLimited(t, err, 300, code)
		})
	}
}

// TestTotpNotEnrolledNotThrottled checks that no attempt is recorded when
// there is no credential to try a code against.
func TestTotpNotEnrolledNotThrottled(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		disable  bool
		cred     ports.TOTPCredential
		getErr   error
		wantName string
	}{
		{name: "case=no credential", getErr: fmt.Errorf("get totp: %w", ports.ErrNotFound), wantName: "totp_not_enrolled"},
		{name: "case=expired pending", cred: ports.TOTPCredential{Expired: true}, wantName: "totp_not_enrolled"},
		{name: "case=get unavailable", getErr: fmt.Errorf("get totp: %w", ports.ErrUnavailable), wantName: "unavailable"},
		{name: "case=disable while pending", disable: true, cred: ports.TOTPCredential{}, wantName: "totp_not_enrolled"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t)
			ident := identity(true, ports.AAL2)
			ctx := f.withSession(ident, testToken(t))
			f.totp.EXPECT().Get(gomock.Any(), ident.UserID).Return(tt.cred, tt.getErr)
			f.throttle.EXPECT().Begin(gomock.Any(), gomock.Any()).Times(0)

			var err error
			if tt.disable {
				err = f.svc.TotpDisable(ctx, &genauth.TotpDisablePayload{Code: "123456"})
			} else {
				_, err = f.svc.TotpVerify(ctx, &genauth.TotpVerifyPayload{Code: "123456"})
			}

			f.requireServiceError(t, err, tt.wantName)
		})
	}
}

func TestBackupVerifyAttempts(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		code        string
		useErr      error // from Use, when reached
		wantOutcome ports.Outcome
		wantName    string
	}{
		{name: "case=used", code: "k7vq2-m9xr4", wantOutcome: ports.OutcomeSuccess},
		{name: "case=rejected", code: "k7vq2-m9xr4", useErr: fmt.Errorf("use: %w", ports.ErrCodeRejected), wantOutcome: ports.OutcomeFailure, wantName: "invalid_code"},
		{name: "case=malformed code", code: "uuuuu-uuuuu", wantOutcome: ports.OutcomeFailure, wantName: "invalid_code"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t)
			ident := identity(true, ports.AAL1)
			ctx := clientip.With(f.withSession(ident, testToken(t)), testIP)
			calls := []any{
				f.throttle.EXPECT().Begin(gomock.Any(), ports.Attempt{
					Kind: ports.KindBackupCode, Account: "user:" + ident.UserID.String(), UserID: ident.UserID, IP: testIP,
				}).Return(int64(31), nil),
			}
			if _, ok := normalizeBackupCode(tt.code); ok {
				calls = append(calls, f.backup.EXPECT().Use(gomock.Any(), ident.UserID, gomock.Any(), gomock.Any()).Return(9, ports.Session{}, tt.useErr))
			} else {
				f.backup.EXPECT().Use(gomock.Any(), gomock.Any(), gomock.Any(), gomock.Any()).Times(0)
			}
			calls = append(calls, f.throttle.EXPECT().Finish(gomock.Any(), int64(31), tt.wantOutcome, ident.UserID).Return(false, nil))
			gomock.InOrder(calls...)

			res, err := f.svc.BackupVerify(ctx, &genauth.BackupVerifyPayload{Code: tt.code})

			if tt.wantName != "" {
				f.requireServiceError(t, err, tt.wantName, tt.code)
				return
			}
			if err != nil || res == nil || res.Remaining != 9 {
				t.Fatalf("BackupVerify = %+v, %v; want 9 remaining", res, err)
			}
		})
	}
}

func TestBackupVerifyRateLimited(t *testing.T) {
	t.Parallel()
	for _, code := range []string{"k7vq2-m9xr4", "uuuuu-uuuuu"} {
		t.Run("code="+code, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t)
			ident := identity(true, ports.AAL1)
			f.throttle.EXPECT().Begin(gomock.Any(), gomock.Any()).Return(int64(0), limitedBy("failed second-factor attempts", 5*time.Minute))
			f.throttle.EXPECT().Finish(gomock.Any(), gomock.Any(), gomock.Any(), gomock.Any()).Times(0)
			f.backup.EXPECT().Use(gomock.Any(), gomock.Any(), gomock.Any(), gomock.Any()).Times(0)

			res, err := f.svc.BackupVerify(f.withSession(ident, testToken(t)), &genauth.BackupVerifyPayload{Code: code})

			if res != nil {
				t.Errorf("result = %+v, want nil", res)
			}
			f.requireRateLimited(t, err, 300, code)
		})
	}
}

// TestBackupVerifyMFAOffNotThrottled checks that no attempt is recorded for
// an account without a second factor.
func TestBackupVerifyMFAOffNotThrottled(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.throttle.EXPECT().Begin(gomock.Any(), gomock.Any()).Times(0)

	_, err := f.svc.BackupVerify(f.withSession(identity(false, ports.AAL1), testToken(t)), &genauth.BackupVerifyPayload{Code: "k7vq2-m9xr4"})

	f.requireServiceError(t, err, "mfa_not_enabled")
}
