package main

import (
	"net/http"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeClock is the TOTP clock of a test stack; tests move it.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newFakeClock() *fakeClock {
	return &fakeClock{t: time.Date(2026, 11, 28, 12, 0, 5, 0, time.UTC)}
}

func (c *fakeClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// advance moves the clock to the next 30-second step.
func (c *fakeClock) advance() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(30 * time.Second)
}

// oathtool computes the TOTP code of secret at the clock's time with the
// independent reference implementation (Debian's oathtool).
func oathtool(t testing.TB, secret string, at time.Time) string {
	t.Helper()
	out, err := exec.Command("oathtool", "--totp", "-b", "-N", at.UTC().Format("2006-01-02 15:04:05 UTC"), secret).Output()
	if err != nil {
		t.Fatalf("oathtool (install it with scripts/install-deps.sh oathtool): %v", err)
	}
	return strings.TrimSpace(string(out))
}

// login signs in and returns the session token.
func (s *stack) login(t testing.TB, email, password string) (string, response) {
	t.Helper()
	r := s.do(t, "POST", "/auth/login", map[string]string{"email": email, "password": password}, nil)
	if r.status != http.StatusOK {
		t.Fatalf("login: %d %s", r.status, r.raw)
	}
	return r.sessionCookie(s.cfg.SessionCookieName()).Value, r
}

// enrolled is a user with TOTP active.
type enrolled struct {
	email, password string
	secret          string
	backupCodes     []string
	// token is an aal2 session.
	token string
}

// enroll registers a user and activates TOTP with a code of the clock.
func (s *stack) enroll(t testing.TB, clock *fakeClock, email string) enrolled {
	t.Helper()
	const password = testPassword
	token := s.register(t, email, password)
	gen := s.do(t, "POST", "/auth/totp/generate", nil, bearer(token))
	if gen.status != http.StatusOK {
		t.Fatalf("totp/generate: %d %s", gen.status, gen.raw)
	}
	secret := gen.body["secret"].(string)
	ver := s.do(t, "POST", "/auth/totp/verify", map[string]string{"code": oathtool(t, secret, clock.now())}, bearer(token))
	if ver.status != http.StatusOK {
		t.Fatalf("totp/verify: %d %s", ver.status, ver.raw)
	}
	var codes []string
	for _, c := range ver.body["backup_codes"].([]any) {
		codes = append(codes, c.(string))
	}
	return enrolled{email: email, password: password, secret: secret, backupCodes: codes,
		token: ver.sessionCookie(s.cfg.SessionCookieName()).Value}
}
