package main

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/infrastructure/platform/internal/pkitest"
	genpb "github.com/infrastructure/platform/services/auth/gen/grpc/auth/pb"
	"github.com/infrastructure/platform/services/auth/internal/mail/mailtest"
)

// TestOperatorMethods: over mutual TLS, only the operator's identity may
// disable, enable and reset a user; disabling ends every session at once
// (a cached client refuses them as soon as the call answers) and refuses
// login with 403 account_disabled to whoever knows the password; ResetMFA
// removes the second factor; each act names the operator in the user's
// activity and mails a notice.
func TestOperatorMethods(t *testing.T) {
	t.Parallel()
	pki := pkitest.New(t)
	smtp := mailtest.Start(t)
	clock := newFakeClock()
	s := newStack(t, stackOptions{now: clock.now, env: mtlsEnv(pki, map[string]string{
		"GRPC_ALLOW_ADMIN": "spiffe://platform/operator", "SMTP_URL": "smtp://" + smtp.Addr,
	})})
	as := func(id string) caller {
		cert, key := pki.IssueClient(t, id)
		return dial(t, s.grpcAddr, mtlsCreds(t, pki.CA, cert, key))
	}
	operator, executor := as("spiffe://platform/operator"), as("spiffe://platform/executor")
	u := s.enroll(t, clock, "ada@example.com")
	ctx := context.Background()
	ident, err := executor.auth.ValidateSession(ctx, &genpb.ValidateSessionRequest{Token: u.token})
	if err != nil {
		t.Fatal(err)
	}
	user := &genpb.DisableUserRequest{UserId: ident.UserId}

	if _, err := executor.auth.DisableUser(ctx, user); status.Code(err) != codes.PermissionDenied {
		t.Fatalf("the executor disabling a user: %v, want PermissionDenied", err)
	}
	if _, err := executor.auth.ValidateSession(ctx, &genpb.ValidateSessionRequest{Token: u.token}); err != nil {
		t.Fatalf("a refused DisableUser changed something: %v", err)
	}
	if _, err := operator.auth.DisableUser(ctx, user); err != nil {
		t.Fatal(err)
	}
	if _, err := executor.auth.ValidateSession(ctx, &genpb.ValidateSessionRequest{Token: u.token}); status.Code(err) != codes.Unauthenticated {
		t.Errorf("a session of the disabled user: %v, want Unauthenticated", err)
	}
	r := s.do(t, "POST", "/auth/login", creds(u.email, u.password), nil)
	if r.status != http.StatusForbidden || r.body["name"] != "account_disabled" {
		t.Errorf("login of a disabled account: %d %s, want 403 account_disabled", r.status, r.raw)
	}
	if r := s.do(t, "POST", "/auth/login", creds(u.email, "wrong-password"), nil); r.status != http.StatusUnauthorized {
		t.Errorf("a wrong password for a disabled account: %d, want 401 (nothing told)", r.status)
	}
	if _, ok := smtp.Wait(u.email, mailWait, "Subject: Your account is disabled"); !ok {
		t.Error("no notice of the disabled account")
	}

	if _, err := operator.auth.EnableUser(ctx, &genpb.EnableUserRequest{UserId: ident.UserId}); err != nil {
		t.Fatal(err)
	}
	aal1, login := s.login(t, u.email, u.password)
	if login.body["mfa_required"] != true {
		t.Fatalf("login after EnableUser: %s", login.raw)
	}

	if _, err := operator.auth.ResetMfa(ctx, &genpb.ResetMfaRequest{UserId: ident.UserId}); err != nil {
		t.Fatal(err)
	}
	if _, err := executor.auth.ValidateSession(ctx, &genpb.ValidateSessionRequest{Token: aal1}); status.Code(err) != codes.Unauthenticated {
		t.Errorf("a session after ResetMFA: %v, want Unauthenticated", err)
	}
	token, login := s.login(t, u.email, u.password)
	if login.body["mfa_required"] != false || login.body["aal"] != "aal1" {
		t.Errorf("login after ResetMFA: %s, want aal1 without a second factor", login.raw)
	}
	if _, ok := smtp.Wait(u.email, mailWait, "Subject: Your second factor was reset"); !ok {
		t.Error("no notice of the reset")
	}
	act := s.do(t, "GET", "/auth/activity", nil, bearer(token))
	for _, kind := range []string{"account_disabled", "account_enabled", "mfa_reset"} {
		if !strings.Contains(act.raw, `"kind":"`+kind+`"`) {
			t.Errorf("no %s event in the activity: %s", kind, act.raw)
		}
	}
	if strings.Count(act.raw, `"actor":"spiffe://platform/operator"`) != 3 {
		t.Errorf("the operator acts do not name the operator: %s", act.raw)
	}
	for _, call := range []func() error{
		func() error {
			_, err := operator.auth.DisableUser(ctx, &genpb.DisableUserRequest{UserId: "0f8fad5b-d9cb-469f-a165-70867728950e"})
			return err
		},
		func() error {
			_, err := operator.auth.ResetMfa(ctx, &genpb.ResetMfaRequest{UserId: "0f8fad5b-d9cb-469f-a165-70867728950e"})
			return err
		},
	} {
		if code := status.Code(call()); code != codes.NotFound {
			t.Errorf("an unknown user: %v, want NotFound", code)
		}
	}
}
