package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"

	goa "goa.design/goa/v3/pkg"
	"goa.design/goa/v3/security"

	genauth "github.com/infrastructure/platform/services/auth/gen/auth"
	genhttp "github.com/infrastructure/platform/services/auth/gen/http/auth/server"
)

// stubToken is the one session token stubService knows: well formed, like
// the service's own.
var stubToken = strings.Repeat("A", 43)

// stubService answers every REST method of the API with a fixed result,
// without a database, and records any payload that the design's
// validations should have kept out. It embeds genauth.Service for the
// gRPC-only methods, which no HTTP request can reach: calling one panics.
type stubService struct {
	genauth.Service
	mu      sync.Mutex
	invalid error
}

var (
	_ genauth.Service = (*stubService)(nil)
	_ genauth.Auther  = (*stubService)(nil)
)

// reset forgets the recorded violation before a request.
func (s *stubService) reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.invalid = nil
}

// violation returns the first invalid payload seen since reset, if any.
func (s *stubService) violation() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.invalid
}

// check records err as a violation of method's payload rules.
func (s *stubService) check(method string, err error) {
	if err == nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.invalid == nil {
		s.invalid = fmt.Errorf("%s: %w", method, err)
	}
}

// errStubUnauthorized refuses every token but stubToken.
var errStubUnauthorized = errors.New("unknown session")

// APIKeyAuth implements genauth.Auther: stubToken is a session with every
// scope.
func (s *stubService) APIKeyAuth(ctx context.Context, key string, _ *security.APIKeyScheme) (context.Context, error) {
	if key != stubToken {
		return ctx, genauth.MakeUnauthorized(errStubUnauthorized)
	}
	return ctx, nil
}

func (s *stubService) credentials(method string, p *genauth.Credentials) {
	s.check(method, genhttp.ValidateLoginRequestBody(&genhttp.LoginRequestBody{Email: &p.Email, Password: &p.Password}))
}

func (s *stubService) Register(_ context.Context, p *genauth.NewAccount) (*genauth.RegisterResult, error) {
	s.check("register", genhttp.ValidateRegisterRequestBody(&genhttp.RegisterRequestBody{Email: &p.Email, Password: &p.Password}))
	token := stubToken
	return &genauth.RegisterResult{SessionToken: &token, ID: stubID, Email: "ada@example.com", CreatedAt: stubTime}, nil
}

func (s *stubService) Login(_ context.Context, p *genauth.Credentials) (*genauth.LoginResult, error) {
	s.credentials("login", p)
	return &genauth.LoginResult{SessionID: stubID, Aal: "aal1", ExpiresAt: stubTime, SessionToken: stubToken}, nil
}

func (s *stubService) Logout(context.Context, *genauth.LogoutPayload) (*genauth.LogoutResult, error) {
	return &genauth.LogoutResult{}, nil
}

func (s *stubService) Profile(context.Context, *genauth.ProfilePayload) (*genauth.AccountProfile, error) {
	return &genauth.AccountProfile{ID: stubID, Email: "ada@example.com", CreatedAt: stubTime}, nil
}

func (s *stubService) SessionRefresh(context.Context, *genauth.SessionRefreshPayload) (*genauth.RefreshResult, error) {
	return &genauth.RefreshResult{SessionID: stubID, Aal: "aal1", ExpiresAt: stubTime, IdleExpiresAt: stubTime, SessionToken: stubToken}, nil
}

func (s *stubService) ListSessions(context.Context, *genauth.ListSessionsPayload) (*genauth.SessionList, error) {
	return &genauth.SessionList{Sessions: []*genauth.SessionView{{ID: stubID, Aal: "aal1", CreatedAt: stubTime, ExpiresAt: stubTime, Current: true}}}, nil
}

func (s *stubService) DeleteSession(_ context.Context, p *genauth.DeleteSessionPayload) error {
	s.check("delete_session", goa.ValidateFormat("id", p.ID, goa.FormatUUID))
	return nil
}

func (s *stubService) Activity(context.Context, *genauth.ActivityPayload) (*genauth.ActivityList, error) {
	return &genauth.ActivityList{Events: []*genauth.SecurityEvent{}}, nil
}

func (s *stubService) TotpGenerate(context.Context, *genauth.TotpGeneratePayload) (*genauth.TOTPEnrollment, error) {
	return &genauth.TOTPEnrollment{Secret: "JBSWY3DPEHPK3PXP", OtpauthURL: "otpauth://totp/auth:ada", QrCode: "data:image/png;base64,"}, nil
}

func (s *stubService) TotpVerify(_ context.Context, p *genauth.TotpVerifyPayload) (*genauth.TOTPVerifyResult, error) {
	s.check("totp_verify", genhttp.ValidateTotpVerifyRequestBody(&genhttp.TotpVerifyRequestBody{Code: &p.Code}))
	return &genauth.TOTPVerifyResult{Aal: "aal2", BackupCodes: []string{}, SessionToken: stubToken}, nil
}

func (s *stubService) TotpDisable(_ context.Context, p *genauth.TotpDisablePayload) error {
	s.check("totp_disable", genhttp.ValidateTotpDisableRequestBody(&genhttp.TotpDisableRequestBody{Code: &p.Code}))
	return nil
}

func (s *stubService) BackupVerify(_ context.Context, p *genauth.BackupVerifyPayload) (*genauth.BackupVerifyResult, error) {
	s.check("backup_verify", genhttp.ValidateBackupVerifyRequestBody(&genhttp.BackupVerifyRequestBody{Code: &p.Code}))
	return &genauth.BackupVerifyResult{Aal: "aal2", Remaining: 9, SessionToken: stubToken}, nil
}

func (s *stubService) BackupRegenerate(context.Context, *genauth.BackupRegeneratePayload) (*genauth.BackupCodes, error) {
	return &genauth.BackupCodes{BackupCodes: []string{"k7vq2-m9xr4"}}, nil
}

func (s *stubService) PasswordChange(_ context.Context, p *genauth.PasswordChangePayload) (*genauth.PasswordChangeResult, error) {
	s.check("password_change", genhttp.ValidatePasswordChangeRequestBody(&genhttp.PasswordChangeRequestBody{CurrentPassword: &p.CurrentPassword, NewPassword: &p.NewPassword}))
	return &genauth.PasswordChangeResult{SessionID: stubID, Aal: "aal1", ExpiresAt: stubTime, SessionToken: stubToken}, nil
}

func (s *stubService) PasswordForgot(_ context.Context, p *genauth.PasswordForgotPayload) (map[string]string, error) {
	s.check("password_forgot", genhttp.ValidatePasswordForgotRequestBody(&genhttp.PasswordForgotRequestBody{Email: &p.Email}))
	return map[string]string{}, nil
}

func (s *stubService) PasswordReset(_ context.Context, p *genauth.PasswordResetPayload) error {
	s.check("password_reset", genhttp.ValidatePasswordResetRequestBody(&genhttp.PasswordResetRequestBody{Token: &p.Token, NewPassword: &p.NewPassword}))
	return nil
}

func (s *stubService) EmailVerify(_ context.Context, p *genauth.EmailVerifyPayload) error {
	s.check("email_verify", genhttp.ValidateEmailVerifyRequestBody(&genhttp.EmailVerifyRequestBody{Token: &p.Token}))
	return nil
}

func (s *stubService) EmailVerifyResend(context.Context, *genauth.EmailVerifyResendPayload) (map[string]string, error) {
	return map[string]string{}, nil
}

// Fixed values of the stub's results.
const (
	stubID   = "0f8fad5b-d9cb-469f-a165-70867728950e"
	stubTime = "2026-01-02T03:04:05Z"
)

// stubPinger is a database that always answers.
type stubPinger struct{}

func (stubPinger) Name() string               { return "postgres" }
func (stubPinger) Ping(context.Context) error { return nil }
