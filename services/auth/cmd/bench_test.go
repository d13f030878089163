package main

import (
	"context"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	genpb "github.com/infrastructure/platform/services/auth/gen/grpc/auth/pb"
)

// BenchmarkLogin compares a wrong password with an unknown email at the
// default bcrypt cost: the two must cost the same, so that timing does not
// tell which emails have accounts. Compare the ns/op of the two cases.
func BenchmarkLogin(b *testing.B) {
	s := startStack(b, map[string]string{"BCRYPT_COST": "12"})
	s.register(b, "ada@example.com", testPassword)
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
	token := s.register(b, "ada@example.com", testPassword)
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

// BenchmarkValidateSessionDuringLoginFlood measures ValidateSession while
// 32 clients flood logins with wrong passwords at the default bcrypt cost,
// beside the same measurement without the flood. The flood queues on the
// bounded password hasher (and gets 503 past its wait); validations must
// not starve. Read the p50-ms and p99-ms metrics.
func BenchmarkValidateSessionDuringLoginFlood(b *testing.B) {
	s := startStack(b, map[string]string{
		"BCRYPT_COST": "12", "THROTTLE_LOGIN_FAILURES": "1000000", "THROTTLE_IP_FAILURES": "1000000",
	})
	token := s.register(b, "ada@example.com", testPassword)
	ctx := context.Background()
	measure := func(b *testing.B) {
		var lat []time.Duration
		for b.Loop() {
			start := time.Now()
			if _, err := s.grpc.ValidateSession(ctx, &genpb.ValidateSessionRequest{Token: token}); err != nil {
				b.Fatal(err)
			}
			lat = append(lat, time.Since(start))
		}
		slices.Sort(lat)
		b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
		b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
	}
	b.Run("case=idle", measure)
	b.Run("case=login flood", func(b *testing.B) {
		floodCtx, stop := context.WithCancel(ctx)
		var wg sync.WaitGroup
		var served, busy atomic.Int64
		for range 32 {
			wg.Go(func() {
				for floodCtx.Err() == nil {
					r := s.do(b, "POST", "/auth/login", map[string]string{"email": "ada@example.com", "password": "wrong password"}, nil)
					if r.status == http.StatusServiceUnavailable {
						busy.Add(1)
					} else {
						served.Add(1)
					}
				}
			})
		}
		time.Sleep(500 * time.Millisecond) // let the flood build up
		measure(b)
		stop()
		wg.Wait()
		b.ReportMetric(float64(served.Load()), "logins-served")
		b.ReportMetric(float64(busy.Load()), "logins-503")
	})
}
