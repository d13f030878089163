package main

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"google.golang.org/grpc/codes"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	reflectionpb "google.golang.org/grpc/reflection/grpc_reflection_v1"
	"google.golang.org/grpc/status"

	genpb "github.com/infrastructure/platform/services/auth/gen/grpc/auth/pb"
	"github.com/infrastructure/platform/services/auth/internal/database/dbtest"
)

func TestHealth(t *testing.T) {
	t.Parallel()
	s := startStack(t, nil)
	for _, path := range []string{"/livez", "/healthz"} {
		if r := s.do(t, "GET", path, nil, nil); r.status != http.StatusOK {
			t.Errorf("%s: %d %s", path, r.status, r.raw)
		}
	}
	ctx := context.Background()
	h := healthpb.NewHealthClient(s.conn)
	for _, svc := range []string{"", "auth.Auth"} {
		res, err := h.Check(ctx, &healthpb.HealthCheckRequest{Service: svc})
		if err != nil || res.Status != healthpb.HealthCheckResponse_SERVING {
			t.Errorf("gRPC health %q = %v, %v", svc, res, err)
		}
	}

	// Reflection lists the auth service.
	stream, err := reflectionpb.NewServerReflectionClient(s.conn).ServerReflectionInfo(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := stream.Send(&reflectionpb.ServerReflectionRequest{MessageRequest: &reflectionpb.ServerReflectionRequest_ListServices{}}); err != nil {
		t.Fatal(err)
	}
	res, err := stream.Recv()
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, svc := range res.GetListServicesResponse().GetService() {
		names = append(names, svc.Name)
	}
	if !strings.Contains(strings.Join(names, ","), "auth.Auth") {
		t.Errorf("reflection lists %v, want auth.Auth among them", names)
	}
}

// TestDatabaseOutage cuts the service off its database as an operator
// would, and checks that it answers 503 and recovers by itself.
func TestDatabaseOutage(t *testing.T) {
	t.Parallel()
	s := startStack(t, nil)
	token := s.register(t, "ada@example.com", testPassword)
	ctx := context.Background()

	u, _ := url.Parse(s.dbURL)
	dbName := strings.TrimPrefix(u.Path, "/")
	admin, err := pgx.Connect(ctx, dbtest.AdminURL())
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close(ctx)
	exec := func(sql string) {
		t.Helper()
		if _, err := admin.Exec(ctx, sql); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
	}
	exec(`ALTER DATABASE "` + dbName + `" ALLOW_CONNECTIONS false`)
	t.Cleanup(func() { _, _ = admin.Exec(ctx, `ALTER DATABASE "`+dbName+`" ALLOW_CONNECTIONS true`) })
	exec(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '` + dbName + `'`)

	for _, tt := range []struct {
		name, method, path string
		body               any
		header             map[string]string
	}{
		{"profile", "GET", "/auth/profile", nil, bearer(token)},
		{"login", "POST", "/auth/login", map[string]string{"email": "ada@example.com", "password": testPassword}, nil},
		{"register", "POST", "/auth/register", map[string]string{"email": "bob@example.com", "password": testPassword}, nil},
	} {
		if r := s.do(t, tt.method, tt.path, tt.body, tt.header); r.status != http.StatusServiceUnavailable || r.body["name"] != "unavailable" {
			t.Errorf("%s during the outage: %d %s, want 503 unavailable", tt.name, r.status, r.raw)
		}
	}
	if r := s.do(t, "GET", "/healthz", nil, nil); r.status != http.StatusServiceUnavailable {
		t.Errorf("/healthz during the outage: %d", r.status)
	} else if line := s.accessLine(t, r.header.Get("X-Request-Id")); line["http.status"] != float64(http.StatusServiceUnavailable) {
		t.Errorf("a failed health check left no access line: %v", line)
	}
	if r := s.do(t, "GET", "/livez", nil, nil); r.status != http.StatusOK {
		t.Errorf("/livez during the outage: %d", r.status)
	}
	if _, err := s.grpc.ValidateSession(ctx, &genpb.ValidateSessionRequest{Token: token}); status.Code(err) != codes.Unavailable {
		t.Errorf("ValidateSession during the outage: %v, want Unavailable", err)
	}

	// The database comes back; the service recovers without a restart.
	exec(`ALTER DATABASE "` + dbName + `" ALLOW_CONNECTIONS true`)
	var last response
	for range 50 {
		if last = s.do(t, "GET", "/auth/profile", nil, bearer(token)); last.status == http.StatusOK {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if last.status != http.StatusOK {
		t.Fatalf("no recovery: %d %s", last.status, last.raw)
	}
	if _, err := s.grpc.ValidateSession(ctx, &genpb.ValidateSessionRequest{Token: token}); err != nil {
		t.Errorf("ValidateSession after recovery: %v", err)
	}
}

// TestGracefulShutdown stops the service while a request is in flight: the
// request completes and run returns without error.
func TestGracefulShutdown(t *testing.T) {
	t.Parallel()
	// A quarter of a second per hash; the drain waits far longer, so that a
	// loaded machine still finishes the request within it.
	s := startStack(t, map[string]string{"BCRYPT_COST": "12", "SHUTDOWN_TIMEOUT": "60s"})
	type result struct {
		status int
		err    error
	}
	inflight := make(chan result, 1)
	go func() {
		req, _ := http.NewRequest("POST", s.baseURL+"/auth/register", strings.NewReader(`{"email":"slow@example.com","password":"`+testPassword+`"}`))
		req.Header.Set("Content-Type", "application/json")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			inflight <- result{err: err}
			return
		}
		res.Body.Close()
		inflight <- result{status: res.StatusCode}
	}()
	// Stop while the request is being served: its bcrypt alone takes a
	// quarter of a second at this cost.
	time.Sleep(100 * time.Millisecond)
	s.stop()
	if r := <-inflight; r.err != nil || r.status != http.StatusCreated {
		t.Errorf("in-flight request: %d, %v; want 201\n%s", r.status, r.err, s.logs.String())
	}
	select {
	case err := <-s.done:
		if err != nil {
			t.Errorf("run: %v", err)
		}
		s.done <- nil // for the cleanup
	case <-time.After(90 * time.Second):
		t.Fatal("run did not return after shutdown")
	}
	if _, err := http.Get(s.baseURL + "/livez"); err == nil {
		t.Error("the HTTP server still accepts connections")
	}
}
