package main

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/google/uuid"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	genpb "github.com/infrastructure/platform/services/auth/gen/grpc/auth/pb"
)

func TestListAndDeleteSessions(t *testing.T) {
	t.Parallel()
	s := startStack(t, nil)
	first := s.register(t, "ada@example.com", testPassword)
	second, _ := s.login(t, "ada@example.com", testPassword)
	third, l3 := s.login(t, "ada@example.com", testPassword)
	eve := s.register(t, "eve@example.com", testPassword)

	list := s.do(t, "GET", "/auth/sessions", nil, bearer(second))
	if list.status != http.StatusOK {
		t.Fatalf("list: %d %s", list.status, list.raw)
	}
	sessions := list.body["sessions"].([]any)
	if len(sessions) != 3 {
		t.Fatalf("%d sessions listed, want 3: %s", len(sessions), list.raw)
	}
	current := 0
	for _, v := range sessions {
		m := v.(map[string]any)
		if m["current"] == true {
			current++
		}
		for _, f := range []string{"id", "aal", "created_at", "expires_at"} {
			if m[f] == nil {
				t.Errorf("session without %s: %v", f, m)
			}
		}
	}
	if current != 1 {
		t.Errorf("%d sessions marked current, want 1", current)
	}
	if sessions[0].(map[string]any)["id"] != l3.body["session_id"] {
		t.Errorf("the newest session is not first: %s", list.raw)
	}

	// Another user's session is not found, and stays alive.
	eveID, err := s.grpc.ValidateSession(context.Background(), &genpb.ValidateSessionRequest{Token: eve})
	if err != nil {
		t.Fatal(err)
	}
	if r := s.do(t, "DELETE", "/auth/sessions/"+eveID.SessionId, nil, bearer(second)); r.status != http.StatusNotFound || r.body["name"] != "not_found" {
		t.Errorf("deleting another user's session: %d %s", r.status, r.raw)
	}
	if _, err := s.grpc.ValidateSession(context.Background(), &genpb.ValidateSessionRequest{Token: eve}); err != nil {
		t.Errorf("eve's session died: %v", err)
	}
	if r := s.do(t, "DELETE", "/auth/sessions/"+uuid.NewString(), nil, bearer(second)); r.status != http.StatusNotFound {
		t.Errorf("deleting an unknown session: %d", r.status)
	}
	if r := s.do(t, "DELETE", "/auth/sessions/not-a-uuid", nil, bearer(second)); r.status != http.StatusBadRequest {
		t.Errorf("deleting a malformed id: %d", r.status)
	}

	// Deleting one's own other session kills its token at once.
	if r := s.do(t, "DELETE", "/auth/sessions/"+l3.body["session_id"].(string), nil, bearer(second)); r.status != http.StatusNoContent {
		t.Fatalf("delete: %d %s", r.status, r.raw)
	}
	if r := s.do(t, "GET", "/auth/profile", nil, bearer(third)); r.status != http.StatusUnauthorized {
		t.Errorf("the deleted session still works: %d", r.status)
	}
	if r := s.do(t, "GET", "/auth/sessions", nil, bearer(first)); len(r.body["sessions"].([]any)) != 2 {
		t.Errorf("after delete: %s", r.raw)
	}
}

func TestGRPCRevocation(t *testing.T) {
	t.Parallel()
	s := startStack(t, nil)
	ctx := context.Background()
	a := s.register(t, "ada@example.com", testPassword)
	b, _ := s.login(t, "ada@example.com", testPassword)
	c, _ := s.login(t, "ada@example.com", testPassword)
	bob := s.register(t, "bob@example.com", testPassword)

	idA, _ := s.grpc.ValidateSession(ctx, &genpb.ValidateSessionRequest{Token: a})
	if _, err := s.grpc.RevokeSession(ctx, &genpb.RevokeSessionRequest{SessionId: idA.SessionId}); err != nil {
		t.Fatalf("RevokeSession: %v", err)
	}
	if _, err := s.grpc.ValidateSession(ctx, &genpb.ValidateSessionRequest{Token: a}); status.Code(err) != codes.Unauthenticated {
		t.Errorf("revoked session validates: %v", err)
	}
	for name, tt := range map[string]struct {
		id   string
		want codes.Code
	}{
		"case=again":   {idA.SessionId, codes.NotFound},
		"case=unknown": {uuid.NewString(), codes.NotFound},
		"case=bad id":  {"x", codes.InvalidArgument},
	} {
		if _, err := s.grpc.RevokeSession(ctx, &genpb.RevokeSessionRequest{SessionId: tt.id}); status.Code(err) != tt.want {
			t.Errorf("RevokeSession %s: %v, want %v", name, err, tt.want)
		}
	}

	res, err := s.grpc.RevokeUserSessions(ctx, &genpb.RevokeUserSessionsRequest{UserId: idA.UserId})
	if err != nil || res.Revoked != 2 {
		t.Fatalf("RevokeUserSessions = %v, %v; want 2 revoked", res, err)
	}
	for _, token := range []string{b, c} {
		if _, err := s.grpc.ValidateSession(ctx, &genpb.ValidateSessionRequest{Token: token}); status.Code(err) != codes.Unauthenticated {
			t.Errorf("a session survived RevokeUserSessions: %v", err)
		}
	}
	if _, err := s.grpc.ValidateSession(ctx, &genpb.ValidateSessionRequest{Token: bob}); err != nil {
		t.Errorf("another user's session was revoked: %v", err)
	}
	if _, err := s.grpc.RevokeUserSessions(ctx, &genpb.RevokeUserSessionsRequest{UserId: uuid.NewString()}); status.Code(err) != codes.NotFound {
		t.Errorf("RevokeUserSessions of an unknown user: %v", err)
	}
	if res, err := s.grpc.RevokeUserSessions(ctx, &genpb.RevokeUserSessionsRequest{UserId: idA.UserId}); err != nil || res.Revoked != 0 {
		t.Errorf("RevokeUserSessions again = %v, %v; want 0", res, err)
	}
}

// TestShortTimeoutsFromConfig lets sessions expire for real.
func TestShortTimeoutsFromConfig(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	t.Run("case=idle", func(t *testing.T) {
		t.Parallel()
		s := startStack(t, map[string]string{"SESSION_IDLE_TIMEOUT": "1s", "SESSION_ABSOLUTE_TIMEOUT": "1h"})
		token := s.register(t, "ada@example.com", testPassword)
		time.Sleep(600 * time.Millisecond)
		r := s.do(t, "POST", "/auth/session/refresh", nil, bearer(token))
		if r.status != http.StatusOK {
			t.Fatalf("refresh: %d", r.status)
		}
		token = r.sessionCookie("__Host-session").Value
		time.Sleep(600 * time.Millisecond) // 1.2s after creation, 0.6s after the refresh
		if _, err := s.grpc.ValidateSession(ctx, &genpb.ValidateSessionRequest{Token: token}); err != nil {
			t.Errorf("the refresh did not move the idle expiry: %v", err)
		}
		time.Sleep(1200 * time.Millisecond)
		if _, err := s.grpc.ValidateSession(ctx, &genpb.ValidateSessionRequest{Token: token}); status.Code(err) != codes.Unauthenticated {
			t.Errorf("idle session still valid: %v", err)
		}
	})
	t.Run("case=absolute", func(t *testing.T) {
		t.Parallel()
		const absolute = 4 * time.Second // room for three refreshes on a loaded machine
		s := startStack(t, map[string]string{"SESSION_IDLE_TIMEOUT": "1h", "SESSION_ABSOLUTE_TIMEOUT": absolute.String()})
		created := time.Now()
		token := s.register(t, "bob@example.com", testPassword)
		for range 3 { // refreshing never extends past the absolute expiry
			time.Sleep(500 * time.Millisecond)
			r := s.do(t, "POST", "/auth/session/refresh", nil, bearer(token))
			if r.status != http.StatusOK {
				t.Fatalf("refresh: %d", r.status)
			}
			token = r.sessionCookie("__Host-session").Value
		}
		time.Sleep(time.Until(created.Add(absolute + 500*time.Millisecond)))
		if _, err := s.grpc.ValidateSession(ctx, &genpb.ValidateSessionRequest{Token: token}); status.Code(err) != codes.Unauthenticated {
			t.Errorf("session outlived its absolute timeout: %v", err)
		}
	})
}

// TestRevokeOtherSessions: sign out everywhere else ends every other
// session of the user at once (a cached client refuses them as soon as
// the call answers), keeps the current one and touches no one else's.
func TestRevokeOtherSessions(t *testing.T) {
	t.Parallel()
	s := startStack(t, nil)
	c := newClient(t, s)
	current := s.register(t, "ada@example.com", testPassword)
	phone, _ := s.login(t, "ada@example.com", testPassword)
	laptop, _ := s.login(t, "ada@example.com", testPassword)
	bob := s.register(t, "bob@example.com", testPassword)
	ctx := context.Background()
	for _, tok := range []string{current, phone, laptop, bob} {
		if _, err := c.Validate(ctx, tok); err != nil { // cached
			t.Fatal(err)
		}
	}
	r := s.do(t, "POST", "/auth/sessions/revoke-others", nil, bearer(current))
	if r.status != http.StatusOK || r.body["revoked"] != float64(2) {
		t.Fatalf("revoke-others: %d %s, want 200 {revoked: 2}", r.status, r.raw)
	}
	for _, tok := range []string{phone, laptop} {
		if _, err := c.Validate(ctx, tok); err == nil {
			t.Error("another session is still valid through the cache")
		}
	}
	for _, tok := range []string{current, bob} {
		if _, err := c.Validate(ctx, tok); err != nil {
			t.Errorf("a session that should stay: %v", err)
		}
	}
	if r := s.do(t, "POST", "/auth/sessions/revoke-others", nil, bearer(current)); r.status != http.StatusOK || r.body["revoked"] != float64(0) {
		t.Errorf("second revoke-others: %d %s, want {revoked: 0}", r.status, r.raw)
	}
}
