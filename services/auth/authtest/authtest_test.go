package authtest_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/infrastructure/platform/services/auth/authtest"
	"github.com/infrastructure/platform/services/auth/client"
	"github.com/infrastructure/platform/services/auth/internal/database/dbtest"
)

// testPassword is the password of the accounts the tests register: one
// that the service's password screening accepts.
const testPassword = "violet-anchor-drifting-92"

// TestLifecycle is what a sibling service's test does: start the real
// binary, register, validate over gRPC, log out, see the session refused.
func TestLifecycle(t *testing.T) {
	t.Parallel()
	srv := authtest.Start(t, authtest.Options{})
	ctx := t.Context()

	token, err := srv.Register(ctx, "ada@example.com", testPassword)
	if err != nil {
		t.Fatal(err)
	}
	c, err := client.New(srv.GRPCAddr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	id, err := c.Validate(ctx, token)
	if err != nil {
		t.Fatalf("Validate: %v", err)
	}
	if id.Email != "ada@example.com" || id.AAL != "aal1" || id.SessionID == "" || id.UserID == "" {
		t.Errorf("identity = %+v", id)
	}
	if left := time.Until(id.ExpiresAt); left <= 0 || left > 12*time.Hour {
		t.Errorf("expires in %v", left)
	}

	if err := srv.Logout(ctx, token); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Validate(ctx, token); !errors.Is(err, client.ErrUnauthenticated) {
		t.Errorf("Validate after logout: %v, want ErrUnauthenticated", err)
	}
	if err := srv.Logout(ctx, token); err == nil || !strings.Contains(err.Error(), "401") {
		t.Errorf("second logout: %v, want a 401 error", err)
	}
	if _, err := srv.Register(ctx, "ada@example.com", testPassword); err == nil || !strings.Contains(err.Error(), "email_taken") {
		t.Errorf("second register: %v, want email_taken", err)
	}

	// Stop is graceful, idempotent, and the ports are released.
	if err := srv.Stop(); err != nil {
		t.Fatal(err)
	}
	if err := srv.Stop(); err != nil {
		t.Errorf("second Stop: %v", err)
	}
	if _, err := http.Get(srv.HTTPURL + "/livez"); err == nil {
		t.Error("the server still answers after Stop")
	}
	if !strings.Contains(srv.Logs(), "auth serving") {
		t.Errorf("the output lacks the start-up line:\n%s", srv.Logs())
	}
}

// TestStartProcessErrors: a failed start says why, with the binary's own
// message, and never leaves a process behind.
func TestStartProcessErrors(t *testing.T) {
	t.Parallel()
	if _, err := authtest.StartProcess(t.Context(), authtest.Options{}); err == nil || !strings.Contains(err.Error(), "DatabaseURL") {
		t.Errorf("no database: %v", err)
	}
	dbURL := dbtest.New(t)
	_, err := authtest.StartProcess(t.Context(), authtest.Options{DatabaseURL: dbURL, Env: map[string]string{"BCRYPT_COST": "99"}})
	if err == nil || !strings.Contains(err.Error(), "BCRYPT_COST") || !strings.Contains(err.Error(), "exited during start-up") {
		t.Errorf("bad configuration: %v, want the exit and the variable named", err)
	}
	if err != nil && strings.Contains(err.Error(), dbURL) {
		t.Error("the error holds the database URL (and its password)")
	}
}

// TestReplicas: two servers on one database share the default key and see
// each other's sessions.
func TestReplicas(t *testing.T) {
	t.Parallel()
	a := authtest.Start(t, authtest.Options{})
	b := authtest.Start(t, authtest.Options{DatabaseURL: a.DatabaseURL, Env: map[string]string{"LOG_LEVEL": "debug"}})
	if a.HTTPURL == b.HTTPURL || a.GRPCAddr == b.GRPCAddr {
		t.Fatalf("shared ports: %s %s", a.HTTPURL, b.HTTPURL)
	}
	ctx := context.Background()
	token, err := a.Register(ctx, "ada@example.com", testPassword)
	if err != nil {
		t.Fatal(err)
	}
	if err := b.Logout(ctx, token); err != nil {
		t.Errorf("logout on the other replica: %v", err)
	}
}
