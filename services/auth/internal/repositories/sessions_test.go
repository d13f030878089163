package repositories_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/infrastructure/platform/services/auth/internal/ports"
	"github.com/infrastructure/platform/services/auth/internal/repositories"
)

func TestSessionsValidate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		// spoil changes the stored session; nil keeps it live.
		spoil string
		want  error
	}{
		{name: "case=live"},
		{name: "case=revoked", spoil: "UPDATE sessions SET revoked_at = now() WHERE id = $1", want: ports.ErrNotFound},
		{name: "case=idle expired", spoil: "UPDATE sessions SET idle_expires_at = now() - interval '1 second' WHERE id = $1", want: ports.ErrNotFound},
		{name: "case=absolute expired", spoil: "UPDATE sessions SET idle_expires_at = now() - interval '1 second', expires_at = now() - interval '1 second' WHERE id = $1", want: ports.ErrNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t)
			u, s, ns := f.register(t, "ada@example.com")
			if tt.spoil != "" {
				f.exec(t, tt.spoil, s.ID)
			}
			ident, err := f.sessions.Validate(context.Background(), ns.TokenHash)
			if !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
			if tt.want == nil && (ident.ID != s.ID || ident.UserID != u.ID || ident.Email != u.Email || ident.AAL != ports.AAL1) {
				t.Errorf("identity = %+v", ident)
			}
		})
	}
}

func TestSessionsValidateUnknownToken(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.register(t, "ada@example.com")
	if _, err := f.sessions.Validate(context.Background(), tokenHash(t)); !errors.Is(err, ports.ErrNotFound) {
		t.Errorf("err = %v, want ErrNotFound", err)
	}
}

func TestSessionsValidateNeverWrites(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	_, _, ns := f.register(t, "ada@example.com")
	var before, after int64
	read := func(dst *int64) {
		// n_tup_upd counts every row update the table has seen.
		if err := f.pool.QueryRow(ctx, "SELECT pg_stat_get_xact_tuples_updated('sessions'::regclass) + pg_stat_get_tuples_updated('sessions'::regclass)").Scan(dst); err != nil {
			t.Fatal(err)
		}
	}
	var xminBefore, xminAfter string
	if err := f.pool.QueryRow(ctx, "SELECT xmin::text FROM sessions").Scan(&xminBefore); err != nil {
		t.Fatal(err)
	}
	read(&before)
	for range 10 {
		if _, err := f.sessions.Validate(ctx, ns.TokenHash); err != nil {
			t.Fatal(err)
		}
	}
	read(&after)
	if err := f.pool.QueryRow(ctx, "SELECT xmin::text FROM sessions").Scan(&xminAfter); err != nil {
		t.Fatal(err)
	}
	if xminBefore != xminAfter || before != after {
		t.Errorf("validating wrote to sessions (xmin %s -> %s, updates %d -> %d)", xminBefore, xminAfter, before, after)
	}
}

func TestSessionsCreateClampsIdleToAbsolute(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	u, _, _ := f.register(t, "ada@example.com")
	ns := newSession(t, u.ID)
	ns.IdleTimeout, ns.AbsoluteTimeout = 2*time.Hour, time.Hour
	s, err := f.sessions.Create(context.Background(), ns)
	if err != nil {
		t.Fatal(err)
	}
	if !s.IdleExpiresAt.Equal(s.ExpiresAt) || s.EffectiveExpiry() != s.ExpiresAt {
		t.Errorf("idle %v, absolute %v: idle expiry must not pass the absolute one", s.IdleExpiresAt, s.ExpiresAt)
	}
}

func TestSessionsStoreOnlyTheHash(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	_, _, ns := f.register(t, "ada@example.com")
	var stored []byte
	if err := f.pool.QueryRow(context.Background(), "SELECT token_hash FROM sessions").Scan(&stored); err != nil {
		t.Fatal(err)
	}
	if string(stored) != string(ns.TokenHash) {
		t.Errorf("stored %x, want the hash %x", stored, ns.TokenHash)
	}
	// The schema refuses anything that is not a SHA-256.
	u, _, _ := f.register(t, "bob@example.com")
	bad := newSession(t, u.ID)
	bad.TokenHash = []byte("a plaintext token")
	if _, err := f.sessions.Create(context.Background(), bad); err == nil {
		t.Error("a non-hash token was stored")
	}
}

func TestSessionsRevoke(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	_, s, ns := f.register(t, "ada@example.com")
	if err := f.sessions.Revoke(ctx, s.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := f.sessions.Validate(ctx, ns.TokenHash); !errors.Is(err, ports.ErrNotFound) {
		t.Errorf("revoked session validates: %v", err)
	}
	if err := f.sessions.Revoke(ctx, s.ID); !errors.Is(err, ports.ErrNotFound) {
		t.Errorf("second revoke err = %v, want ErrNotFound", err)
	}
	if err := f.sessions.Revoke(ctx, uuid.New()); !errors.Is(err, ports.ErrNotFound) {
		t.Errorf("unknown revoke err = %v, want ErrNotFound", err)
	}
}

func TestUnreachableDatabaseIsUnavailable(t *testing.T) {
	t.Parallel()
	// Nothing listens on port 1: every call fails to connect.
	pool, err := pgxpool.New(context.Background(), "postgres://auth:auth@127.0.0.1:1/auth?sslmode=disable&connect_timeout=2")
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	ctx := context.Background()
	sessions, users := repositories.NewSessions(pool), repositories.NewUsers(pool)
	checks := map[string]error{
		"validate": func() error { _, err := sessions.Validate(ctx, tokenHash(t)); return err }(),
		"by email": func() error { _, err := users.ByEmail(ctx, "a@b.c"); return err }(),
		"register": func() error {
			_, _, err := users.Register(ctx, ports.NewUser{Email: "a@b.c", PasswordHash: []byte("x")}, newSession(t, [16]byte{}))
			return err
		}(),
	}
	for name, err := range checks {
		if !errors.Is(err, ports.ErrUnavailable) {
			t.Errorf("%s: err = %v, want ErrUnavailable", name, err)
		}
	}
}
