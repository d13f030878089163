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
	"github.com/pquerna/otp/totp"
	"go.uber.org/mock/gomock"

	genauth "github.com/infrastructure/platform/services/auth/gen/auth"
	"github.com/infrastructure/platform/services/auth/internal/ports"
)

// totpCode returns the code of secret at the fixture's clock moved by
// offset, as an authenticator app computes it.
func totpCode(t *testing.T, f fixture, secret []byte, offset time.Duration) string {
	t.Helper()
	code, err := totp.GenerateCode(totpEncoding.EncodeToString(secret), f.clock.t.Add(offset))
	if err != nil {
		t.Fatal(err)
	}
	return code
}

// currentStep is the time step of the fixture's clock.
func currentStep(f fixture) int64 { return f.clock.t.Unix() / 30 }

// totpCredential returns a stored credential of the user over a fresh
// secret sealed by the fixture's keyring, and the secret.
func totpCredential(t *testing.T, f fixture, userID uuid.UUID, active bool) (ports.TOTPCredential, []byte) {
	t.Helper()
	secret := newTOTPSecret()
	sealed, err := f.keys.Seal(userID, secret)
	if err != nil {
		t.Fatal(err)
	}
	return ports.TOTPCredential{UserID: userID, Secret: sealed, Active: active}, secret
}

// requireElevation fails unless r rotates the request's session to aal2,
// replacing exactly the request token with newToken.
func requireElevation(t *testing.T, r ports.Rotation, ident ports.SessionIdentity, reqToken, newToken string) {
	t.Helper()
	requireFreshToken(t, newToken)
	if newToken == reqToken {
		t.Error("the session token did not change")
	}
	if r.SessionID != ident.ID || r.AAL != ports.AAL2 || r.Refresh {
		t.Errorf("rotation = %+v, want session %s at aal2 without refresh", r, ident.ID)
	}
	if !bytes.Equal(r.OldTokenHash, sha256Of(reqToken)) {
		t.Errorf("old token hash = %x, want sha256 of the request token", r.OldTokenHash)
	}
	if !bytes.Equal(r.NewTokenHash, sha256Of(newToken)) {
		t.Errorf("new token hash = %x, want sha256 of the returned token", r.NewTokenHash)
	}
}

func TestTotpGenerate(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ident := identity(false, ports.AAL1)
	var sealed ports.Sealed
	f.totp.EXPECT().SavePending(gomock.Any(), ident.UserID, gomock.Any()).
		DoAndReturn(func(_ context.Context, _ uuid.UUID, s ports.Sealed) error { sealed = s; return nil })

	res, err := f.svc.TotpGenerate(f.withSession(ident, testToken(t)), &genauth.TotpGeneratePayload{})
	if err != nil {
		t.Fatalf("TotpGenerate: %v", err)
	}

	secret, err := totpEncoding.DecodeString(res.Secret)
	if err != nil || len(secret) != 20 || len(res.Secret) != 32 {
		t.Fatalf("secret %q: %d bytes, %v; want 32 characters of base32 for 20 bytes", res.Secret, len(secret), err)
	}
	stored, err := f.keys.Open(ident.UserID, sealed)
	if err != nil || !bytes.Equal(stored, secret) {
		t.Fatalf("the stored secret opens to %x, %v; want the returned secret", stored, err)
	}
	if sealed.KeyVersion != f.keys.CurrentVersion() || len(sealed.Ciphertext) != 12+20+16 {
		t.Errorf("sealed = %d bytes under version %d, want 48 under %d", len(sealed.Ciphertext), sealed.KeyVersion, f.keys.CurrentVersion())
	}
	if bytes.Contains(sealed.Ciphertext, secret) {
		t.Error("the stored ciphertext contains the secret")
	}
	if want := otpauthURL("Test Issuer", ident.Email, secret); res.OtpauthURL != want {
		t.Errorf("otpauth URL = %q, want %q", res.OtpauthURL, want)
	}
	for _, part := range []string{"/Test%20Issuer:ada@example.com?", "secret=" + res.Secret + "&", "&issuer=Test%20Issuer&"} {
		if !strings.Contains(res.OtpauthURL, part) {
			t.Errorf("otpauth URL %q lacks %q", res.OtpauthURL, part)
		}
	}
	if want, _ := qrDataURI(res.OtpauthURL); res.QrCode != want {
		t.Errorf("qr code is not the QR code of the otpauth URL")
	}
	f.requireNoSecret(t, nil, res.Secret)
}

func TestTotpGenerateErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		noSession bool
		mfa       bool
		aal1      bool
		err       error // from SavePending
		wantName  string
	}{
		{name: "case=no session", noSession: true, wantName: "unauthorized"},
		// MFA on through a passkey: another factor needs aal2.
		{name: "case=mfa enabled at aal1", mfa: true, aal1: true, wantName: "mfa_required"},
		{name: "case=totp active", err: fmt.Errorf("save pending: %w", ports.ErrTOTPActive), wantName: "totp_already_enabled"},
		{name: "case=unavailable", err: fmt.Errorf("save pending: %w", ports.ErrUnavailable), wantName: "unavailable"},
		{name: "case=other", err: errors.New("conn reset by peer"), wantName: "fault"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t)
			aal := ports.AAL2
			if tt.aal1 {
				aal = ports.AAL1
			}
			ident := identity(tt.mfa, aal)
			ctx := f.withSession(ident, testToken(t))
			if tt.noSession {
				ctx = f.ctx
			}
			var b32 string
			if tt.err == nil {
				f.totp.EXPECT().SavePending(gomock.Any(), gomock.Any(), gomock.Any()).Times(0)
			} else {
				f.totp.EXPECT().SavePending(gomock.Any(), ident.UserID, gomock.Any()).
					DoAndReturn(func(_ context.Context, _ uuid.UUID, s ports.Sealed) error {
						secret, err := f.keys.Open(ident.UserID, s)
						if err != nil {
							t.Errorf("Open: %v", err)
						}
						b32 = totpEncoding.EncodeToString(secret)
						return tt.err
					})
			}

			res, err := f.svc.TotpGenerate(ctx, &genauth.TotpGeneratePayload{})

			if res != nil {
				t.Errorf("result = %+v, want nil", res)
			}
			se := f.requireServiceError(t, err, tt.wantName, b32)
			if strings.Contains(se.Message, "conn reset") {
				t.Errorf("message %q exposes the cause", se.Message)
			}
		})
	}
}

func TestTotpVerifyEnroll(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.allowAttempts()
	ident := identity(false, ports.AAL1)
	reqToken := testToken(t)
	cred, secret := totpCredential(t, f, ident.UserID, false)
	code := totpCode(t, f, secret, 0)
	var got ports.Enrollment
	f.totp.EXPECT().Get(gomock.Any(), ident.UserID).Return(cred, nil)
	f.totp.EXPECT().StepUp(gomock.Any(), gomock.Any(), gomock.Any(), gomock.Any()).Times(0)
	f.totp.EXPECT().Enroll(gomock.Any(), gomock.Any()).
		DoAndReturn(func(_ context.Context, e ports.Enrollment) (ports.Session, error) {
			got = e
			return ports.Session{ID: ident.ID, UserID: ident.UserID, AAL: ports.AAL2}, nil
		})

	res, err := f.svc.TotpVerify(f.withSession(ident, reqToken), &genauth.TotpVerifyPayload{Code: code})
	if err != nil {
		t.Fatalf("TotpVerify: %v", err)
	}

	if res.Aal != "aal2" {
		t.Errorf("aal = %q, want aal2", res.Aal)
	}
	if got.UserID != ident.UserID || got.Step != currentStep(f) {
		t.Errorf("enrollment of %s at step %d, want %s at %d", got.UserID, got.Step, ident.UserID, currentStep(f))
	}
	requireBackupCodes(t, f, ident.UserID, res.BackupCodes, got.BackupCodes)
	requireElevation(t, got.Rotation, ident, reqToken, res.SessionToken)
	f.requireNoSecret(t, nil, append([]string{totpEncoding.EncodeToString(secret), code, reqToken, res.SessionToken}, res.BackupCodes...)...)
}

// TestTotpVerifySteps checks which time step an active credential accepts,
// and that a step at or before the last accepted one is a replay.
func TestTotpVerifySteps(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		offset   time.Duration // of the code from the clock
		wrong    bool          // the last digit changed
		hasLast  bool          // a step was accepted before
		lastStep int64         // that step, relative to the current one
		wantStep int64         // relative to the current step
		wantName string
	}{
		{name: "case=current step"},
		{name: "case=previous step", offset: -30 * time.Second, wantStep: -1},
		{name: "case=next step", offset: 30 * time.Second, wantStep: 1},
		{name: "case=after the last step", hasLast: true, lastStep: -2},
		{name: "case=two steps old", offset: -60 * time.Second, wantName: "invalid_code"},
		{name: "case=two steps ahead", offset: 60 * time.Second, wantName: "invalid_code"},
		{name: "case=wrong code", wrong: true, wantName: "invalid_code"},
		{name: "case=replay of the last step", hasLast: true, lastStep: -1, offset: -30 * time.Second, wantName: "invalid_code"},
		{name: "case=current step already used", hasLast: true, lastStep: 0, wantName: "invalid_code"},
		{name: "case=before the last step", hasLast: true, lastStep: 1, wantName: "invalid_code"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t)
			f.allowAttempts()
			ident := identity(true, ports.AAL1)
			reqToken := testToken(t)
			cred, secret := totpCredential(t, f, ident.UserID, true)
			if tt.hasLast {
				cred.LastStep = currentStep(f) + tt.lastStep
			}
			code := totpCode(t, f, secret, tt.offset)
			if tt.wrong {
				code = code[:5] + string(rune('0'+(code[5]-'0'+1)%10))
			}
			f.totp.EXPECT().Get(gomock.Any(), ident.UserID).Return(cred, nil)
			f.totp.EXPECT().Enroll(gomock.Any(), gomock.Any()).Times(0)
			var rot ports.Rotation
			if tt.wantName == "" {
				f.totp.EXPECT().StepUp(gomock.Any(), ident.UserID, currentStep(f)+tt.wantStep, gomock.Any()).
					DoAndReturn(func(_ context.Context, _ uuid.UUID, _ int64, r ports.Rotation) (ports.Session, error) {
						rot = r
						return ports.Session{ID: ident.ID, AAL: ports.AAL2}, nil
					})
			} else {
				f.totp.EXPECT().StepUp(gomock.Any(), gomock.Any(), gomock.Any(), gomock.Any()).Times(0)
			}

			res, err := f.svc.TotpVerify(f.withSession(ident, reqToken), &genauth.TotpVerifyPayload{Code: code})

			secrets := []string{totpEncoding.EncodeToString(secret), code, reqToken}
			if tt.wantName != "" {
				f.requireServiceError(t, err, tt.wantName, secrets...)
				if res != nil {
					t.Errorf("result = %+v, want nil", res)
				}
				return
			}
			if err != nil {
				t.Fatalf("TotpVerify: %v", err)
			}
			if res.Aal != "aal2" || res.BackupCodes == nil || len(res.BackupCodes) != 0 {
				t.Errorf("result = %q, %#v; want aal2 and no backup codes (empty, not nil)", res.Aal, res.BackupCodes)
			}
			requireElevation(t, rot, ident, reqToken, res.SessionToken)
			f.requireNoSecret(t, nil, append(secrets, res.SessionToken)...)
		})
	}
}

// tamper changes a stored secret, given the fixture and the secret.
type tamper func(t *testing.T, f fixture, cred *ports.TOTPCredential, secret []byte)

// tampers are the ways a stored secret can fail to open: each must be a
// fault, never a pass.
var tampers = map[string]tamper{
	"flipped bit": func(_ *testing.T, _ fixture, c *ports.TOTPCredential, _ []byte) {
		c.Secret.Ciphertext = bytes.Clone(c.Secret.Ciphertext)
		c.Secret.Ciphertext[20] ^= 0x01
	},
	"truncated": func(_ *testing.T, _ fixture, c *ports.TOTPCredential, _ []byte) {
		c.Secret.Ciphertext = c.Secret.Ciphertext[:len(c.Secret.Ciphertext)-1]
	},
	"unknown key version": func(_ *testing.T, _ fixture, c *ports.TOTPCredential, _ []byte) {
		c.Secret.KeyVersion ^= 1
	},
	"sealed under another key": func(t *testing.T, _ fixture, c *ports.TOTPCredential, secret []byte) {
		s, err := newTestKeyring(t).Seal(c.UserID, secret)
		if err != nil {
			t.Fatal(err)
		}
		c.Secret = s
	},
	"sealed for another user": func(t *testing.T, f fixture, c *ports.TOTPCredential, secret []byte) {
		s, err := f.keys.Seal(uuid.New(), secret)
		if err != nil {
			t.Fatal(err)
		}
		c.Secret = s
	},
}

func TestTotpVerifyErrors(t *testing.T) {
	t.Parallel()
	type testCase struct {
		name      string
		noSession bool
		active    bool
		expired   bool
		getErr    error // from Get
		tamper    tamper
		writeErr  error // from Enroll or StepUp
		wantName  string
	}
	tests := []testCase{
		{name: "case=no session", noSession: true, wantName: "unauthorized"},
		{name: "case=no credential", getErr: fmt.Errorf("get totp: %w", ports.ErrNotFound), wantName: "totp_not_enrolled"},
		{name: "case=expired pending", expired: true, wantName: "totp_not_enrolled"},
		{name: "case=get unavailable", getErr: fmt.Errorf("get totp: %w", ports.ErrUnavailable), wantName: "unavailable"},
		{name: "case=get other", getErr: errors.New("conn reset by peer"), wantName: "fault"},
		{name: "case=enroll code rejected", writeErr: fmt.Errorf("enroll: %w", ports.ErrCodeRejected), wantName: "invalid_code"},
		{name: "case=enroll session ended", writeErr: fmt.Errorf("enroll: %w", ports.ErrSessionEnded), wantName: "unauthorized"},
		{name: "case=enroll pending gone", writeErr: fmt.Errorf("enroll: %w", ports.ErrNotFound), wantName: "totp_not_enrolled"},
		{name: "case=enroll unavailable", writeErr: fmt.Errorf("enroll: %w", ports.ErrUnavailable), wantName: "unavailable"},
		{name: "case=step up code rejected", active: true, writeErr: fmt.Errorf("step up: %w", ports.ErrCodeRejected), wantName: "invalid_code"},
		{name: "case=step up session ended", active: true, writeErr: fmt.Errorf("step up: %w", ports.ErrSessionEnded), wantName: "unauthorized"},
		{name: "case=step up credential gone", active: true, writeErr: fmt.Errorf("step up: %w", ports.ErrNotFound), wantName: "totp_not_enrolled"},
	}
	for name, tm := range tampers {
		tests = append(tests,
			testCase{name: "case=pending, " + name, tamper: tm, wantName: "fault"},
			testCase{name: "case=active, " + name, active: true, tamper: tm, wantName: "fault"})
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t)
			f.allowAttempts()
			ident := identity(tt.active, ports.AAL1)
			reqToken := testToken(t)
			ctx := f.withSession(ident, reqToken)
			cred, secret := totpCredential(t, f, ident.UserID, tt.active)
			cred.Expired = tt.expired
			code := totpCode(t, f, secret, 0)
			if tt.tamper != nil {
				tt.tamper(t, f, &cred, secret)
			}
			write := !tt.noSession && tt.getErr == nil && !tt.expired && tt.tamper == nil
			switch {
			case tt.noSession:
				ctx = f.ctx
			case tt.getErr != nil:
				f.totp.EXPECT().Get(gomock.Any(), ident.UserID).Return(ports.TOTPCredential{}, tt.getErr)
			default:
				f.totp.EXPECT().Get(gomock.Any(), ident.UserID).Return(cred, nil)
			}
			if write && tt.active {
				f.totp.EXPECT().StepUp(gomock.Any(), ident.UserID, currentStep(f), gomock.Any()).Return(ports.Session{}, tt.writeErr)
			} else if write {
				f.totp.EXPECT().Enroll(gomock.Any(), gomock.Any()).Return(ports.Session{}, tt.writeErr)
			}

			res, err := f.svc.TotpVerify(ctx, &genauth.TotpVerifyPayload{Code: code})

			if res != nil {
				t.Errorf("result = %+v, want nil", res)
			}
			se := f.requireServiceError(t, err, tt.wantName, totpEncoding.EncodeToString(secret), code, reqToken)
			if se.Fault != (tt.wantName == "fault") {
				t.Errorf("fault = %v for %q", se.Fault, tt.wantName)
			}
			if strings.Contains(se.Message, "conn reset") || strings.Contains(se.Message, "keyring") {
				t.Errorf("message %q exposes the cause", se.Message)
			}
		})
	}
}
