package api_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/infrastructure/platform/services/auth/authtest"
)

// TestHealthzFollowsAuth: /healthz is 503 while the auth process runs but
// reports NOT_SERVING (its database is cut off), and 200 again once it
// recovers; meanwhile authenticated routes answer 503.
func TestHealthzFollowsAuth(t *testing.T) {
	t.Parallel()
	srv := authtest.Start(t, authtest.Options{})
	e := startExecutor(t, srv)
	token := register(t, srv, "ada@example.com")
	r := get(t, e.url, "/healthz", nil)
	if st, _ := r.body["status"].(map[string]any); r.status != http.StatusOK || st["auth"] != "OK" {
		t.Fatalf("healthz: %d %s", r.status, r.raw)
	}

	setConnections := cutOff(t, srv.DatabaseURL)
	setConnections(false)
	// The auth service checks its database every 5 seconds.
	r = waitFor(t, e.url, "/healthz", http.StatusServiceUnavailable, 15*time.Second)
	if st, _ := r.body["status"].(map[string]any); st["auth"] != "NOT OK" {
		t.Errorf("healthz during the outage: %s", r.raw)
	}
	if r := get(t, e.url, "/executor/whoami", bearer(token)); r.status != http.StatusServiceUnavailable {
		t.Errorf("whoami during the outage: %d %s, want 503", r.status, r.raw)
	}
	if r := get(t, e.url, "/livez", nil); r.status != http.StatusOK {
		t.Errorf("livez during the outage: %d", r.status)
	}

	setConnections(true)
	waitFor(t, e.url, "/healthz", http.StatusOK, 15*time.Second)
	if r := get(t, e.url, "/executor/whoami", bearer(token)); r.status != http.StatusOK {
		t.Errorf("whoami after recovery: %d %s", r.status, r.raw)
	}
}

// cutOff returns a function that forbids (false) or allows (true)
// connections to the database of dbURL, closing the open ones, as an
// operator would. Connections are allowed again at the end of t.
func cutOff(t *testing.T, dbURL string) func(allow bool) {
	t.Helper()
	u, err := url.Parse(dbURL)
	if err != nil {
		t.Fatal(err)
	}
	name := pgx.Identifier{strings.TrimPrefix(u.Path, "/")}.Sanitize()
	ctx := context.Background()
	admin, err := pgx.Connect(ctx, authtest.AdminURL())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_, _ = admin.Exec(ctx, "ALTER DATABASE "+name+" ALLOW_CONNECTIONS true")
		admin.Close(ctx)
	})
	return func(allow bool) {
		t.Helper()
		if _, err := admin.Exec(ctx, "ALTER DATABASE "+name+" ALLOW_CONNECTIONS "+map[bool]string{true: "true", false: "false"}[allow]); err != nil {
			t.Fatal(err)
		}
		if !allow {
			if _, err := admin.Exec(ctx, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1", strings.TrimPrefix(u.Path, "/")); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// waitFor polls GET path until it answers status.
func waitFor(t *testing.T, baseURL, path string, status int, timeout time.Duration) response {
	t.Helper()
	var r response
	for deadline := time.Now().Add(timeout); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if r = get(t, baseURL, path, nil); r.status == status {
			return r
		}
	}
	t.Fatalf("GET %s: still %d %s after %v, want %d", path, r.status, r.raw, timeout, status)
	return r
}
