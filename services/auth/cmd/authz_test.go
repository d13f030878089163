package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"os"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/status"

	"github.com/infrastructure/platform/internal/pkitest"
	genpb "github.com/infrastructure/platform/services/auth/gen/grpc/auth/pb"
)

// caller is a gRPC client of the auth service with one identity.
type caller struct {
	auth   genpb.AuthClient
	health healthpb.HealthClient
}

// dial connects to addr with creds until the end of the test.
func dial(t *testing.T, addr string, creds credentials.TransportCredentials) caller {
	t.Helper()
	conn, err := grpc.NewClient(addr, grpc.WithTransportCredentials(creds))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return caller{auth: genpb.NewAuthClient(conn), health: healthpb.NewHealthClient(conn)}
}

// mtlsCreds trusts ca and presents the certificate in certFile (none when
// empty).
func mtlsCreds(t *testing.T, ca, certFile, keyFile string) credentials.TransportCredentials {
	t.Helper()
	pem, err := os.ReadFile(ca)
	if err != nil {
		t.Fatal(err)
	}
	roots := x509.NewCertPool()
	roots.AppendCertsFromPEM(pem)
	cfg := &tls.Config{RootCAs: roots, MinVersion: tls.VersionTLS12}
	if certFile != "" {
		cert, err := tls.LoadX509KeyPair(certFile, keyFile)
		if err != nil {
			t.Fatal(err)
		}
		cfg.Certificates = []tls.Certificate{cert}
	}
	return credentials.NewTLS(cfg)
}

// mtlsEnv is the environment of a service with mutual TLS under pki.
func mtlsEnv(pki pkitest.PKI, extra map[string]string) map[string]string {
	env := map[string]string{"GRPC_TLS_CERT": pki.ServerCert, "GRPC_TLS_KEY": pki.ServerKey, "GRPC_CLIENT_CA": pki.CA, "GRPC_ALLOW_ADMIN": ""}
	for k, v := range extra {
		env[k] = v
	}
	return env
}

// calls are one call of each method group; each returns the gRPC code.
type calls struct {
	validate, watch, read, revoke, revokeAll, health func(t *testing.T, c caller) codes.Code
}

// groupCalls makes the calls against a victim user and session that
// stay valid as long as no admin call succeeds.
func groupCalls(token, userID, sessionID string) calls {
	code := func(err error) codes.Code { return status.Code(err) }
	return calls{
		validate: func(_ *testing.T, c caller) codes.Code {
			_, err := c.auth.ValidateSession(context.Background(), &genpb.ValidateSessionRequest{Token: token})
			return code(err)
		},
		watch: func(_ *testing.T, c caller) codes.Code {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			stream, err := c.auth.WatchRevocations(ctx)
			if err != nil {
				return code(err)
			}
			_, err = stream.Recv()
			return code(err)
		},
		read: func(_ *testing.T, c caller) codes.Code {
			_, err := c.auth.GetUser(context.Background(), &genpb.GetUserRequest{UserId: userID})
			return code(err)
		},
		revoke: func(_ *testing.T, c caller) codes.Code {
			_, err := c.auth.RevokeSession(context.Background(), &genpb.RevokeSessionRequest{SessionId: sessionID})
			return code(err)
		},
		revokeAll: func(_ *testing.T, c caller) codes.Code {
			_, err := c.auth.RevokeUserSessions(context.Background(), &genpb.RevokeUserSessionsRequest{UserId: userID})
			return code(err)
		},
		health: func(_ *testing.T, c caller) codes.Code {
			_, err := c.health.Check(context.Background(), &healthpb.HealthCheckRequest{})
			return code(err)
		},
	}
}

// TestCallerAuthorization: over real mutual TLS on loopback, each caller
// may call exactly its groups; refused calls answer PermissionDenied and
// change nothing; callers without a certificate of the CA are refused at
// the handshake.
func TestCallerAuthorization(t *testing.T) {
	t.Parallel()
	pki, stranger := pkitest.New(t), pkitest.New(t)
	s := startStack(t, mtlsEnv(pki, map[string]string{
		"GRPC_ALLOW_VALIDATE": "spiffe://platform/executor, billing.internal",
		"GRPC_ALLOW_READ":     "billing.internal",
		"GRPC_ALLOW_ADMIN":    "spiffe://platform/operator",
	}))
	token := s.register(t, "ada@example.com", testPassword)
	as := func(id string) caller {
		cert, key := pki.IssueClient(t, id)
		return dial(t, s.grpcAddr, mtlsCreds(t, pki.CA, cert, key))
	}
	executor, billing, intruder, anonymous := as("spiffe://platform/executor"), as("billing.internal"), as("spiffe://platform/intruder"), as("")
	ident, err := executor.auth.ValidateSession(context.Background(), &genpb.ValidateSessionRequest{Token: token})
	if err != nil {
		t.Fatalf("the executor cannot validate: %v", err)
	}
	c := groupCalls(token, ident.UserId, ident.SessionId)
	const ok, denied = codes.OK, codes.PermissionDenied

	for _, tt := range []struct {
		name                                                  string
		who                                                   caller
		validate, watch, read, revoke, revokeAll, healthCheck codes.Code
	}{
		{"case=validate group by URI SAN", executor, ok, ok, denied, denied, denied, ok},
		{"case=validate and read groups by DNS SAN", billing, ok, ok, ok, denied, denied, ok},
		{"case=identity in no list", intruder, denied, denied, denied, denied, denied, ok},
		{"case=certificate without identity", anonymous, denied, denied, denied, denied, denied, ok},
	} {
		t.Run(tt.name, func(t *testing.T) {
			for _, call := range []struct {
				name string
				do   func(*testing.T, caller) codes.Code
				want codes.Code
			}{
				{"ValidateSession", c.validate, tt.validate}, {"WatchRevocations", c.watch, tt.watch},
				{"GetUser", c.read, tt.read}, {"RevokeSession", c.revoke, tt.revoke},
				{"RevokeUserSessions", c.revokeAll, tt.revokeAll}, {"Health.Check", c.health, tt.healthCheck},
			} {
				if got := call.do(t, tt.who); got != call.want {
					t.Errorf("%s: %v, want %v", call.name, got, call.want)
				}
			}
		})
	}
	// No refused admin call changed anything.
	if code := c.validate(t, executor); code != ok {
		t.Fatalf("the session no longer validates after refused admin calls: %v", code)
	}

	t.Run("case=callers the handshake refuses", func(t *testing.T) {
		cert, key := stranger.IssueClient(t, "spiffe://platform/operator")
		for name, who := range map[string]caller{
			"no certificate":              dial(t, s.grpcAddr, mtlsCreds(t, pki.CA, "", "")),
			"a certificate of another CA": dial(t, s.grpcAddr, mtlsCreds(t, pki.CA, cert, key)),
			"plaintext":                   dial(t, s.grpcAddr, insecure.NewCredentials()),
		} {
			if code := c.revokeAll(t, who); code != codes.Unavailable {
				t.Errorf("%s: RevokeUserSessions %v, want Unavailable (handshake refused)", name, code)
			}
			if code := c.validate(t, who); code != codes.Unavailable {
				t.Errorf("%s: ValidateSession %v, want Unavailable (handshake refused)", name, code)
			}
		}
	})
	if code := c.validate(t, executor); code != ok {
		t.Fatalf("the session no longer validates after refused callers: %v", code)
	}

	// The operator may revoke: the admin group works when allowed.
	if code := c.revokeAll(t, as("spiffe://platform/operator")); code != ok {
		t.Fatalf("operator RevokeUserSessions: %v", code)
	}
	if code := c.validate(t, executor); code != codes.Unauthenticated {
		t.Errorf("the session validates after the operator revoked it: %v", code)
	}
}

// TestDefaultLists: GRPC_ALLOW_VALIDATE and GRPC_ALLOW_READ default to *
// (any certificate of the CA, or anyone on plaintext loopback),
// GRPC_ALLOW_ADMIN to nobody.
func TestDefaultLists(t *testing.T) {
	t.Parallel()
	pki := pkitest.New(t)
	for _, tt := range []struct {
		name  string
		env   map[string]string
		creds func(t *testing.T) credentials.TransportCredentials
	}{
		{"case=mutual TLS", mtlsEnv(pki, nil), func(t *testing.T) credentials.TransportCredentials {
			return mtlsCreds(t, pki.CA, pki.ClientCert, pki.ClientKey)
		}},
		{"case=plaintext loopback", map[string]string{"GRPC_ALLOW_ADMIN": ""}, func(*testing.T) credentials.TransportCredentials {
			return insecure.NewCredentials()
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := startStack(t, tt.env)
			token := s.register(t, "ada@example.com", testPassword)
			who := dial(t, s.grpcAddr, tt.creds(t))
			ident, err := who.auth.ValidateSession(context.Background(), &genpb.ValidateSessionRequest{Token: token})
			if err != nil {
				t.Fatalf("ValidateSession: %v", err)
			}
			c := groupCalls(token, ident.UserId, ident.SessionId)
			for name, want := range map[string]struct {
				do   func(*testing.T, caller) codes.Code
				code codes.Code
			}{
				"GetUser":            {c.read, codes.OK},
				"WatchRevocations":   {c.watch, codes.OK},
				"RevokeSession":      {c.revoke, codes.PermissionDenied},
				"RevokeUserSessions": {c.revokeAll, codes.PermissionDenied},
			} {
				if got := want.do(t, who); got != want.code {
					t.Errorf("%s: %v, want %v", name, got, want.code)
				}
			}
			if code := c.validate(t, who); code != codes.OK {
				t.Errorf("the session no longer validates: %v", code)
			}
		})
	}
}
