package api_test

import (
	"crypto/rand"
	"encoding/base64"
	"net/http"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"github.com/infrastructure/platform/services/auth/authtest"
	"github.com/infrastructure/platform/services/auth/client"
)

// TestWhoami checks the ways a caller presents a session, with the auth
// client's cache off and on: the answers must be the same.
func TestWhoami(t *testing.T) {
	t.Parallel()
	srv := authtest.Start(t, authtest.Options{})
	token := register(t, srv, "Ada@Example.com")
	random := make([]byte, 32)
	_, _ = rand.Read(random)
	unknown := base64.RawURLEncoding.EncodeToString(random) // well-formed, never issued

	for _, mode := range []struct {
		name string
		opts []client.Option
	}{
		{"cache=off", nil},
		{"cache=on", []client.Option{client.WithCache(100, time.Minute)}},
	} {
		t.Run(mode.name, func(t *testing.T) {
			e := startExecutor(t, srv, mode.opts...)
			want, err := e.auth.Validate(t.Context(), token)
			if err != nil {
				t.Fatal(err)
			}
			for _, tt := range []struct {
				name   string
				header map[string]string
				status int
			}{
				{"case=no credentials", nil, http.StatusUnauthorized},
				{"case=bad cookie", cookie("session", "not-a-token"), http.StatusUnauthorized},
				{"case=unknown token in cookie", cookie("session", unknown), http.StatusUnauthorized},
				{"case=empty bearer", map[string]string{"Authorization": "Bearer "}, http.StatusUnauthorized},
				{"case=unknown bearer", bearer(unknown), http.StatusUnauthorized},
				{"case=session cookie", cookie("session", token), http.StatusOK},
				{"case=only the configured cookie is read", cookie("__Host-session", token), http.StatusUnauthorized},
				{"case=bearer", bearer(token), http.StatusOK},
				{"case=lower-case bearer", map[string]string{"Authorization": "bearer " + token}, http.StatusOK},
				{"case=bearer wins over cookie", map[string]string{"Authorization": "Bearer " + unknown, "Cookie": "session=" + token}, http.StatusUnauthorized},
			} {
				t.Run(tt.name, func(t *testing.T) {
					r := get(t, e.url, "/executor/whoami", tt.header)
					if r.status != tt.status {
						t.Fatalf("status %d, want %d: %s", r.status, tt.status, r.raw)
					}
					if ct := r.header.Get("Content-Type"); ct != "application/json" {
						t.Errorf("Content-Type %q", ct)
					}
					if cc := r.header.Get("Cache-Control"); cc != "no-store" {
						t.Errorf("Cache-Control %q", cc)
					}
					if tt.status != http.StatusOK {
						if r.body["name"] != "unauthorized" {
							t.Errorf("error body %s, want name unauthorized", r.raw)
						}
						return
					}
					checkIdentity(t, r, want)
				})
			}
		})
	}
}

// checkIdentity compares a whoami answer with the identity from Validate.
func checkIdentity(t *testing.T, r response, want client.Identity) {
	t.Helper()
	for field, v := range map[string]string{
		"session_id": want.SessionID,
		"user_id":    want.UserID,
		"email":      want.Email,
		"aal":        string(want.AAL),
		"expires_at": want.ExpiresAt.UTC().Format(time.RFC3339),
	} {
		if r.body[field] != v {
			t.Errorf("%s = %v, want %q (body %s)", field, r.body[field], v, r.raw)
		}
	}
	if r.body["mfa_enabled"] != want.MFAEnabled {
		t.Errorf("mfa_enabled = %v, want %v (body %s)", r.body["mfa_enabled"], want.MFAEnabled, r.raw)
	}
	if len(r.body) != 6 {
		t.Errorf("body has %d fields, want 6: %s", len(r.body), r.raw)
	}
	if want.Email != "ada@example.com" || want.AAL != "aal1" {
		t.Errorf("identity %+v, want ada@example.com at aal1", want)
	}
}

// TestLogoutReachesCache: with validations cached for an hour, a logout is
// refused by the executor within milliseconds, because the revocation
// stream drops the cached session. The refusal is a cache miss answered by
// the auth service, with the stream still up: not an expiry, not a cache
// switched off by a broken stream.
func TestLogoutReachesCache(t *testing.T) {
	t.Parallel()
	srv := authtest.Start(t, authtest.Options{})
	e := startExecutor(t, srv, client.WithCache(100, time.Hour))
	e.waitCacheLive(t)
	token := register(t, srv, "ada@example.com")

	for range 3 {
		if r := get(t, e.url, "/executor/whoami", bearer(token)); r.status != http.StatusOK {
			t.Fatalf("whoami: %d %s", r.status, r.raw)
		}
	}
	if n := e.validations.Load(); n != 1 {
		t.Fatalf("%d validations reached the auth service for 3 requests, want 1 (the rest cached)", n)
	}

	if err := srv.Logout(t.Context(), token); err != nil {
		t.Fatal(err)
	}
	lag := refusedSoon(t, e.url, "/executor/whoami", bearer(token))
	if n := e.validations.Load(); n != 2 {
		t.Errorf("%d validations, want 2: stale answers come from the cache, the refusal from one miss", n)
	}
	if !e.auth.CacheLive() {
		t.Error("the revocation stream broke: the refusal proves nothing")
	}
	t.Logf("the revoked session was refused %v after the logout answered", lag)
}

// TestAdminNeedsAAL2: the aal2 route refuses an aal1 session with 403 and
// serves it once a second factor raised it; the token replaced by the step
// up stops working at once, cache or not.
func TestAdminNeedsAAL2(t *testing.T) {
	t.Parallel()
	srv := authtest.Start(t, authtest.Options{})
	e := startExecutor(t, srv, client.WithCache(100, time.Hour))
	e.waitCacheLive(t)
	aal1 := register(t, srv, "ada@example.com")

	if r := get(t, e.url, "/executor/whoami", bearer(aal1)); r.status != http.StatusOK {
		t.Fatalf("whoami at aal1: %d %s", r.status, r.raw)
	}
	r := get(t, e.url, "/executor/admin/whoami", bearer(aal1))
	if r.status != http.StatusForbidden || r.body["name"] != "mfa_required" {
		t.Fatalf("admin at aal1: %d %s, want 403 mfa_required", r.status, r.raw)
	}

	aal2 := stepUp(t, srv, aal1)
	// The step up replaced the aal1 token, which the first whoami cached:
	// the rotation reaches the cache as a revocation does.
	refusedSoon(t, e.url, "/executor/whoami", bearer(aal1))
	if r := get(t, e.url, "/executor/admin/whoami", bearer(aal1)); r.status != http.StatusUnauthorized {
		t.Errorf("admin with the replaced aal1 token: %d %s, want 401", r.status, r.raw)
	}
	for _, path := range []string{"/executor/admin/whoami", "/executor/whoami"} {
		r := get(t, e.url, path, cookie("session", aal2))
		if r.status != http.StatusOK || r.body["aal"] != "aal2" || r.body["email"] != "ada@example.com" {
			t.Errorf("%s at aal2: %d %s", path, r.status, r.raw)
		}
	}
}

// TestAuthDown: when the auth service is gone, authenticated routes answer
// 503 (never 500, never a stale cached 200) and /healthz says so, while
// /livez still answers.
func TestAuthDown(t *testing.T) {
	t.Parallel()
	srv := authtest.Start(t, authtest.Options{})
	e := startExecutor(t, srv, client.WithCache(100, time.Hour))
	e.waitCacheLive(t)
	token := register(t, srv, "ada@example.com")
	if r := get(t, e.url, "/executor/whoami", bearer(token)); r.status != http.StatusOK {
		t.Fatalf("whoami: %d %s", r.status, r.raw)
	}
	if r := get(t, e.url, "/healthz", nil); r.status != http.StatusOK {
		t.Fatalf("healthz: %d %s", r.status, r.raw)
	}

	if err := srv.Stop(); err != nil {
		t.Fatal(err)
	}
	// The client notices the end of the revocation stream asynchronously
	// (a few milliseconds at most) and switches its cache off: from then
	// on nothing is answered from it.
	for deadline := time.Now().Add(propagationTimeout); e.auth.CacheLive(); time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("the auth client still uses its cache %v after the auth service stopped", propagationTimeout)
		}
	}
	for _, path := range []string{"/executor/whoami", "/executor/admin/whoami"} {
		r := get(t, e.url, path, bearer(token))
		if r.status != http.StatusServiceUnavailable || r.body["name"] != "unavailable" {
			t.Errorf("%s with auth down: %d %s, want 503 unavailable", path, r.status, r.raw)
		}
	}
	if r := get(t, e.url, "/executor/whoami", nil); r.status != http.StatusUnauthorized {
		t.Errorf("whoami without credentials, auth down: %d, want 401 (nothing to ask)", r.status)
	}
	r := get(t, e.url, "/healthz", nil)
	if st, _ := r.body["status"].(map[string]any); r.status != http.StatusServiceUnavailable || st["auth"] != "NOT OK" {
		t.Errorf("healthz with auth down: %d %s", r.status, r.raw)
	}
	if r := get(t, e.url, "/livez", nil); r.status != http.StatusOK {
		t.Errorf("livez: %d", r.status)
	}
}

// TestMFAUserNeedsSecondFactor: a password-only (aal1) session of a user
// who turned MFA on is refused by the default guard (403 mfa_required),
// and turning MFA on or off reaches the cached identities of the user's
// other sessions before the call that did it answers.
func TestMFAUserNeedsSecondFactor(t *testing.T) {
	t.Parallel()
	srv := authtest.Start(t, authtest.Options{})
	e := startExecutor(t, srv, client.WithCache(100, time.Hour))
	e.waitCacheLive(t)

	enrolling := register(t, srv, "ada@example.com")
	other := login(t, srv, "ada@example.com") // aal1; MFA still off
	r := get(t, e.url, "/executor/whoami", bearer(other))
	if r.status != http.StatusOK || r.body["mfa_enabled"] != false {
		t.Fatalf("whoami before MFA: %d %s", r.status, r.raw)
	}
	before := e.validations.Load()
	if r := get(t, e.url, "/executor/whoami", bearer(other)); r.status != http.StatusOK || e.validations.Load() != before {
		t.Fatalf("the second whoami was not answered from the cache: %d, %d validations", r.status, e.validations.Load()-before)
	}

	// MFA turns on: the cached aal1 session is refused at once.
	aal2, secret := enroll(t, srv, enrolling)
	r = get(t, e.url, "/executor/whoami", bearer(other))
	if r.status != http.StatusForbidden || r.body["name"] != "mfa_required" {
		t.Errorf("cached aal1 session right after MFA turned on: %d %s, want 403 mfa_required", r.status, r.raw)
	}
	password := login(t, srv, "ada@example.com") // a stolen password alone
	for _, path := range []string{"/executor/whoami", "/executor/admin/whoami"} {
		if r := get(t, e.url, path, bearer(password)); r.status != http.StatusForbidden || r.body["name"] != "mfa_required" {
			t.Errorf("%s with a password-only session of an MFA user: %d %s, want 403 mfa_required", path, r.status, r.raw)
		}
		if r := get(t, e.url, path, bearer(aal2)); r.status != http.StatusOK || r.body["aal"] != "aal2" || r.body["mfa_enabled"] != true {
			t.Errorf("%s at aal2: %d %s", path, r.status, r.raw)
		}
	}

	// MFA turns off: the same aal1 session is complete again, at once.
	code, err := totp.GenerateCode(secret, time.Now().Add(30*time.Second)) // a step after the enrollment's
	if err != nil {
		t.Fatal(err)
	}
	if d := postAuth(t, srv, "/auth/totp/disable", aal2, `{"code":"`+code+`"}`); d.status != http.StatusNoContent {
		t.Fatalf("totp/disable: %d %s", d.status, d.raw)
	}
	r = get(t, e.url, "/executor/whoami", bearer(password))
	if r.status != http.StatusOK || r.body["mfa_enabled"] != false {
		t.Errorf("aal1 session right after MFA turned off: %d %s, want 200 with mfa_enabled false", r.status, r.raw)
	}
	if !e.auth.CacheLive() {
		t.Error("the revocation stream broke: the answers prove nothing")
	}
}
