package main

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	genpb "github.com/infrastructure/platform/services/auth/gen/grpc/auth/pb"
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
	s.register(t, "ada@example.com", testPassword)
	attacker := "198.51.100.66"
	for i := range 3 {
		if r := s.do(t, "POST", "/auth/login", creds("ada@example.com", fmt.Sprint("wrong-password-", i)), from(attacker, nil)); r.status != http.StatusUnauthorized {
			t.Fatalf("failure %d: %d %s", i, r.status, r.raw)
		}
	}
	// Past the limit, even the right password is refused, with an
	// accurate Retry-After.
	start := time.Now()
	r := s.do(t, "POST", "/auth/login", creds("ada@example.com", testPassword), from(attacker, nil))
	wait := retryAfter(t, r)
	if wait > 3*time.Second {
		t.Errorf("Retry-After %v exceeds the window", wait)
	}
	// An unknown email is its own account: not limited by ada's failures.
	if r := s.do(t, "POST", "/auth/login", creds("bob@example.com", testPassword), from(attacker, nil)); r.status != http.StatusUnauthorized {
		t.Errorf("another account: %d", r.status)
	}
	waitOut(wait - time.Since(start))
	if r := s.do(t, "POST", "/auth/login", creds("ada@example.com", testPassword), from(attacker, nil)); r.status != http.StatusOK {
		t.Errorf("after Retry-After: %d %s", r.status, r.raw)
	}
}

// TestLockoutSparesKnownAddresses: strangers exhausting an account's
// budget do not lock out the user at an address that signed in before.
func TestLockoutSparesKnownAddresses(t *testing.T) {
	t.Parallel()
	s := startStack(t, map[string]string{"THROTTLE_LOGIN_FAILURES": "3", "THROTTLE_LOGIN_WINDOW": "1h", "TRUSTED_PROXIES": "127.0.0.1/32"})
	s.register(t, "ada@example.com", testPassword)
	home, attacker, elsewhere := "203.0.113.10", "198.51.100.66", "192.0.2.99"
	if r := s.do(t, "POST", "/auth/login", creds("ada@example.com", testPassword), from(home, nil)); r.status != http.StatusOK {
		t.Fatalf("first login: %d", r.status)
	}
	for i := range 5 {
		s.do(t, "POST", "/auth/login", creds("ada@example.com", fmt.Sprint("guess-number-", i)), from(attacker, nil))
	}
	retryAfter(t, s.do(t, "POST", "/auth/login", creds("ada@example.com", "guessing"), from(attacker, nil)))
	// A stranger's address shares the strangers' budget...
	retryAfter(t, s.do(t, "POST", "/auth/login", creds("ada@example.com", testPassword), from(elsewhere, nil)))
	// ...but the user's own address still signs in.
	if r := s.do(t, "POST", "/auth/login", creds("ada@example.com", testPassword), from(home, nil)); r.status != http.StatusOK {
		t.Errorf("the user was locked out at home: %d %s", r.status, r.raw)
	}
	// The user sees the attack in their activity, newest first.
	login := s.do(t, "POST", "/auth/login", creds("ada@example.com", testPassword), from(home, nil))
	act := s.do(t, "GET", "/auth/activity", nil, bearer(login.sessionCookie("__Host-session").Value))
	events := act.body["events"].([]any)
	if act.status != http.StatusOK || len(events) < 9 {
		t.Fatalf("activity: %d %s", act.status, act.raw)
	}
	first := events[0].(map[string]any)
	if first["kind"] != "login" || first["success"] != true || first["ip"] != home {
		t.Errorf("newest event = %v", first)
	}
	failures, rows := 0, 0
	for _, e := range events {
		if m := e.(map[string]any); m["ip"] == attacker && m["success"] == false {
			failures += int(m["repeats"].(float64))
			rows++
		}
	}
	// Three failures, then three refusals recorded as one event.
	if failures != 6 || rows != 4 {
		t.Errorf("activity shows %d failed attempts from the attacker in %d events, want 6 in 4", failures, rows)
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
		s.do(t, "POST", "/auth/login", creds(fmt.Sprintf("user%d@example.com", i), testPassword), from("198.51.100.1", nil))
	}
	retryAfter(t, s.do(t, "POST", "/auth/login", creds("user9@example.com", testPassword), from("198.51.100.1", nil)))
	// Registrations per address.
	for i := range 2 {
		if r := s.do(t, "POST", "/auth/register", creds(fmt.Sprintf("new%d@example.com", i), testPassword), from("198.51.100.2", nil)); r.status != http.StatusCreated {
			t.Fatalf("registration %d: %d", i, r.status)
		}
	}
	retryAfter(t, s.do(t, "POST", "/auth/register", creds("new9@example.com", testPassword), from("198.51.100.2", nil)))
	if r := s.do(t, "POST", "/auth/register", creds("new9@example.com", testPassword), from("198.51.100.3", nil)); r.status != http.StatusCreated {
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
	retryAfter(t, s.do(t, "POST", "/auth/login", creds("user9@example.com", testPassword), from("198.51.100.9", nil)))
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
	var recorded, rows int
	conn := rawConn(t, dbURL)
	if err := conn.QueryRow(context.Background(), "SELECT sum(repeats), count(*) FROM auth_attempts WHERE kind = 'totp' AND created_at > now() - interval '1 minute'").Scan(&recorded, &rows); err != nil || recorded < 50 {
		t.Errorf("%d attempts recorded (%v), want every one of the 50", recorded, err)
	}
	// The 45 refusals share one row (they came within a minute).
	if rows > 7 {
		t.Errorf("%d rows for 50 attempts, want the refusals aggregated", rows)
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
	r := s.do(t, "POST", "/auth/register", creds("ada@example.com", testPassword), map[string]string{"Origin": "https://app.example.com"})
	if r.status != http.StatusCreated || r.header.Get("Access-Control-Allow-Origin") != "https://app.example.com" {
		t.Errorf("cross-origin register: %d %v", r.status, r.header)
	}
}

// TestRotatingIPv6Addresses: an attacker rotating through the addresses
// of one /64 (behind a trusted proxy's X-Forwarded-For) shares one budget;
// another /64 has its own.
func TestRotatingIPv6Addresses(t *testing.T) {
	t.Parallel()
	s := startStack(t, map[string]string{"THROTTLE_IP_FAILURES": "4", "THROTTLE_IP_WINDOW": "1h", "TRUSTED_PROXIES": "127.0.0.1/32"})
	for i := range 4 {
		ip := fmt.Sprintf("2001:db8:42:7:%x:%x::1", i*7919+1, i+3)
		if r := s.do(t, "POST", "/auth/login", creds(fmt.Sprint("user", i, "@example.com"), "wrong-password"), from(ip, nil)); r.status != http.StatusUnauthorized {
			t.Fatalf("failure %d from %s: %d %s", i, ip, r.status, r.raw)
		}
	}
	retryAfter(t, s.do(t, "POST", "/auth/login", creds("another@example.com", "wrong-password"), from("2001:db8:42:7:ffff:ffff:ffff:fffe", nil)))
	if r := s.do(t, "POST", "/auth/login", creds("another@example.com", "wrong-password"), from("2001:db8:42:8::1", nil)); r.status != http.StatusUnauthorized {
		t.Errorf("a neighbouring /64: %d %s, want its own budget (401)", r.status, r.raw)
	}
}

// TestSecondFactorLockout: after THROTTLE_LOCKOUT_FAILURES consecutive
// wrong codes, even a right TOTP code or backup code answers 423 until an
// operator's UnlockUser; the user sees it in the activity.
func TestSecondFactorLockout(t *testing.T) {
	t.Parallel()
	clock := newFakeClock()
	s := newStack(t, stackOptions{now: clock.now, env: map[string]string{"THROTTLE_LOCKOUT_FAILURES": "3", "THROTTLE_SECOND_FACTOR_FAILURES": "1000"}})
	u := s.enroll(t, clock, "ada@example.com")
	aal1, _ := s.login(t, u.email, u.password)
	verify := func(path, code string) response {
		return s.do(t, "POST", path, map[string]string{"code": code}, bearer(aal1))
	}
	for i := range 3 {
		if r := verify("/auth/totp/verify", "000000"); r.status != http.StatusUnauthorized {
			t.Fatalf("wrong code %d: %d %s", i, r.status, r.raw)
		}
	}
	clock.advance()
	for _, try := range []struct{ path, code string }{
		{"/auth/totp/verify", oathtool(t, u.secret, clock.now())},
		{"/auth/backup/verify", u.backupCodes[0]},
	} {
		r := verify(try.path, try.code)
		if r.status != http.StatusLocked || r.body["name"] != "second_factor_locked" {
			t.Errorf("%s with a right code while locked: %d %s, want 423 second_factor_locked", try.path, r.status, r.raw)
		}
	}
	act := s.do(t, "GET", "/auth/activity", nil, bearer(u.token))
	if !strings.Contains(act.raw, `"second_factor_locked"`) {
		t.Errorf("the activity does not show the lock: %s", act.raw)
	}

	// UnlockUser is an admin call (allowed in these tests); an unknown
	// user is NotFound.
	ident, err := s.grpc.ValidateSession(context.Background(), &genpb.ValidateSessionRequest{Token: aal1})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.grpc.UnlockUser(context.Background(), &genpb.UnlockUserRequest{UserId: uuid.NewString()}); status.Code(err) != codes.NotFound {
		t.Errorf("UnlockUser of an unknown user: %v", err)
	}
	if _, err := s.grpc.UnlockUser(context.Background(), &genpb.UnlockUserRequest{UserId: ident.UserId}); err != nil {
		t.Fatal(err)
	}
	if r := verify("/auth/totp/verify", oathtool(t, u.secret, clock.now())); r.status != http.StatusOK {
		t.Errorf("a right code after UnlockUser: %d %s", r.status, r.raw)
	}
}
