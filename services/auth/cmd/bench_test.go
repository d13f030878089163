package main

import (
	"context"
	"net/http"
	"testing"

	genpb "github.com/infrastructure/platform/services/auth/gen/grpc/auth/pb"
)

// BenchmarkLogin compares a wrong password with an unknown email at the
// default bcrypt cost: the two must cost the same, so that timing does not
// tell which emails have accounts. Compare the ns/op of the two cases.
func BenchmarkLogin(b *testing.B) {
	s := startStack(b, map[string]string{"BCRYPT_COST": "12"})
	s.register(b, "ada@example.com", "password1")
	for _, bc := range []struct{ name, email string }{
		{"case=wrong password", "ada@example.com"},
		{"case=unknown email", "nobody@example.com"},
	} {
		b.Run(bc.name, func(b *testing.B) {
			for b.Loop() {
				if r := s.do(b, "POST", "/auth/login", map[string]string{"email": bc.email, "password": "password2"}, nil); r.status != http.StatusUnauthorized {
					b.Fatalf("login: %d", r.status)
				}
			}
		})
	}
}

// BenchmarkValidateSession measures the hot path over real gRPC on
// loopback, beside a raw reference: the same indexed read issued directly
// over pgx, without the service.
func BenchmarkValidateSession(b *testing.B) {
	s := startStack(b, nil)
	token := s.register(b, "ada@example.com", "password1")
	ctx := context.Background()
	b.Run("case=grpc ValidateSession", func(b *testing.B) {
		for b.Loop() {
			if _, err := s.grpc.ValidateSession(ctx, &genpb.ValidateSessionRequest{Token: token}); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("case=raw pgx query (reference)", func(b *testing.B) {
		conn := rawConn(b, s.dbURL)
		h := hash(token)
		var id string
		for b.Loop() {
			err := conn.QueryRow(ctx, `SELECT s.id::text FROM sessions s JOIN users u ON u.id = s.user_id
				WHERE s.token_hash = $1 AND s.revoked_at IS NULL AND s.idle_expires_at > now() AND s.expires_at > now()`, h).Scan(&id)
			if err != nil {
				b.Fatal(err)
			}
		}
	})
}
