package main

import (
	"context"
	"encoding/base64"
	"image/png"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	genpb "github.com/infrastructure/platform/services/auth/gen/grpc/auth/pb"
)

// TestMFALifecycle walks a user through enrollment with codes computed by
// oathtool, step-up with TOTP and with backup codes, regeneration and
// disabling, checking every field and status against the contract.
func TestMFALifecycle(t *testing.T) {
	t.Parallel()
	clock := newFakeClock()
	s := newStack(t, stackOptions{now: clock.now, env: map[string]string{"TOTP_ISSUER": "Acme Corp"}})
	ctx := context.Background()
	token := s.register(t, "ada@example.com", testPassword)

	// Generate: secret, otpauth URL, QR code.
	gen := s.do(t, "POST", "/auth/totp/generate", nil, bearer(token))
	if gen.status != http.StatusOK {
		t.Fatalf("generate: %d %s", gen.status, gen.raw)
	}
	secret, _ := gen.body["secret"].(string)
	if !regexp.MustCompile(`^[A-Z2-7]{32}$`).MatchString(secret) {
		t.Errorf("secret %q is not 160 bits of unpadded base32", secret)
	}
	if want := "otpauth://totp/Acme%20Corp:ada@example.com?secret=" + secret + "&issuer=Acme%20Corp&algorithm=SHA1&digits=6&period=30"; gen.body["otpauth_url"] != want {
		t.Errorf("otpauth_url = %v, want %s", gen.body["otpauth_url"], want)
	}
	assertPNGDataURI(t, gen.body["qr_code"])
	// Generating again replaces the pending secret.
	gen = s.do(t, "POST", "/auth/totp/generate", nil, bearer(token))
	if gen.body["secret"] == secret {
		t.Error("generate returned the same secret twice")
	}
	secret = gen.body["secret"].(string)

	// Verify: activates TOTP, aal2 under a new token, 10 backup codes.
	code := oathtool(t, secret, clock.now())
	ver := s.do(t, "POST", "/auth/totp/verify", map[string]string{"code": code}, bearer(token))
	if ver.status != http.StatusOK || ver.body["aal"] != "aal2" {
		t.Fatalf("verify: %d %s", ver.status, ver.raw)
	}
	backup := ver.body["backup_codes"].([]any)
	if len(backup) != 10 {
		t.Fatalf("%d backup codes, want 10", len(backup))
	}
	for _, c := range backup {
		if !regexp.MustCompile(`^[0-9a-z]{5}-[0-9a-z]{5}$`).MatchString(c.(string)) {
			t.Errorf("backup code %q is not shaped like k7vq2-m9xr4", c)
		}
	}
	assertSessionCookie(t, ver, "__Host-session", true)
	aal2 := ver.sessionCookie("__Host-session").Value
	if _, err := s.grpc.ValidateSession(ctx, &genpb.ValidateSessionRequest{Token: token}); status.Code(err) != codes.Unauthenticated {
		t.Errorf("the pre-enrollment token still validates: %v", err)
	}
	if id, err := s.grpc.ValidateSession(ctx, &genpb.ValidateSessionRequest{Token: aal2}); err != nil || id.Aal != "aal2" {
		t.Errorf("ValidateSession after enrollment: %v, %v", id, err)
	}
	if p := s.do(t, "GET", "/auth/profile", nil, bearer(aal2)); p.body["mfa_enabled"] != true || p.body["backup_codes_remaining"] != float64(10) {
		t.Errorf("profile: %s", p.raw)
	}
	if g := s.do(t, "POST", "/auth/totp/generate", nil, bearer(aal2)); g.status != http.StatusConflict || g.body["name"] != "totp_already_enabled" {
		t.Errorf("generate with TOTP active: %d %s", g.status, g.raw)
	}

	// A new login is aal1 with mfa_required; everything but the second
	// factors, refresh and logout is 403.
	aal1, login := s.login(t, "ada@example.com", testPassword)
	if login.body["aal"] != "aal1" || login.body["mfa_required"] != true {
		t.Errorf("login with MFA: %s", login.raw)
	}
	if p := s.do(t, "GET", "/auth/profile", nil, bearer(aal1)); p.status != http.StatusForbidden || p.body["name"] != "mfa_required" {
		t.Errorf("profile at aal1: %d %s", p.status, p.raw)
	}
	if r := s.do(t, "POST", "/auth/backup/regenerate", map[string]string{"password": testPassword}, bearer(aal1)); r.status != http.StatusForbidden {
		t.Errorf("regenerate at aal1: %d", r.status)
	}
	if id, err := s.grpc.ValidateSession(ctx, &genpb.ValidateSessionRequest{Token: aal1}); err != nil || id.Aal != "aal1" {
		t.Errorf("ValidateSession reports %v, %v; want aal1 for siblings to act on", id, err)
	}

	// The enrollment code was consumed: it cannot raise this session.
	if r := s.do(t, "POST", "/auth/totp/verify", map[string]string{"code": code}, bearer(aal1)); r.status != http.StatusUnauthorized || r.body["name"] != "invalid_code" {
		t.Errorf("replayed enrollment code: %d %s", r.status, r.raw)
	}
	clock.advance()
	step2 := oathtool(t, secret, clock.now())
	up := s.do(t, "POST", "/auth/totp/verify", map[string]string{"code": step2}, bearer(aal1))
	if up.status != http.StatusOK || up.body["aal"] != "aal2" || len(up.body["backup_codes"].([]any)) != 0 {
		t.Fatalf("step-up: %d %s", up.status, up.raw)
	}
	if r := s.do(t, "GET", "/auth/profile", nil, bearer(aal1)); r.status != http.StatusUnauthorized {
		t.Errorf("the aal1 token survived the step-up: %d", r.status)
	}

	// Backup codes: case and separators do not matter; each works once.
	aal1b, _ := s.login(t, "ada@example.com", testPassword)
	typed := strings.ToUpper(strings.ReplaceAll(backup[0].(string), "-", " "))
	bv := s.do(t, "POST", "/auth/backup/verify", map[string]string{"code": typed}, bearer(aal1b))
	if bv.status != http.StatusOK || bv.body["aal"] != "aal2" || bv.body["remaining"] != float64(9) {
		t.Fatalf("backup/verify: %d %s", bv.status, bv.raw)
	}
	aal1c, _ := s.login(t, "ada@example.com", testPassword)
	if r := s.do(t, "POST", "/auth/backup/verify", map[string]string{"code": backup[0].(string)}, bearer(aal1c)); r.status != http.StatusUnauthorized || r.body["name"] != "invalid_code" {
		t.Errorf("a used backup code: %d %s", r.status, r.raw)
	}

	// Regenerate: the password again, then a new set; the old set is dead.
	if r := s.do(t, "POST", "/auth/backup/regenerate", map[string]string{"password": "password2"}, bearer(aal2)); r.status != http.StatusUnauthorized || r.body["name"] != "invalid_credentials" {
		t.Errorf("regenerate with a wrong password: %d %s", r.status, r.raw)
	}
	if r := s.do(t, "POST", "/auth/backup/verify", map[string]string{"code": backup[1].(string)}, bearer(aal1c)); r.status != http.StatusOK {
		t.Fatalf("a code after a refused regenerate: %d %s", r.status, r.raw)
	}
	aal1c, _ = s.login(t, "ada@example.com", testPassword)
	regen := s.do(t, "POST", "/auth/backup/regenerate", map[string]string{"password": testPassword}, bearer(aal2))
	if regen.status != http.StatusOK || len(regen.body["backup_codes"].([]any)) != 10 {
		t.Fatalf("regenerate: %d %s", regen.status, regen.raw)
	}
	if r := s.do(t, "POST", "/auth/backup/verify", map[string]string{"code": backup[2].(string)}, bearer(aal1c)); r.status != http.StatusUnauthorized {
		t.Errorf("an old-set code after regenerate: %d %s", r.status, r.raw)
	}

	// Disable: needs aal2 and a fresh code.
	clock.advance()
	step3 := oathtool(t, secret, clock.now())
	if r := s.do(t, "POST", "/auth/totp/disable", map[string]string{"code": step3}, bearer(aal1c)); r.status != http.StatusForbidden {
		t.Errorf("disable at aal1: %d %s", r.status, r.raw)
	}
	if r := s.do(t, "POST", "/auth/totp/disable", map[string]string{"code": step2}, bearer(aal2)); r.status != http.StatusUnauthorized {
		t.Errorf("disable with a used code: %d %s", r.status, r.raw)
	}
	if r := s.do(t, "POST", "/auth/totp/disable", map[string]string{"code": step3}, bearer(aal2)); r.status != http.StatusNoContent {
		t.Fatalf("disable: %d %s", r.status, r.raw)
	}
	if p := s.do(t, "GET", "/auth/profile", nil, bearer(aal2)); p.body["mfa_enabled"] != false || p.body["backup_codes_remaining"] != float64(0) {
		t.Errorf("profile after disable: %s", p.raw)
	}
	if _, l := s.login(t, "ada@example.com", testPassword); l.body["mfa_required"] != false {
		t.Errorf("login after disable: %s", l.raw)
	}
	if r := s.do(t, "POST", "/auth/backup/verify", map[string]string{"code": regen.body["backup_codes"].([]any)[0].(string)}, bearer(aal1c)); r.status != http.StatusConflict || r.body["name"] != "mfa_not_enabled" {
		t.Errorf("backup/verify after disable: %d %s", r.status, r.raw)
	}

	// No secret in the logs.
	logs := s.logs.String()
	for _, secretValue := range []string{secret, code, step2, step3, backup[0].(string), aal2, aal1, testPassword, "password2"} {
		if strings.Contains(logs, secretValue) {
			t.Errorf("a secret value appears in the logs: %q", secretValue)
		}
	}
}

func TestSecondFactorBadInput(t *testing.T) {
	t.Parallel()
	s := startStack(t, nil)
	token := s.register(t, "ada@example.com", testPassword)
	for _, tt := range []struct{ name, path, body string }{
		{"case=letters", "/auth/totp/verify", `{"code": "12a456"}`},
		{"case=5 digits", "/auth/totp/verify", `{"code": "12345"}`},
		{"case=7 digits", "/auth/totp/verify", `{"code": "1234567"}`},
		{"case=number", "/auth/totp/verify", `{"code": 123456}`},
		{"case=empty body", "/auth/totp/verify", ``},
		{"case=empty object", "/auth/totp/disable", `{}`},
		{"case=backup punctuation", "/auth/backup/verify", `{"code": "k7vq2!m9xr4"}`},
		{"case=backup too short", "/auth/backup/verify", `{"code": "k7vq2"}`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := s.do(t, "POST", tt.path, tt.body, bearer(token))
			if r.status != http.StatusBadRequest || r.body["name"] != "invalid_input" {
				t.Errorf("%d %s, want 400 invalid_input", r.status, r.raw)
			}
		})
	}
	// Without an enrollment.
	if r := s.do(t, "POST", "/auth/totp/verify", `{"code": "123456"}`, bearer(token)); r.status != http.StatusConflict || r.body["name"] != "totp_not_enrolled" {
		t.Errorf("verify without enrollment: %d %s", r.status, r.raw)
	}
	if r := s.do(t, "POST", "/auth/backup/verify", `{"code": "k7vq2-m9xr4"}`, bearer(token)); r.status != http.StatusConflict || r.body["name"] != "mfa_not_enabled" {
		t.Errorf("backup without MFA: %d %s", r.status, r.raw)
	}
	if r := s.do(t, "POST", "/auth/totp/verify", `{"code": "123456"}`, nil); r.status != http.StatusUnauthorized || r.body["name"] != "unauthorized" {
		t.Errorf("verify without a session: %d %s", r.status, r.raw)
	}
}

func assertPNGDataURI(t *testing.T, v any) {
	t.Helper()
	s, _ := v.(string)
	const prefix = "data:image/png;base64,"
	if !strings.HasPrefix(s, prefix) {
		t.Fatalf("qr_code does not start with %s", prefix)
	}
	b, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(s, prefix))
	if err != nil {
		t.Fatalf("qr_code is not base64: %v", err)
	}
	if _, err := png.Decode(strings.NewReader(string(b))); err != nil {
		t.Errorf("qr_code is not a PNG: %v", err)
	}
}
