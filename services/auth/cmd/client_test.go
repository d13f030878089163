package main

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	"github.com/infrastructure/platform/services/auth/client"
	genpb "github.com/infrastructure/platform/services/auth/gen/grpc/auth/pb"
)

// newClient is a sibling's client of the stack, with a cache.
func newClient(t *testing.T, s *stack) *client.Client {
	t.Helper()
	c, err := client.New(s.grpcAddr, client.WithCache(1000, time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	for i := 0; !c.CacheLive(); i++ {
		if i > 500 {
			t.Fatal("the revocation stream never came up")
		}
		time.Sleep(10 * time.Millisecond)
	}
	return c
}

// TestClientCacheSeesRevocations checks that a cached validation dies with
// its session however the session ends, on whichever replica.
func TestClientCacheSeesRevocations(t *testing.T) {
	t.Parallel()
	s := startStack(t, nil)
	other := newStack(t, stackOptions{dbURL: s.dbURL}) // a second replica
	c := newClient(t, s)
	ctx := context.Background()

	for _, tt := range []struct {
		name string
		// at once: the revoking call went to the replica the client
		// streams from, which answers after the client acknowledged.
		atOnce bool
		end    func(token string) string // ends the session, returns a token that must now fail
	}{
		{"case=logout on another replica", false, func(token string) string {
			other.do(t, "POST", "/auth/logout", nil, bearer(token))
			return token
		}},
		{"case=RevokeSession", true, func(token string) string {
			id, _ := c.Validate(ctx, token)
			if _, err := s.grpc.RevokeSession(ctx, &genpb.RevokeSessionRequest{SessionId: id.SessionID}); err != nil {
				t.Fatal(err)
			}
			return token
		}},
		{"case=refresh rotates the token", true, func(token string) string {
			s.do(t, "POST", "/auth/session/refresh", nil, bearer(token))
			return token
		}},
		{"case=logout", true, func(token string) string {
			s.do(t, "POST", "/auth/logout", nil, bearer(token))
			return token
		}},
		{"case=RevokeUserSessions on another replica", false, func(token string) string {
			id, _ := c.Validate(ctx, token)
			if _, err := other.grpc.RevokeUserSessions(ctx, &genpb.RevokeUserSessionsRequest{UserId: id.UserID}); err != nil {
				t.Fatal(err)
			}
			return token
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			token := s.register(t, uniqueEmail(tt.name), testPassword)
			if _, err := c.Validate(ctx, token); err != nil {
				t.Fatal(err)
			}
			if _, err := c.Validate(ctx, token); err != nil { // now from the cache
				t.Fatal(err)
			}
			dead := tt.end(token)
			if tt.atOnce {
				if _, err := c.Validate(ctx, dead); !errors.Is(err, client.ErrUnauthenticated) {
					t.Fatalf("the first validation after the revoking call: %v, want ErrUnauthenticated", err)
				}
				return
			}
			// Another replica hears of it through PostgreSQL at the
			// same moment, but answered its own caller without waiting
			// for this client.
			start := time.Now()
			for {
				_, err := c.Validate(ctx, dead)
				if errors.Is(err, client.ErrUnauthenticated) {
					t.Logf("refused %v after the revoking call returned", time.Since(start))
					break
				}
				if time.Since(start) > 2*time.Second {
					t.Fatalf("the cache still vouches for an ended session: %v", err)
				}
				time.Sleep(100 * time.Microsecond)
			}
		})
	}
}

func TestClientCacheBypassedWithoutStream(t *testing.T) {
	t.Parallel()
	s := startStack(t, nil)
	c := newClient(t, s)
	token := s.register(t, "ada@example.com", testPassword)
	if _, err := c.Validate(context.Background(), token); err != nil {
		t.Fatal(err)
	}
	// The auth service goes away: the stream breaks, the cache is off and
	// validation fails closed (unavailable), never from the cache.
	s.stop()
	<-s.done
	s.done <- nil
	for i := 0; c.CacheLive(); i++ {
		if i > 500 {
			t.Fatal("the cache stayed live without its stream")
		}
		time.Sleep(10 * time.Millisecond)
	}
	if _, err := c.Validate(context.Background(), token); !errors.Is(err, client.ErrUnavailable) {
		t.Errorf("Validate without the auth service: %v, want ErrUnavailable", err)
	}
}

func TestClientMiddleware(t *testing.T) {
	t.Parallel()
	clock := newFakeClock()
	s := newStack(t, stackOptions{now: clock.now})
	c := newClient(t, s)
	u := s.enroll(t, clock, "ada@example.com")
	aal1, _ := s.login(t, u.email, u.password) // a user with MFA, password only
	noMFA := s.register(t, "bob@example.com", testPassword)

	whoami := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id, _ := client.IdentityFrom(r.Context())
		_ = json.NewEncoder(w).Encode(id)
	})
	complete := httptest.NewServer(c.Middleware()(whoami))
	defer complete.Close()
	incomplete := httptest.NewServer(c.Middleware(client.AllowIncompleteMFA())(whoami))
	defer incomplete.Close()
	strict := httptest.NewServer(c.Middleware(client.RequireAAL(client.AAL2))(whoami))
	defer strict.Close()
	plainCookie := httptest.NewServer(c.Middleware(client.WithCookieName("session"))(whoami))
	defer plainCookie.Close()

	for _, tt := range []struct {
		name   string
		url    string
		header map[string]string
		want   int
	}{
		{"case=no credentials", complete.URL, nil, http.StatusUnauthorized},
		{"case=garbage bearer", complete.URL, bearer("garbage"), http.StatusUnauthorized},
		{"case=aal1 without MFA", complete.URL, bearer(noMFA), http.StatusOK},
		{"case=aal1 without MFA in the cookie", complete.URL, map[string]string{"Cookie": "__Host-session=" + noMFA}, http.StatusOK},
		{"case=aal1 of an MFA user", complete.URL, bearer(aal1), http.StatusForbidden},
		{"case=aal1 of an MFA user in the cookie", complete.URL, map[string]string{"Cookie": "__Host-session=" + aal1}, http.StatusForbidden},
		{"case=aal1 of an MFA user where allowed", incomplete.URL, bearer(aal1), http.StatusOK},
		{"case=aal2 of an MFA user", complete.URL, bearer(u.token), http.StatusOK},
		{"case=aal1 without MFA on an aal2 route", strict.URL, bearer(noMFA), http.StatusForbidden},
		{"case=aal2 on an aal2 route", strict.URL, map[string]string{"Cookie": "__Host-session=" + u.token}, http.StatusOK},
		{"case=another cookie name is not read", complete.URL, map[string]string{"Cookie": "session=" + u.token}, http.StatusUnauthorized},
		{"case=configured cookie name", plainCookie.URL, map[string]string{"Cookie": "session=" + u.token}, http.StatusOK},
	} {
		t.Run(tt.name, func(t *testing.T) {
			req, _ := http.NewRequest("GET", tt.url, nil)
			for k, v := range tt.header {
				req.Header.Set(k, v)
			}
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer res.Body.Close()
			var body map[string]any
			_ = json.NewDecoder(res.Body).Decode(&body)
			if res.StatusCode != tt.want {
				t.Fatalf("status %d (%v), want %d", res.StatusCode, body, tt.want)
			}
			if tt.want == http.StatusOK && body["Email"] == nil {
				t.Errorf("identity in the context = %v", body)
			}
			if tt.want == http.StatusForbidden && body["name"] != "mfa_required" {
				t.Errorf("403 body %v, want name mfa_required", body)
			}
		})
	}
}

// TestClientMiddlewareCrossOrigin: a sibling's routes refuse unsafe
// cross-site requests before validating anything, trusted origins aside.
func TestClientMiddlewareCrossOrigin(t *testing.T) {
	t.Parallel()
	s := startStack(t, nil)
	c := newClient(t, s)
	token := s.register(t, "ada@example.com", testPassword)
	ok := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusNoContent) })
	srv := httptest.NewServer(c.Middleware(client.TrustOrigins("https://app.example.com"))(ok))
	defer srv.Close()
	for _, tt := range []struct {
		name, method string
		header       map[string]string
		want         int
	}{
		{"case=cross-site POST with the cookie", "POST", map[string]string{"Cookie": "__Host-session=" + token, "Sec-Fetch-Site": "cross-site", "Origin": "https://evil.example"}, http.StatusForbidden},
		{"case=old browser, foreign origin", "DELETE", map[string]string{"Authorization": "Bearer " + token, "Origin": "https://evil.example"}, http.StatusForbidden},
		{"case=trusted origin", "POST", map[string]string{"Cookie": "__Host-session=" + token, "Sec-Fetch-Site": "cross-site", "Origin": "https://app.example.com"}, http.StatusNoContent},
		{"case=same origin", "POST", map[string]string{"Cookie": "__Host-session=" + token, "Sec-Fetch-Site": "same-origin"}, http.StatusNoContent},
		{"case=a server", "POST", map[string]string{"Authorization": "Bearer " + token}, http.StatusNoContent},
		{"case=cross-site GET", "GET", map[string]string{"Cookie": "__Host-session=" + token, "Sec-Fetch-Site": "cross-site"}, http.StatusNoContent},
	} {
		t.Run(tt.name, func(t *testing.T) {
			req, _ := http.NewRequest(tt.method, srv.URL, nil)
			for k, v := range tt.header {
				req.Header.Set(k, v)
			}
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer res.Body.Close()
			if res.StatusCode != tt.want {
				t.Errorf("status %d, want %d", res.StatusCode, tt.want)
			}
		})
	}
}

func TestClientInterceptor(t *testing.T) {
	t.Parallel()
	clock := newFakeClock()
	s := newStack(t, stackOptions{now: clock.now})
	c := newClient(t, s)
	token := s.register(t, "ada@example.com", testPassword)
	u := s.enroll(t, clock, "bob@example.com")
	incomplete, _ := s.login(t, u.email, u.password)

	// A sibling gRPC server (the health service stands in for its API)
	// protected by the interceptor.
	sibling := grpc.NewServer(grpc.UnaryInterceptor(c.UnaryServerInterceptor()))
	healthpb.RegisterHealthServer(sibling, healthServer{})
	ln := listen(t)
	go func() { _ = sibling.Serve(ln) }()
	defer sibling.Stop()
	conn, err := grpc.NewClient(ln.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	h := healthpb.NewHealthClient(conn)
	call := func(md ...string) error {
		ctx := metadata.AppendToOutgoingContext(context.Background(), md...)
		_, err := h.Check(ctx, &healthpb.HealthCheckRequest{})
		return err
	}
	if code := status.Code(call()); code != codes.Unauthenticated {
		t.Errorf("no token: %v", code)
	}
	if code := status.Code(call("authorization", "Bearer nope")); code != codes.Unauthenticated {
		t.Errorf("bad token: %v", code)
	}
	if err := call("authorization", "Bearer "+token); err != nil {
		t.Errorf("valid token: %v", err)
	}
	if code := status.Code(call("authorization", "Bearer "+incomplete)); code != codes.PermissionDenied {
		t.Errorf("aal1 session of an MFA user: %v, want PermissionDenied", code)
	}
	if err := call("authorization", "Bearer "+u.token); err != nil {
		t.Errorf("aal2 session of an MFA user: %v", err)
	}
	strict := grpc.NewServer(grpc.UnaryInterceptor(c.UnaryServerInterceptor(client.RequireAAL(client.AAL2))))
	healthpb.RegisterHealthServer(strict, healthServer{})
	ln2 := listen(t)
	go func() { _ = strict.Serve(ln2) }()
	defer strict.Stop()
	conn2, _ := grpc.NewClient(ln2.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	defer conn2.Close()
	ctx := metadata.AppendToOutgoingContext(context.Background(), "authorization", "Bearer "+token)
	if _, err := healthpb.NewHealthClient(conn2).Check(ctx, &healthpb.HealthCheckRequest{}); status.Code(err) != codes.PermissionDenied {
		t.Errorf("aal1 on an aal2 server: %v", err)
	}
}

// healthServer answers SERVING, and checks that the identity arrived.
type healthServer struct {
	healthpb.UnimplementedHealthServer
}

func (healthServer) Check(ctx context.Context, _ *healthpb.HealthCheckRequest) (*healthpb.HealthCheckResponse, error) {
	if _, ok := client.IdentityFrom(ctx); !ok {
		return nil, status.Error(codes.Internal, "no identity in the context")
	}
	return &healthpb.HealthCheckResponse{Status: healthpb.HealthCheckResponse_SERVING}, nil
}
