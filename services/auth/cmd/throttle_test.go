package main

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/infrastructure/platform/services/auth/internal/database/dbtest"
)

// from makes a request look as if it came from ip through the trusted
// proxy (the test client on 127.0.0.1).
func from(ip string, h map[string]string) map[string]string {
	out := map[string]string{"X-Forwarded-For": ip}
	for k, v := range h {
		out[k] = v
	}
	return out
}

func creds(email, password string) map[string]string {
	return map[string]string{"email": email, "password": password}
}

// retryAfter reads the Retry-After header of a 429.
func retryAfter(t *testing.T, r response) time.Duration {
	t.Helper()
	if r.status != http.StatusTooManyRequests || r.body["name"] != "rate_limited" {
		t.Fatalf("got %d %s, want 429 rate_limited", r.status, r.raw)
	}
	secs, err := strconv.Atoi(r.header.Get("Retry-After"))
	if err != nil || secs < 1 {
		t.Fatalf("Retry-After = %q", r.header.Get("Retry-After"))
	}
	return time.Duration(secs) * time.Second
}

// waitOut sleeps until a limit with this Retry-After has freed.
func waitOut(d time.Duration) { time.Sleep(d + 100*time.Millisecond) }

func TestLoginLimitReachedAndFreed(t *testing.T) {
	t.Parallel()
	s := startStack(t, map[string]string{"THROTTLE_LOGIN_FAILURES": "3", "THROTTLE_LOGIN_WINDOW": "3s", "TRUSTED_PROXIES": "127.0.0.1/32"})
	s.register(t, "ada@example.com", "password1")
	attacker := "198.51.100.66"
	for i := range 3 {
		if r := s.do(t, "POST", "/auth/login", creds("ada@example.com", fmt.Sprint("wrong-password-", i)), from(attacker, nil)); r.status != http.StatusUnauthorized {
			t.Fatalf("failure %d: %d %s", i, r.status, r.raw)
		}
	}
	// Past the limit, even the right password is refused, with an
	// accurate Retry-After.
	start := time.Now()
	r := s.do(t, "POST", "/auth/login", creds("ada@example.com", "password1"), from(attacker, nil))
	wait := retryAfter(t, r)
	if wait > 3*time.Second {
		t.Errorf("Retry-After %v exceeds the window", wait)
	}
	// An unknown email is its own account: not limited by ada's failures.
	if r := s.do(t, "POST", "/auth/login", creds("bob@example.com", "password1"), from(attacker, nil)); r.status != http.StatusUnauthorized {
		t.Errorf("another account: %d", r.status)
	}
	waitOut(wait - time.Since(start))
	if r := s.do(t, "POST", "/auth/login", creds("ada@example.com", "password1"), from(attacker, nil)); r.status != http.StatusOK {
		t.Errorf("after Retry-After: %d %s", r.status, r.raw)
	}
}

// TestLockoutSparesKnownAddresses: strangers exhausting an account's
// budget do not lock out the user at an address that signed in before.
func TestLockoutSparesKnownAddresses(t *testing.T) {
	t.Parallel()
	s := startStack(t, map[string]string{"THROTTLE_LOGIN_FAILURES": "3", "THROTTLE_LOGIN_WINDOW": "1h", "TRUSTED_PROXIES": "127.0.0.1/32"})
	s.register(t, "ada@example.com", "password1")
	home, attacker, elsewhere := "203.0.113.10", "198.51.100.66", "192.0.2.99"
	if r := s.do(t, "POST", "/auth/login", creds("ada@example.com", "password1"), from(home, nil)); r.status != http.StatusOK {
		t.Fatalf("first login: %d", r.status)
	}
	for i := range 5 {
		s.do(t, "POST", "/auth/login", creds("ada@example.com", fmt.Sprint("guess-number-", i)), from(attacker, nil))
	}
	retryAfter(t, s.do(t, "POST", "/auth/login", creds("ada@example.com", "guessing"), from(attacker, nil)))
	// A stranger's address shares the strangers' budget...
	retryAfter(t, s.do(t, "POST", "/auth/login", creds("ada@example.com", "password1"), from(elsewhere, nil)))
	// ...but the user's own address still signs in.
	if r := s.do(t, "POST", "/auth/login", creds("ada@example.com", "password1"), from(home, nil)); r.status != http.StatusOK {
		t.Errorf("the user was locked out at home: %d %s", r.status, r.raw)
	}
	// The user sees the attack in their activity, newest first.
	login := s.do(t, "POST", "/auth/login", creds("ada@example.com", "password1"), from(home, nil))
	act := s.do(t, "GET", "/auth/activity", nil, bearer(login.sessionCookie("__Host-session").Value))
	events := act.body["events"].([]any)
	if act.status != http.StatusOK || len(events) < 9 {
		t.Fatalf("activity: %d %s", act.status, act.raw)
	}
	first := events[0].(map[string]any)
	if first["kind"] != "login" || first["success"] != true || first["ip"] != home {
		t.Errorf("newest event = %v", first)
	}
	failures := 0
	for _, e := range events {
		if m := e.(map[string]any); m["ip"] == attacker && m["success"] == false {
			failures++
		}
	}
	if failures != 6 {
		t.Errorf("activity shows %d failed attempts from the attacker, want 6", failures)
	}
}

func TestSecondFactorLimitIsSeparateFromPassword(t *testing.T) {
	t.Parallel()
	clock := newFakeClock()
	s := newStack(t, stackOptions{now: clock.now, env: map[string]string{"THROTTLE_SECOND_FACTOR_FAILURES": "2", "THROTTLE_SECOND_FACTOR_WINDOW": "1h"}})
	u := s.enroll(t, clock, "ada@example.com")
	aal1, _ := s.login(t, u.email, u.password)
	clock.advance()
	if r := s.do(t, "POST", "/auth/totp/verify", map[string]string{"code": "000000"}, bearer(aal1)); r.status != http.StatusUnauthorized {
		t.Fatalf("wrong code: %d", r.status)
	}
	if r := s.do(t, "POST", "/auth/backup/verify", map[string]string{"code": "00000-00000"}, bearer(aal1)); r.status != http.StatusUnauthorized {
		t.Fatalf("wrong backup code: %d", r.status)
	}
	// TOTP and backup codes share the second factor's budget; a right
	// code does not pass.
	retryAfter(t, s.do(t, "POST", "/auth/totp/verify", map[string]string{"code": oathtool(t, u.secret, clock.now())}, bearer(aal1)))
	retryAfter(t, s.do(t, "POST", "/auth/backup/verify", map[string]string{"code": u.backupCodes[0]}, bearer(aal1)))
	// The password is another factor: still fine.
	if _, r := s.login(t, u.email, u.password); r.body["mfa_required"] != true {
		t.Errorf("login: %s", r.raw)
	}
}

func TestPerAddressLimits(t *testing.T) {
	t.Parallel()
	s := startStack(t, map[string]string{
		"THROTTLE_IP_FAILURES": "4", "THROTTLE_IP_WINDOW": "1h",
		"THROTTLE_REGISTRATIONS": "2", "THROTTLE_REGISTRATION_WINDOW": "1h",
		"TRUSTED_PROXIES": "127.0.0.1/32",
	})
	// Failures spread over many accounts from one address.
	for i := range 4 {
		s.do(t, "POST", "/auth/login", creds(fmt.Sprintf("user%d@example.com", i), "password1"), from("198.51.100.1", nil))
	}
	retryAfter(t, s.do(t, "POST", "/auth/login", creds("user9@example.com", "password1"), from("198.51.100.1", nil)))
	// Registrations per address.
	for i := range 2 {
		if r := s.do(t, "POST", "/auth/register", creds(fmt.Sprintf("new%d@example.com", i), "password1"), from("198.51.100.2", nil)); r.status != http.StatusCreated {
			t.Fatalf("registration %d: %d", i, r.status)
		}
	}
	retryAfter(t, s.do(t, "POST", "/auth/register", creds("new9@example.com", "password1"), from("198.51.100.2", nil)))
	if r := s.do(t, "POST", "/auth/register", creds("new9@example.com", "password1"), from("198.51.100.3", nil)); r.status != http.StatusCreated {
		t.Errorf("another address: %d", r.status)
	}
}

// TestForwardedForNeedsATrustedProxy: a client cannot escape the per-IP
// limit by sending X-Forwarded-For itself.
func TestForwardedForNeedsATrustedProxy(t *testing.T) {
	t.Parallel()
	s := startStack(t, map[string]string{"THROTTLE_IP_FAILURES": "3", "THROTTLE_IP_WINDOW": "1h"})
	for i := range 3 {
		s.do(t, "POST", "/auth/login", creds(fmt.Sprintf("user%d@example.com", i), "x"+fmt.Sprint(i)+"xxxxxxx"), from(fmt.Sprintf("198.51.100.%d", i), nil))
	}
	retryAfter(t, s.do(t, "POST", "/auth/login", creds("user9@example.com", "password1"), from("198.51.100.9", nil)))
}

// TestBurstAcrossThreeInstances: 50 concurrent wrong codes for one account
// on three instances sharing a database: at most the limit is evaluated.
func TestBurstAcrossThreeInstances(t *testing.T) {
	t.Parallel()
	clock := newFakeClock()
	dbURL := dbtest.New(t)
	var replicas []*stack
	for range 3 {
		replicas = append(replicas, newStack(t, stackOptions{dbURL: dbURL, now: clock.now}))
	}
	u := replicas[0].enroll(t, clock, "ada@example.com")
	aal1, _ := replicas[0].login(t, u.email, u.password)
	clock.advance()

	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		statuses = map[int]int{}
		start    = make(chan struct{})
	)
	for i := range 50 {
		s := replicas[i%3]
		wg.Go(func() {
			<-start
			r := s.do(t, "POST", "/auth/totp/verify", map[string]string{"code": "000000"}, bearer(aal1))
			mu.Lock()
			statuses[r.status]++
			mu.Unlock()
		})
	}
	close(start)
	wg.Wait()
	if statuses[http.StatusUnauthorized] != 5 || statuses[http.StatusTooManyRequests] != 45 {
		t.Errorf("50 concurrent wrong codes: %v, want exactly five 401 (the limit) and forty-five 429", statuses)
	}
	var recorded int
	conn := rawConn(t, dbURL)
	if err := conn.QueryRow(context.Background(), "SELECT count(*) FROM auth_attempts WHERE kind = 'totp'").Scan(&recorded); err != nil || recorded < 50 {
		t.Errorf("%d attempts recorded (%v), want every one of the 50", recorded, err)
	}
}

func TestCORS(t *testing.T) {
	t.Parallel()
	s := startStack(t, map[string]string{"CORS_ALLOWED_ORIGINS": "https://app.example.com"})
	preflight := func(origin string) response {
		return s.do(t, "OPTIONS", "/auth/login", nil, map[string]string{
			"Origin": origin, "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "content-type",
		})
	}
	ok := preflight("https://app.example.com")
	if ok.header.Get("Access-Control-Allow-Origin") != "https://app.example.com" || ok.header.Get("Access-Control-Allow-Credentials") != "true" {
		t.Errorf("allowed origin preflight: %d %v", ok.status, ok.header)
	}
	if bad := preflight("https://evil.example"); bad.header.Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("a foreign origin got CORS headers: %v", bad.header)
	}
	// A real cross-origin request from the allowed origin is readable.
	r := s.do(t, "POST", "/auth/register", creds("ada@example.com", "password1"), map[string]string{"Origin": "https://app.example.com"})
	if r.status != http.StatusCreated || r.header.Get("Access-Control-Allow-Origin") != "https://app.example.com" {
		t.Errorf("cross-origin register: %d %v", r.status, r.header)
	}
}
