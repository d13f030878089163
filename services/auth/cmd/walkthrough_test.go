package main

import (
	"context"
	"crypto/sha256"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	genpb "github.com/infrastructure/platform/services/auth/gen/grpc/auth/pb"
)

// TestWalkthrough walks a browser and a sibling service through the
// foundation: register, login, profile, ValidateSession, logout,
// ValidateSession again.
func TestWalkthrough(t *testing.T) {
	t.Parallel()
	s := startStack(t, nil) // COOKIE_SECURE defaults to true
	const password = "correct horse battery staple"
	ctx := context.Background()

	// Register: 201, the account, and an aal1 session in a __Host- cookie.
	reg := s.do(t, "POST", "/auth/register", map[string]string{"email": "  Ada@Example.COM ", "password": password}, nil)
	if reg.status != http.StatusCreated {
		t.Fatalf("register: %d %s", reg.status, reg.raw)
	}
	if reg.body["email"] != "ada@example.com" || reg.body["mfa_enabled"] != false || reg.body["id"] == "" {
		t.Errorf("register body = %s", reg.raw)
	}
	if _, err := time.Parse(time.RFC3339, reg.body["created_at"].(string)); err != nil {
		t.Errorf("created_at is not RFC 3339: %v", err)
	}
	if strings.Contains(reg.raw, "session_token") {
		t.Errorf("the token leaked into the body: %s", reg.raw)
	}
	regCookie := reg.sessionCookie("__Host-session")
	assertSessionCookie(t, reg, "__Host-session", true)

	// Login (email in another case): 200, a new session, a new cookie.
	login := s.do(t, "POST", "/auth/login", map[string]string{"email": "ADA@example.com", "password": password}, nil)
	if login.status != http.StatusOK {
		t.Fatalf("login: %d %s", login.status, login.raw)
	}
	if login.body["aal"] != "aal1" || login.body["mfa_required"] != false || login.body["session_id"] == "" {
		t.Errorf("login body = %s", login.raw)
	}
	expires, err := time.Parse(time.RFC3339, login.body["expires_at"].(string))
	if err != nil || expires.Before(time.Now().Add(29*time.Minute)) || expires.After(time.Now().Add(31*time.Minute)) {
		t.Errorf("expires_at = %v (%v), want about 30 minutes from now", login.body["expires_at"], err)
	}
	assertSessionCookie(t, login, "__Host-session", true)
	token := login.sessionCookie("__Host-session").Value
	if token == regCookie.Value {
		t.Fatal("login reused the registration token")
	}

	// Profile, by cookie and by bearer token.
	for name, h := range map[string]map[string]string{
		"cookie": {"Cookie": "__Host-session=" + token},
		"bearer": bearer(token),
	} {
		p := s.do(t, "GET", "/auth/profile", nil, h)
		if p.status != http.StatusOK || p.body["email"] != "ada@example.com" || p.body["backup_codes_remaining"] != float64(0) || p.body["id"] != reg.body["id"] {
			t.Errorf("profile by %s: %d %s", name, p.status, p.raw)
		}
		if p.header.Get("Cache-Control") != "no-store" {
			t.Errorf("profile by %s: Cache-Control = %q", name, p.header.Get("Cache-Control"))
		}
	}

	// The database holds only the SHA-256 of the token.
	assertOnlyHashStored(t, s.dbURL, token)

	// A sibling validates the session over gRPC.
	id, err := s.grpc.ValidateSession(ctx, &genpb.ValidateSessionRequest{Token: token})
	if err != nil {
		t.Fatalf("ValidateSession: %v", err)
	}
	if id.SessionId != login.body["session_id"] || id.UserId != reg.body["id"] || id.Email != "ada@example.com" || id.Aal != "aal1" {
		t.Errorf("ValidateSession = %+v", id)
	}
	if got, err := time.Parse(time.RFC3339, id.ExpiresAt); err != nil || !got.Equal(expires) {
		t.Errorf("ValidateSession expires_at = %s, login said %s", id.ExpiresAt, login.body["expires_at"])
	}
	user, err := s.grpc.GetUser(ctx, &genpb.GetUserRequest{UserId: id.UserId})
	if err != nil || user.Email != "ada@example.com" || user.Id != id.UserId || user.MfaEnabled {
		t.Errorf("GetUser = %+v, %v", user, err)
	}

	// Logout by cookie: 204, the cookie cleared, the session dead at once.
	out := s.do(t, "POST", "/auth/logout", nil, map[string]string{"Cookie": "__Host-session=" + token})
	if out.status != http.StatusNoContent {
		t.Fatalf("logout: %d %s", out.status, out.raw)
	}
	cleared := out.sessionCookie("__Host-session")
	if cleared == nil || cleared.Value != "" || cleared.MaxAge >= 0 || !cleared.Secure || !cleared.HttpOnly {
		t.Errorf("logout cookie = %+v, want an expired, empty, Secure, HttpOnly cookie", cleared)
	}
	if p := s.do(t, "GET", "/auth/profile", nil, bearer(token)); p.status != http.StatusUnauthorized || p.body["name"] != "unauthorized" {
		t.Errorf("profile after logout: %d %s", p.status, p.raw)
	}
	_, err = s.grpc.ValidateSession(ctx, &genpb.ValidateSessionRequest{Token: token})
	if status.Code(err) != codes.Unauthenticated {
		t.Errorf("ValidateSession after logout: %v, want Unauthenticated", err)
	}
	if o := s.do(t, "POST", "/auth/logout", nil, bearer(token)); o.status != http.StatusUnauthorized {
		t.Errorf("second logout: %d %s", o.status, o.raw)
	}
	// The registration session is another session: still alive.
	if _, err := s.grpc.ValidateSession(ctx, &genpb.ValidateSessionRequest{Token: regCookie.Value}); err != nil {
		t.Errorf("the registration session died with the other: %v", err)
	}

	// Nothing secret reached the logs.
	logs := s.logs.String()
	for name, secret := range map[string]string{"password": password, "login token": token, "register token": regCookie.Value} {
		if strings.Contains(logs, secret) {
			t.Errorf("the %s appears in the logs", name)
		}
	}
	if !strings.Contains(logs, `"request_id"`) {
		t.Error("no request_id in the logs")
	}
}

func TestInsecureCookieForLocalDevelopment(t *testing.T) {
	t.Parallel()
	s := startStack(t, map[string]string{"COOKIE_SECURE": "false"})
	reg := s.do(t, "POST", "/auth/register", map[string]string{"email": "dev@example.com", "password": testPassword}, nil)
	if reg.status != http.StatusCreated {
		t.Fatalf("register: %d %s", reg.status, reg.raw)
	}
	assertSessionCookie(t, reg, "session", false)
	token := reg.sessionCookie("session").Value
	if p := s.do(t, "GET", "/auth/profile", nil, map[string]string{"Cookie": "session=" + token}); p.status != http.StatusOK {
		t.Errorf("profile by cookie: %d %s", p.status, p.raw)
	}
	// The secure name means nothing here.
	if p := s.do(t, "GET", "/auth/profile", nil, map[string]string{"Cookie": "__Host-session=" + token}); p.status != http.StatusUnauthorized {
		t.Errorf("profile with the other cookie name: %d", p.status)
	}
}

func TestSessionExpiry(t *testing.T) {
	t.Parallel()
	s := startStack(t, nil)
	ctx := context.Background()
	for _, tt := range []struct{ name, spoil string }{
		{"case=idle", "UPDATE sessions SET idle_expires_at = now() - interval '1 second'"},
		{"case=absolute", "UPDATE sessions SET idle_expires_at = now() - interval '1 second', expires_at = now() - interval '1 second'"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			token := s.register(t, strings.TrimPrefix(tt.name, "case=")+"@example.com", testPassword)
			conn, err := pgx.Connect(ctx, s.dbURL)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close(ctx)
			if _, err := conn.Exec(ctx, tt.spoil+" WHERE token_hash = $1", hash(token)); err != nil {
				t.Fatal(err)
			}
			if p := s.do(t, "GET", "/auth/profile", nil, bearer(token)); p.status != http.StatusUnauthorized {
				t.Errorf("profile: %d, want 401", p.status)
			}
			if _, err := s.grpc.ValidateSession(ctx, &genpb.ValidateSessionRequest{Token: token}); status.Code(err) != codes.Unauthenticated {
				t.Errorf("ValidateSession: %v, want Unauthenticated", err)
			}
		})
	}
}

func hash(token string) []byte {
	sum := sha256.Sum256([]byte(token))
	return sum[:]
}

// assertSessionCookie checks the flags of services/auth/README.md, Sessions.
func assertSessionCookie(t *testing.T, r response, name string, secure bool) {
	t.Helper()
	c := r.sessionCookie(name)
	if c == nil {
		t.Fatalf("no %s cookie in %v", name, r.header.Values("Set-Cookie"))
	}
	if len(c.Value) != 43 || !c.HttpOnly || c.Secure != secure || c.SameSite != http.SameSiteLaxMode || c.Path != "/" || c.Domain != "" {
		t.Errorf("cookie %q = %+v: want a 43-character value, HttpOnly, Secure=%v, SameSite=Lax, Path=/, no Domain", name, c, secure)
	}
}

// assertOnlyHashStored checks that no column of any session row holds the
// token, and that its SHA-256 is there.
func assertOnlyHashStored(t *testing.T, dbURL, token string) {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var leaks, hashes int
	err = conn.QueryRow(ctx, `SELECT
		(SELECT count(*) FROM sessions s WHERE s::text LIKE '%' || $1 || '%' OR encode(s.token_hash, 'escape') LIKE '%' || $1 || '%'),
		(SELECT count(*) FROM sessions WHERE token_hash = $2)`, token, hash(token)).Scan(&leaks, &hashes)
	if err != nil {
		t.Fatal(err)
	}
	if leaks != 0 || hashes != 1 {
		t.Errorf("rows holding the token: %d (want 0); rows holding its hash: %d (want 1)", leaks, hashes)
	}
}

func TestSessionRefresh(t *testing.T) {
	t.Parallel()
	s := startStack(t, nil)
	ctx := context.Background()
	token := s.register(t, "ada@example.com", testPassword)
	// Let the session age so that the refresh visibly moves the idle expiry.
	execOn(t, s.dbURL, "UPDATE sessions SET idle_expires_at = now() + interval '1 minute'")
	before, err := s.grpc.ValidateSession(ctx, &genpb.ValidateSessionRequest{Token: token})
	if err != nil {
		t.Fatal(err)
	}

	r := s.do(t, "POST", "/auth/session/refresh", nil, map[string]string{"Cookie": "__Host-session=" + token})
	if r.status != http.StatusOK {
		t.Fatalf("refresh: %d %s", r.status, r.raw)
	}
	assertSessionCookie(t, r, "__Host-session", true)
	next := r.sessionCookie("__Host-session").Value
	if next == token || r.body["session_id"] != before.SessionId || r.body["aal"] != "aal1" {
		t.Errorf("refresh = %s", r.raw)
	}
	idle, _ := time.Parse(time.RFC3339, r.body["idle_expires_at"].(string))
	if time.Until(idle) < 29*time.Minute {
		t.Errorf("idle_expires_at = %v: not moved forward", idle)
	}
	abs, _ := time.Parse(time.RFC3339, r.body["expires_at"].(string))
	if time.Until(abs) < 11*time.Hour {
		t.Errorf("expires_at = %v, want the absolute expiry", abs)
	}
	// The old token is dead at once, the new one lives.
	if _, err := s.grpc.ValidateSession(ctx, &genpb.ValidateSessionRequest{Token: token}); status.Code(err) != codes.Unauthenticated {
		t.Errorf("old token after refresh: %v", err)
	}
	if o := s.do(t, "POST", "/auth/session/refresh", nil, bearer(token)); o.status != http.StatusUnauthorized {
		t.Errorf("refresh with the old token: %d", o.status)
	}
	after, err := s.grpc.ValidateSession(ctx, &genpb.ValidateSessionRequest{Token: next})
	if err != nil || after.SessionId != before.SessionId {
		t.Errorf("new token: %v, %v", after, err)
	}
	// The absolute expiry never moves.
	r2 := s.do(t, "POST", "/auth/session/refresh", nil, bearer(next))
	if r2.body["expires_at"] != r.body["expires_at"] {
		t.Errorf("expires_at moved from %v to %v", r.body["expires_at"], r2.body["expires_at"])
	}
}
