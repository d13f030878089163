package repositories_test

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/infrastructure/platform/services/auth/internal/database/dbtest"
	"github.com/infrastructure/platform/services/auth/internal/ports"
	"github.com/infrastructure/platform/services/auth/internal/repositories"
)

// fixture is a fresh database with both repositories over it.
type fixture struct {
	pool     *pgxpool.Pool
	users    *repositories.Users
	sessions *repositories.Sessions
}

func newFixture(t *testing.T) fixture {
	t.Helper()
	pool := dbtest.NewPool(t)
	return fixture{pool: pool, users: repositories.NewUsers(pool), sessions: repositories.NewSessions(pool)}
}

// tokenHash returns the hash of a random token, as the controllers make it.
func tokenHash(t *testing.T) []byte {
	t.Helper()
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	sum := sha256.Sum256(b)
	return sum[:]
}

func newSession(t *testing.T, userID [16]byte) ports.NewSession {
	t.Helper()
	return ports.NewSession{
		UserID:          userID,
		TokenHash:       tokenHash(t),
		AAL:             ports.AAL1,
		IdleTimeout:     30 * time.Minute,
		AbsoluteTimeout: 12 * time.Hour,
	}
}

// register creates a user with a session and returns both.
func (f fixture) register(t *testing.T, email string) (ports.User, ports.Session, ports.NewSession) {
	t.Helper()
	ns := newSession(t, [16]byte{})
	u, s, err := f.users.Register(context.Background(), ports.NewUser{Email: email, PasswordHash: []byte("$2a$04$hash")}, ns)
	if err != nil {
		t.Fatalf("register %s: %v", email, err)
	}
	return u, s, ns
}

// exec runs an operator statement on the test database.
func (f fixture) exec(t *testing.T, sql string, args ...any) {
	t.Helper()
	if _, err := f.pool.Exec(context.Background(), sql, args...); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}
