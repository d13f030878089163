package repositories_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/infrastructure/platform/services/auth/internal/ports"
)

func TestUsersRegister(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()

	u, s, ns := f.register(t, "ada@example.com")
	if u.Email != "ada@example.com" || u.MFAEnabled || u.ID == uuid.Nil {
		t.Fatalf("user = %+v", u)
	}
	if time.Since(u.CreatedAt) > time.Minute {
		t.Errorf("created_at = %v", u.CreatedAt)
	}
	if s.UserID != u.ID || s.AAL != ports.AAL1 {
		t.Errorf("session = %+v, want user %s at aal1", s, u.ID)
	}
	if got := s.ExpiresAt.Sub(s.CreatedAt); got != 12*time.Hour {
		t.Errorf("absolute lifetime = %v, want 12h", got)
	}
	if got := s.IdleExpiresAt.Sub(s.CreatedAt); got != 30*time.Minute {
		t.Errorf("idle lifetime = %v, want 30m", got)
	}
	ident, err := f.sessions.Validate(ctx, ns.TokenHash)
	if err != nil {
		t.Fatalf("the first session does not validate: %v", err)
	}
	if ident.ID != s.ID || ident.Email != u.Email {
		t.Errorf("identity = %+v", ident)
	}

	got, err := f.users.ByEmail(ctx, "ada@example.com")
	if err != nil || got.ID != u.ID || string(got.PasswordHash) != "$2a$04$hash" {
		t.Errorf("ByEmail = %+v, %v", got, err)
	}
	byID, err := f.users.ByID(ctx, u.ID)
	if err != nil || byID != u {
		t.Errorf("ByID = %+v, %v; want %+v", byID, err, u)
	}
}

func TestUsersRegisterEmailTaken(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	f.register(t, "ada@example.com")

	_, _, err := f.users.Register(ctx, ports.NewUser{Email: "ada@example.com", PasswordHash: []byte("x")}, newSession(t, [16]byte{}))
	if !errors.Is(err, ports.ErrEmailTaken) {
		t.Fatalf("err = %v, want ErrEmailTaken", err)
	}
	// Nothing half-written: one user, one session.
	var users, sessions int
	if err := f.pool.QueryRow(ctx, "SELECT (SELECT count(*) FROM users), (SELECT count(*) FROM sessions)").Scan(&users, &sessions); err != nil {
		t.Fatal(err)
	}
	if users != 1 || sessions != 1 {
		t.Errorf("users = %d, sessions = %d; want 1 and 1", users, sessions)
	}
}

func TestUsersRegisterConcurrentSameEmail(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	const n = 20
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() {
			_, _, errs[i] = f.users.Register(context.Background(),
				ports.NewUser{Email: "race@example.com", PasswordHash: []byte("x")}, newSession(t, [16]byte{}))
		})
	}
	wg.Wait()
	ok := 0
	for _, err := range errs {
		switch {
		case err == nil:
			ok++
		case !errors.Is(err, ports.ErrEmailTaken):
			t.Errorf("unexpected error: %v", err)
		}
	}
	if ok != 1 {
		t.Errorf("%d registrations succeeded, want exactly 1", ok)
	}
}

func TestUsersRejectsUnnormalizedEmail(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	// The service normalizes; the database refuses anything else, so two
	// spellings of one address can never both exist.
	_, _, err := f.users.Register(context.Background(), ports.NewUser{Email: "Ada@Example.com", PasswordHash: []byte("x")}, newSession(t, [16]byte{}))
	if err == nil {
		t.Fatal("an unnormalized email was stored")
	}
}

func TestUsersNotFound(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	if _, err := f.users.ByEmail(ctx, "nobody@example.com"); !errors.Is(err, ports.ErrNotFound) {
		t.Errorf("ByEmail err = %v, want ErrNotFound", err)
	}
	if _, err := f.users.ByID(ctx, uuid.New()); !errors.Is(err, ports.ErrNotFound) {
		t.Errorf("ByID err = %v, want ErrNotFound", err)
	}
}
