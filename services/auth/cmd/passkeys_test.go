package main

import (
	"net/http"
	"testing"

	"github.com/infrastructure/platform/services/auth/internal/webauthntest"
)

// The relying party of the test stacks: the defaults for PUBLIC_URL on
// 127.0.0.1 (see config/README.md).
const (
	testRPID   = "localhost"
	testOrigin = "http://localhost:8080"
)

// passkeyUser is a user who registered a passkey (MFA on through it).
type passkeyUser struct {
	email       string
	key         *webauthntest.Authenticator
	backupCodes []any
	// token is the aal2 session that registered the passkey.
	token string
}

// registerPasskey runs a registration ceremony on the session token.
func (s *stack) registerPasskey(t *testing.T, token string, key *webauthntest.Authenticator, name string) response {
	t.Helper()
	begin := s.do(t, "POST", "/auth/passkeys/register/begin", nil, bearer(token))
	if begin.status != http.StatusOK {
		t.Fatalf("register/begin: %d %s", begin.status, begin.raw)
	}
	cred, err := key.Create(begin.body["options"].(map[string]any))
	if err != nil {
		t.Fatal(err)
	}
	body := map[string]any{"credential": cred}
	if name != "" {
		body["name"] = name
	}
	return s.do(t, "POST", "/auth/passkeys/register/finish", body, bearer(token))
}

// withPasskey registers a user and a passkey of the authenticator.
func (s *stack) withPasskey(t *testing.T, email string) passkeyUser {
	t.Helper()
	key := webauthntest.New(testRPID, testOrigin)
	fin := s.registerPasskey(t, s.register(t, email, testPassword), key, "Laptop")
	if fin.status != http.StatusOK {
		t.Fatalf("register/finish: %d %s", fin.status, fin.raw)
	}
	return passkeyUser{email: email, key: key, backupCodes: fin.body["backup_codes"].([]any), token: fin.sessionCookie(s.cfg.SessionCookieName()).Value}
}

// passkeyLogin runs a sign-in ceremony (a second factor with a token,
// passwordless without) and returns the finish's answer.
func (s *stack) passkeyLogin(t *testing.T, token string, key *webauthntest.Authenticator) response {
	t.Helper()
	var h map[string]string
	if token != "" {
		h = bearer(token)
	}
	begin := s.do(t, "POST", "/auth/passkeys/login/begin", nil, h)
	if begin.status != http.StatusOK {
		t.Fatalf("login/begin: %d %s", begin.status, begin.raw)
	}
	cred, err := key.Get(begin.body["options"].(map[string]any))
	if err != nil {
		t.Fatal(err)
	}
	return s.do(t, "POST", "/auth/passkeys/login/finish", map[string]any{"credential": cred}, h)
}

func TestPasskeyRegistration(t *testing.T) {
	t.Parallel()
	s := startStack(t, nil)
	u := s.withPasskey(t, "pk-register@example.com")
	if len(u.backupCodes) != 10 {
		t.Errorf("backup codes = %d, want 10 (the account had none)", len(u.backupCodes))
	}
	prof := s.do(t, "GET", "/auth/profile", nil, bearer(u.token))
	if prof.status != http.StatusOK || prof.body["mfa_enabled"] != true {
		t.Fatalf("profile after registration: %d %s", prof.status, prof.raw)
	}
	// A second passkey: the codes the user has stay, none returned.
	second := s.registerPasskey(t, u.token, webauthntest.New(testRPID, testOrigin), "")
	if second.status != http.StatusOK || len(second.body["backup_codes"].([]any)) != 0 {
		t.Fatalf("second passkey: %d %s", second.status, second.raw)
	}
	token := second.sessionCookie(s.cfg.SessionCookieName()).Value
	list := s.do(t, "GET", "/auth/passkeys", nil, bearer(token))
	keys, _ := list.body["passkeys"].([]any)
	if list.status != http.StatusOK || len(keys) != 2 || keys[0].(map[string]any)["name"] != "Laptop" || keys[1].(map[string]any)["name"] != "Passkey" {
		t.Fatalf("list: %d %s", list.status, list.raw)
	}
	// The same authenticator again is excluded, and refused if it insists.
	again := s.registerPasskey(t, token, u.key, "")
	if again.status != http.StatusUnauthorized || again.body["name"] != "invalid_credential" {
		t.Errorf("same authenticator again: %d %s", again.status, again.raw)
	}
	// An aal1 session of the user may not register one.
	aal1, _ := s.login(t, u.email, testPassword)
	if r := s.do(t, "POST", "/auth/passkeys/register/begin", nil, bearer(aal1)); r.status != http.StatusForbidden || r.body["name"] != "mfa_required" {
		t.Errorf("register/begin at aal1 with MFA on: %d %s", r.status, r.raw)
	}
}

func TestPasskeySecondFactor(t *testing.T) {
	t.Parallel()
	s := startStack(t, nil)
	u := s.withPasskey(t, "pk-2fa@example.com")
	token, login := s.login(t, u.email, testPassword)
	if login.body["mfa_required"] != true {
		t.Fatalf("login: %s", login.raw)
	}
	fin := s.passkeyLogin(t, token, u.key)
	if fin.status != http.StatusOK || fin.body["aal"] != "aal2" {
		t.Fatalf("login/finish: %d %s", fin.status, fin.raw)
	}
	next := fin.sessionCookie(s.cfg.SessionCookieName()).Value
	if next == token || s.do(t, "GET", "/auth/profile", nil, bearer(next)).status != http.StatusOK {
		t.Fatal("the raised session does not work under a new token")
	}
	if s.do(t, "GET", "/auth/profile", nil, bearer(token)).status != http.StatusUnauthorized {
		t.Error("the old token still works")
	}
	act := s.do(t, "GET", "/auth/activity", nil, bearer(next))
	if !hasEvent(act.body, "passkey", true) || !hasEvent(act.body, "passkey_registered", true) {
		t.Errorf("activity lacks the passkey events: %s", act.raw)
	}
}

func TestPasskeyPasswordless(t *testing.T) {
	t.Parallel()
	s := startStack(t, nil)
	u := s.withPasskey(t, "pk-passwordless@example.com")
	fin := s.passkeyLogin(t, "", u.key)
	if fin.status != http.StatusOK || fin.body["aal"] != "aal2" {
		t.Fatalf("passwordless: %d %s", fin.status, fin.raw)
	}
	token := fin.sessionCookie(s.cfg.SessionCookieName()).Value
	prof := s.do(t, "GET", "/auth/profile", nil, bearer(token))
	if prof.status != http.StatusOK || prof.body["email"] != u.email {
		t.Fatalf("profile: %d %s", prof.status, prof.raw)
	}
	// Passwordless asks for user verification.
	u.key.UserVerified = false
	if r := s.passkeyLogin(t, "", u.key); r.status != http.StatusUnauthorized || r.body["name"] != "invalid_credential" {
		t.Errorf("without user verification: %d %s", r.status, r.raw)
	}
}

// TestPasskeyRefusals: what a verifier must refuse, each an
// invalid_credential that changes nothing.
func TestPasskeyRefusals(t *testing.T) {
	t.Parallel()
	s := startStack(t, map[string]string{"THROTTLE_SECOND_FACTOR_FAILURES": "100"})
	u := s.withPasskey(t, "pk-refusals@example.com")

	t.Run("case=replayed assertion", func(t *testing.T) {
		token, _ := s.login(t, u.email, testPassword)
		begin := s.do(t, "POST", "/auth/passkeys/login/begin", nil, bearer(token))
		cred, _ := u.key.Get(begin.body["options"].(map[string]any))
		if r := s.do(t, "POST", "/auth/passkeys/login/finish", map[string]any{"credential": cred}, bearer(token)); r.status != http.StatusOK {
			t.Fatalf("first use: %d %s", r.status, r.raw)
		}
		other, _ := s.login(t, u.email, testPassword)
		for _, tok := range []string{"", other} {
			var h map[string]string
			if tok != "" {
				h = bearer(tok)
			}
			if r := s.do(t, "POST", "/auth/passkeys/login/finish", map[string]any{"credential": cred}, h); r.status != http.StatusUnauthorized || r.body["name"] != "invalid_credential" {
				t.Errorf("replay (session %t): %d %s", tok != "", r.status, r.raw)
			}
		}
	})
	t.Run("case=cloned authenticator", func(t *testing.T) {
		clone := u.key.Clone()
		if r := s.passkeyLogin(t, "", u.key); r.status != http.StatusOK {
			t.Fatalf("original: %d %s", r.status, r.raw)
		}
		// The clone signs with the counter the original just used.
		r := s.passkeyLogin(t, "", clone)
		if r.status != http.StatusUnauthorized || r.body["name"] != "invalid_credential" {
			t.Fatalf("clone: %d %s", r.status, r.raw)
		}
		fin := s.passkeyLogin(t, "", u.key)
		act := s.do(t, "GET", "/auth/activity", nil, bearer(fin.sessionCookie(s.cfg.SessionCookieName()).Value))
		if !hasEvent(act.body, "passkey_counter_regressed", true) {
			t.Errorf("activity lacks the regression: %s", act.raw)
		}
	})
	t.Run("case=wrong origin", func(t *testing.T) {
		evil := *u.key
		evil.Origin = "https://evil.example"
		token, _ := s.login(t, u.email, testPassword)
		if r := s.passkeyLogin(t, token, &evil); r.status != http.StatusUnauthorized || r.body["name"] != "invalid_credential" {
			t.Errorf("wrong origin: %d %s", r.status, r.raw)
		}
		u.key.Counter = evil.Counter
	})
	t.Run("case=wrong rp id", func(t *testing.T) {
		evil := *u.key
		evil.RPID = "evil.example"
		if r := s.passkeyLogin(t, "", &evil); r.status != http.StatusUnauthorized || r.body["name"] != "invalid_credential" {
			t.Errorf("wrong rp id: %d %s", r.status, r.raw)
		}
		// Registration checks them too.
		token, _ := s.login(t, u.email, testPassword)
		fin := s.passkeyLogin(t, token, u.key)
		aal2 := fin.sessionCookie(s.cfg.SessionCookieName()).Value
		key := webauthntest.New("evil.example", testOrigin)
		if r := s.registerPasskey(t, aal2, key, ""); r.status != http.StatusUnauthorized || r.body["name"] != "invalid_credential" {
			t.Errorf("registration for another rp id: %d %s", r.status, r.raw)
		}
		key = webauthntest.New(testRPID, "https://evil.example")
		if r := s.registerPasskey(t, aal2, key, ""); r.status != http.StatusUnauthorized || r.body["name"] != "invalid_credential" {
			t.Errorf("registration from another origin: %d %s", r.status, r.raw)
		}
	})
	t.Run("case=unknown passkey", func(t *testing.T) {
		if r := s.passkeyLogin(t, "", webauthntest.New(testRPID, testOrigin)); r.status != http.StatusUnauthorized || r.body["name"] != "invalid_credential" {
			t.Errorf("unknown passkey: %d %s", r.status, r.raw)
		}
	})
}

// TestPasskeyDelete: the last second factor goes only with the password,
// and takes MFA with it.
func TestPasskeyDelete(t *testing.T) {
	t.Parallel()
	s := startStack(t, nil)
	u := s.withPasskey(t, "pk-delete@example.com")
	list := s.do(t, "GET", "/auth/passkeys", nil, bearer(u.token))
	id := list.body["passkeys"].([]any)[0].(map[string]any)["id"].(string)

	if r := s.do(t, "DELETE", "/auth/passkeys/"+id, map[string]any{}, bearer(u.token)); r.status != http.StatusConflict || r.body["name"] != "last_second_factor" {
		t.Fatalf("last factor without password: %d %s", r.status, r.raw)
	}
	if r := s.do(t, "DELETE", "/auth/passkeys/"+id, map[string]any{"password": "wrong-password-123"}, bearer(u.token)); r.status != http.StatusUnauthorized || r.body["name"] != "invalid_credentials" {
		t.Fatalf("wrong password: %d %s", r.status, r.raw)
	}
	if r := s.do(t, "DELETE", "/auth/passkeys/"+id, map[string]any{"password": testPassword}, bearer(u.token)); r.status != http.StatusNoContent {
		t.Fatalf("delete: %d %s", r.status, r.raw)
	}
	prof := s.do(t, "GET", "/auth/profile", nil, bearer(u.token))
	if prof.body["mfa_enabled"] != false || prof.body["backup_codes_remaining"] != float64(0) {
		t.Errorf("profile after the last factor went: %s", prof.raw)
	}
	if r := s.do(t, "DELETE", "/auth/passkeys/"+id, map[string]any{}, bearer(u.token)); r.status != http.StatusNotFound {
		t.Errorf("deleted again: %d %s", r.status, r.raw)
	}
}

// hasEvent reports whether an activity body holds an event of kind.
func hasEvent(body map[string]any, kind string, success bool) bool {
	events, _ := body["events"].([]any)
	for _, e := range events {
		m := e.(map[string]any)
		if m["kind"] == kind && m["success"] == success {
			return true
		}
	}
	return false
}

// TestPasswordlessBeginThrottled: a passwordless begin stores a challenge
// without a session, so begins are limited per client network.
func TestPasswordlessBeginThrottled(t *testing.T) {
	t.Parallel()
	s := startStack(t, map[string]string{"THROTTLE_PASSKEY_CHALLENGES": "3", "TRUSTED_PROXIES": "127.0.0.1/32"})
	for range 3 {
		if r := s.do(t, "POST", "/auth/passkeys/login/begin", nil, from("198.51.100.7", nil)); r.status != http.StatusOK {
			t.Fatalf("begin: %d %s", r.status, r.raw)
		}
	}
	r := s.do(t, "POST", "/auth/passkeys/login/begin", nil, from("198.51.100.7", nil))
	if r.status != http.StatusTooManyRequests || r.header.Get("Retry-After") == "" {
		t.Fatalf("the fourth begin: %d %s, want 429 with Retry-After", r.status, r.raw)
	}
	if r := s.do(t, "POST", "/auth/passkeys/login/begin", nil, from("198.51.100.8", nil)); r.status != http.StatusOK {
		t.Errorf("another network: %d %s", r.status, r.raw)
	}
}
