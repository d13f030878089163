package main

import (
	"context"
	"net/http"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/infrastructure/platform/services/auth/internal/mail/mailtest"
)

// newPassword is another password that the screening accepts.
const newPassword = "quiet harbour lantern 7"

// lifecycleStack is a stack that mails to its own SMTP catcher, its links
// pointing to publicURL.
func lifecycleStack(t *testing.T, clock *fakeClock, env map[string]string) (*stack, *mailtest.Server) {
	t.Helper()
	smtp := mailtest.Start(t)
	vars := map[string]string{"SMTP_URL": "smtp://" + smtp.Addr, "PUBLIC_URL": publicURL}
	for k, v := range env {
		vars[k] = v
	}
	o := stackOptions{env: vars}
	if clock != nil {
		o.now = clock.now
	}
	return newStack(t, o), smtp
}

const publicURL = "https://auth.example.com"

// linkToken waits for the n-th message (from 1) to the address whose data
// holds subject, follows its link to page and returns the token of the
// link's fragment.
func linkToken(t *testing.T, smtp *mailtest.Server, to, subject, page string, n int) string {
	t.Helper()
	ms, ok := smtp.WaitN(to, n, mailWait, "Subject: "+subject)
	if !ok {
		t.Fatalf("%d message(s) %q to %s: got %d", n, subject, to, len(ms))
	}
	link, err := ms[n-1].Link(publicURL + page)
	if err != nil {
		t.Fatal(err)
	}
	token, ok := strings.CutPrefix(link, publicURL+page+"#token=")
	if !ok || len(token) != 43 {
		t.Fatalf("link %q: want the token in the fragment", link)
	}
	return token
}

// requireError fails unless r is the error name with status.
func requireError(t *testing.T, r response, status int, name string) {
	t.Helper()
	if r.status != status || r.body["name"] != name {
		t.Fatalf("got %d %s; want %d %s", r.status, r.raw, status, name)
	}
}

// TestPasswordChange: the current password again (a wrong one is a failed
// login), a screened new one; on success this session lives on under a new
// token, every other session ends at once (a sibling's cache included), the
// activity shows it and a notice is mailed.
func TestPasswordChange(t *testing.T) {
	t.Parallel()
	s, smtp := lifecycleStack(t, nil, nil)
	const email = "ada@example.com"
	token := s.register(t, email, testPassword)
	other, _ := s.login(t, email, testPassword)
	c := newClient(t, s)
	if _, err := c.Validate(context.Background(), other); err != nil {
		t.Fatalf("validate the other session: %v", err)
	}

	change := func(current, next string) response {
		return s.do(t, "POST", "/auth/password/change", map[string]string{"current_password": current, "new_password": next}, bearer(token))
	}
	requireError(t, change("not the password", newPassword), http.StatusUnauthorized, "invalid_credentials")
	r := change(testPassword, "password")
	requireError(t, r, http.StatusBadRequest, "weak_password")
	if strings.Contains(r.raw, `"password"`) {
		t.Errorf("the message echoes the password: %s", r.raw)
	}
	requireError(t, change(testPassword, "short"), http.StatusBadRequest, "weak_password")

	r = change(testPassword, newPassword)
	if r.status != http.StatusOK || r.body["aal"] != "aal1" || r.body["session_id"] == nil || r.body["session_token"] != nil {
		t.Fatalf("change: %d %s", r.status, r.raw)
	}
	cookie := r.sessionCookie(s.cfg.SessionCookieName())
	if cookie == nil || cookie.Value == "" || cookie.Value == token {
		t.Fatalf("change: want a new session cookie, got %v", cookie)
	}
	if got := s.do(t, "GET", "/auth/profile", nil, bearer(token)); got.status != http.StatusUnauthorized {
		t.Errorf("the old token: %d, want 401", got.status)
	}
	if got := s.do(t, "GET", "/auth/profile", nil, bearer(other)); got.status != http.StatusUnauthorized {
		t.Errorf("the other session: %d, want 401", got.status)
	}
	if _, err := c.Validate(context.Background(), other); err == nil {
		t.Error("the sibling's cache still vouches for the other session")
	}
	if got := s.do(t, "GET", "/auth/profile", nil, bearer(cookie.Value)); got.status != http.StatusOK {
		t.Errorf("the new token: %d %s", got.status, got.raw)
	}
	if got := s.do(t, "POST", "/auth/login", creds(email, testPassword), nil); got.status != http.StatusUnauthorized {
		t.Errorf("the old password: %d, want 401", got.status)
	}
	s.login(t, email, newPassword)

	act := s.do(t, "GET", "/auth/activity", nil, bearer(cookie.Value))
	kinds := map[string]int{}
	for _, e := range act.body["events"].([]any) {
		ev := e.(map[string]any)
		kinds[ev["kind"].(string)+"/"+map[bool]string{true: "ok", false: "failed"}[ev["success"].(bool)]]++
	}
	if kinds["password_changed/ok"] != 1 || kinds["login/failed"] < 2 {
		t.Errorf("activity %v: want password_changed, and the wrong current password and the old one as failed logins", kinds)
	}
	if _, ok := smtp.Wait(email, mailWait, "Subject: Your password was changed"); !ok {
		t.Errorf("no notice of the change: %v", smtp.Messages())
	}
}

// TestEmailVerification: register mails a link whose token, posted back,
// proves the address once; resend is refused once it is proved.
func TestEmailVerification(t *testing.T) {
	t.Parallel()
	s, smtp := lifecycleStack(t, nil, nil)
	const email = "grace@example.com"
	session := s.register(t, email, testPassword)
	if p := s.do(t, "GET", "/auth/profile", nil, bearer(session)); p.body["email_verified"] != false {
		t.Fatalf("profile before: %s", p.raw)
	}
	token := linkToken(t, smtp, email, "Verify your email address", "/verify-email", 1)

	requireError(t, s.do(t, "POST", "/auth/email/verify", map[string]string{"token": "nonsense"}, nil), http.StatusBadRequest, "invalid_token")
	requireError(t, s.do(t, "POST", "/auth/email/verify", map[string]string{"token": strings.Repeat("A", 43)}, nil), http.StatusBadRequest, "invalid_token")
	if r := s.do(t, "POST", "/auth/email/verify", map[string]string{"token": token}, nil); r.status != http.StatusNoContent {
		t.Fatalf("verify: %d %s", r.status, r.raw)
	}
	requireError(t, s.do(t, "POST", "/auth/email/verify", map[string]string{"token": token}, nil), http.StatusBadRequest, "invalid_token")
	if p := s.do(t, "GET", "/auth/profile", nil, bearer(session)); p.body["email_verified"] != true {
		t.Fatalf("profile after: %s", p.raw)
	}
	requireError(t, s.do(t, "POST", "/auth/email/verify/resend", nil, bearer(session)), http.StatusConflict, "email_already_verified")
	requireNoPlaintextToken(t, s, token)
}

// TestVerificationResendThrottled: resend mails a new link, within the
// limit on messages per account.
func TestVerificationResendThrottled(t *testing.T) {
	t.Parallel()
	s, smtp := lifecycleStack(t, nil, map[string]string{"THROTTLE_MAIL_PER_ACCOUNT": "2"})
	const email = "linus@example.com"
	session := s.register(t, email, testPassword)
	for range 2 {
		if r := s.do(t, "POST", "/auth/email/verify/resend", nil, bearer(session)); r.status != http.StatusAccepted || strings.TrimSpace(r.raw) != "{}" {
			t.Fatalf("resend: %d %q", r.status, r.raw)
		}
	}
	r := s.do(t, "POST", "/auth/email/verify/resend", nil, bearer(session))
	requireError(t, r, http.StatusTooManyRequests, "rate_limited")
	if r.header.Get("Retry-After") == "" {
		t.Error("429 without Retry-After")
	}
	// Every link works: the register's and both resent.
	linkToken(t, smtp, email, "Verify your email address", "/verify-email", 3)
}

// TestEmailVerificationRequired: with EMAIL_VERIFICATION_REQUIRED=true,
// register opens no session, login answers 403 email_unverified and mails
// a new link, and the account signs in once a link is followed.
func TestEmailVerificationRequired(t *testing.T) {
	t.Parallel()
	s, smtp := lifecycleStack(t, nil, map[string]string{"EMAIL_VERIFICATION_REQUIRED": "true"})
	const email = "barbara@example.com"
	r := s.do(t, "POST", "/auth/register", creds(email, testPassword), nil)
	if r.status != http.StatusCreated || r.body["email_verified"] != false {
		t.Fatalf("register: %d %s", r.status, r.raw)
	}
	if c := r.sessionCookie(s.cfg.SessionCookieName()); c != nil && c.Value != "" {
		t.Fatal("register opened a session")
	}
	requireError(t, s.do(t, "POST", "/auth/login", creds(email, testPassword), nil), http.StatusForbidden, "email_unverified")
	// A wrong password learns nothing about verification.
	requireError(t, s.do(t, "POST", "/auth/login", creds(email, "not the password"), nil), http.StatusUnauthorized, "invalid_credentials")
	token := linkToken(t, smtp, email, "Verify your email address", "/verify-email", 2)
	if r := s.do(t, "POST", "/auth/email/verify", map[string]string{"token": token}, nil); r.status != http.StatusNoContent {
		t.Fatalf("verify: %d %s", r.status, r.raw)
	}
	s.login(t, email, testPassword)
}

// TestPasswordReset: a forgotten password of an MFA user, with its second
// factor locked and a session open: the link's token (in the fragment)
// sets a screened password, ends every session, lifts the lock, proves the
// address, and works once; MFA still applies at the next login; a newer
// link voids the older; an expired link is refused.
func TestPasswordReset(t *testing.T) {
	t.Parallel()
	clock := newFakeClock()
	s, smtp := lifecycleStack(t, clock, map[string]string{
		"THROTTLE_LOCKOUT_FAILURES": "2", "THROTTLE_SECOND_FACTOR_FAILURES": "100",
	})
	u := s.enroll(t, clock, "margaret@example.com")
	aal1, _ := s.login(t, u.email, u.password)
	for range 2 {
		s.do(t, "POST", "/auth/totp/verify", map[string]string{"code": "000000"}, bearer(aal1))
	}
	clock.advance()
	requireError(t, s.do(t, "POST", "/auth/totp/verify", map[string]string{"code": oathtool(t, u.secret, clock.now())}, bearer(aal1)),
		http.StatusLocked, "second_factor_locked")

	forgot := func() {
		t.Helper()
		r := s.do(t, "POST", "/auth/password/forgot", map[string]string{"email": " Margaret@Example.com "}, nil)
		if r.status != http.StatusAccepted || strings.TrimSpace(r.raw) != "{}" {
			t.Fatalf("forgot: %d %q", r.status, r.raw)
		}
	}
	forgot()
	first := linkToken(t, smtp, u.email, "Reset your password", "/reset-password", 1)
	forgot()
	token := linkToken(t, smtp, u.email, "Reset your password", "/reset-password", 2)
	reset := func(token, password string) response {
		return s.do(t, "POST", "/auth/password/reset", map[string]string{"token": token, "new_password": password}, nil)
	}
	requireError(t, reset(first, newPassword), http.StatusBadRequest, "invalid_token")
	requireError(t, reset(token, "margaret.example"), http.StatusBadRequest, "weak_password")
	requireError(t, reset(token, "1234567"), http.StatusBadRequest, "weak_password")
	if r := reset(token, newPassword); r.status != http.StatusNoContent {
		t.Fatalf("reset: %d %s", r.status, r.raw)
	}
	requireError(t, reset(token, newPassword+"!"), http.StatusBadRequest, "invalid_token")

	for _, old := range []string{u.token, aal1} {
		if r := s.do(t, "POST", "/auth/session/refresh", nil, bearer(old)); r.status != http.StatusUnauthorized {
			t.Errorf("a session from before the reset: %d, want 401", r.status)
		}
	}
	if r := s.do(t, "POST", "/auth/login", creds(u.email, u.password), nil); r.status != http.StatusUnauthorized {
		t.Errorf("the old password: %d", r.status)
	}
	fresh, r := s.login(t, u.email, newPassword)
	if r.body["aal"] != "aal1" || r.body["mfa_required"] != true {
		t.Fatalf("login after the reset: %s; want aal1 with mfa_required", r.raw)
	}
	requireError(t, s.do(t, "GET", "/auth/profile", nil, bearer(fresh)), http.StatusForbidden, "mfa_required")
	clock.advance()
	v := s.do(t, "POST", "/auth/totp/verify", map[string]string{"code": oathtool(t, u.secret, clock.now())}, bearer(fresh))
	if v.status != http.StatusOK {
		t.Fatalf("totp/verify after the reset (the lock lifted): %d %s", v.status, v.raw)
	}
	aal2 := v.sessionCookie(s.cfg.SessionCookieName()).Value
	if p := s.do(t, "GET", "/auth/profile", nil, bearer(aal2)); p.body["email_verified"] != true {
		t.Errorf("the reset proved the address: %s", p.raw)
	}
	if _, ok := smtp.Wait(u.email, mailWait, "Subject: Your password was reset"); !ok {
		t.Error("no notice of the reset")
	}
	act := s.do(t, "GET", "/auth/activity", nil, bearer(aal2)).raw
	for _, kind := range []string{`"password_reset"`, `"password_forgot"`, `"second_factor_unlocked"`} {
		if !strings.Contains(act, kind) {
			t.Errorf("activity without %s: %s", kind, act)
		}
	}

	// An expired link.
	forgot()
	late := linkToken(t, smtp, u.email, "Reset your password", "/reset-password", 3)
	if _, err := rawConn(t, s.dbURL).Exec(context.Background(),
		`UPDATE email_tokens SET expires_at = now() - interval '1 second' WHERE used_at IS NULL AND voided_at IS NULL`); err != nil {
		t.Fatal(err)
	}
	requireError(t, reset(late, "another fine passphrase"), http.StatusBadRequest, "invalid_token")
	requireNoPlaintextToken(t, s, first, token, late)
}

// TestPasswordResetRace: of concurrent resets with one token, exactly one
// succeeds.
func TestPasswordResetRace(t *testing.T) {
	t.Parallel()
	s, smtp := lifecycleStack(t, nil, nil)
	const email = "edsger@example.com"
	s.register(t, email, testPassword)
	if r := s.do(t, "POST", "/auth/password/forgot", map[string]string{"email": email}, nil); r.status != http.StatusAccepted {
		t.Fatalf("forgot: %d", r.status)
	}
	token := linkToken(t, smtp, email, "Reset your password", "/reset-password", 1)
	const n = 8
	statuses := make([]int, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			r := s.do(t, "POST", "/auth/password/reset", map[string]string{"token": token, "new_password": newPassword + strings.Repeat("x", i)}, nil)
			statuses[i] = r.status
		})
	}
	wg.Wait()
	ok, winner := 0, -1
	for i, st := range statuses {
		switch st {
		case http.StatusNoContent:
			ok, winner = ok+1, i
		case http.StatusBadRequest:
		default:
			t.Errorf("reset %d: %d", i, st)
		}
	}
	if ok != 1 {
		t.Fatalf("statuses %v: want exactly one 204", statuses)
	}
	s.login(t, email, newPassword+strings.Repeat("x", winner))
}

// TestPasswordForgotSameAnswer: known and unknown emails get the same
// status, body and headers, in about the same time (medians of interleaved
// requests compared with each other, not with a fixed bound); only the
// known one gets mail.
func TestPasswordForgotSameAnswer(t *testing.T) {
	t.Parallel()
	s, smtp := lifecycleStack(t, nil, map[string]string{"THROTTLE_MAIL_PER_ACCOUNT": "1000", "THROTTLE_MAIL_PER_IP": "1000"})
	const known, unknown = "known@example.com", "nobody@example.com"
	s.register(t, known, testPassword)
	shape := func(r response) string {
		var h []string
		for k := range r.header {
			if k != "Date" && k != "X-Request-Id" {
				h = append(h, k+": "+strings.Join(r.header[k], ","))
			}
		}
		sort.Strings(h)
		return strings.Join(h, "\n") + "\n" + r.raw
	}
	const rounds = 15
	var times [2][]time.Duration
	var shapes [2]string
	for range rounds {
		for i, email := range []string{known, unknown} {
			start := time.Now()
			r := s.do(t, "POST", "/auth/password/forgot", map[string]string{"email": email}, nil)
			times[i] = append(times[i], time.Since(start))
			if r.status != http.StatusAccepted {
				t.Fatalf("forgot %s: %d %s", email, r.status, r.raw)
			}
			if shapes[i] == "" {
				shapes[i] = shape(r)
			}
		}
	}
	if shapes[0] != shapes[1] {
		t.Errorf("the answers differ:\n%s\n---\n%s", shapes[0], shapes[1])
	}
	median := func(d []time.Duration) time.Duration {
		sort.Slice(d, func(i, j int) bool { return d[i] < d[j] })
		return d[len(d)/2]
	}
	k, u := median(times[0]), median(times[1])
	t.Logf("forgot medians over %d requests each: known %v, unknown %v", rounds, k, u)
	if hi, lo := max(k, u), min(k, u); hi > 2*lo+5*time.Millisecond {
		t.Errorf("medians known %v and unknown %v are far apart", k, u)
	}
	if _, ok := smtp.Wait(known, mailWait, "Subject: Reset your password"); !ok {
		t.Error("no link for the known email")
	}
	if ms, _ := smtp.WaitN(unknown, 1, time.Second); len(ms) != 0 {
		t.Errorf("mail to an unknown address: %v", ms)
	}
}

// TestPasswordForgotThrottled: per email, and per client network.
func TestPasswordForgotThrottled(t *testing.T) {
	t.Parallel()
	s, _ := lifecycleStack(t, nil, map[string]string{
		"THROTTLE_MAIL_PER_ACCOUNT": "2", "THROTTLE_MAIL_PER_IP": "4", "TRUSTED_PROXIES": "127.0.0.1/32",
	})
	forgot := func(email, ip string) response {
		return s.do(t, "POST", "/auth/password/forgot", map[string]string{"email": email}, from(ip, nil))
	}
	for range 2 {
		if r := forgot("a@example.com", "198.51.100.1"); r.status != http.StatusAccepted {
			t.Fatalf("forgot: %d %s", r.status, r.raw)
		}
	}
	requireError(t, forgot("a@example.com", "198.51.100.2"), http.StatusTooManyRequests, "rate_limited")
	for _, email := range []string{"b@example.com", "c@example.com"} {
		if r := forgot(email, "198.51.100.1"); r.status != http.StatusAccepted {
			t.Fatalf("forgot %s: %d %s", email, r.status, r.raw)
		}
	}
	requireError(t, forgot("d@example.com", "198.51.100.1"), http.StatusTooManyRequests, "rate_limited")
	if r := forgot("d@example.com", "198.51.100.3"); r.status != http.StatusAccepted {
		t.Fatalf("another address: %d %s", r.status, r.raw)
	}
}

// requireNoPlaintextToken fails when a link's token is anywhere in the
// database: the tokens table holds hashes, the outbox no token at all.
func requireNoPlaintextToken(t *testing.T, s *stack, tokens ...string) {
	t.Helper()
	conn := rawConn(t, s.dbURL)
	for _, q := range []string{
		`SELECT coalesce(string_agg(encode(token_hash, 'escape') || email, ''), '') FROM email_tokens`,
		`SELECT coalesce(string_agg(args::text || coalesce(errors::text, ''), ''), '') FROM river_job`,
	} {
		var dump string
		if err := conn.QueryRow(context.Background(), q).Scan(&dump); err != nil {
			t.Fatal(err)
		}
		for _, token := range tokens {
			if strings.Contains(dump, token) {
				t.Errorf("a token in the database (%s)", q)
			}
		}
	}
}

// TestLinkPagesServed: the pages that the links open are served on the
// service's origin under the strict policy, and their script posts to the
// endpoints that the tests above call.
func TestLinkPagesServed(t *testing.T) {
	t.Parallel()
	s := startStack(t, nil)
	for _, path := range []string{"/verify-email", "/reset-password", "/assets/links.js", "/assets/links.css"} {
		r := s.do(t, "GET", path, nil, nil)
		if r.status != http.StatusOK || !strings.Contains(r.header.Get("Content-Security-Policy"), "script-src 'self'") {
			t.Errorf("%s: %d, CSP %q", path, r.status, r.header.Get("Content-Security-Policy"))
		}
	}
	js := s.do(t, "GET", "/assets/links.js", nil, nil).raw
	for _, endpoint := range []string{"/auth/password/reset", "/auth/email/verify", "history.replaceState"} {
		if !strings.Contains(js, endpoint) {
			t.Errorf("the script does not use %s", endpoint)
		}
	}
}

// TestPasswordScreening: register, change and reset refuse common and
// breached passwords and passwords built from the email, saying why and
// never echoing the password; a passphrase passes.
func TestPasswordScreening(t *testing.T) {
	t.Parallel()
	s := startStack(t, nil)
	const email = "alice.smith@example.com"
	for _, tt := range []struct{ password, reason string }{
		{"password", "common and breached"},
		{"Password1", "common and breached"},
		{"qwertyuiop", "common and breached"},
		{"iloveyou", "common and breached"},
		{"P@ssw0rd", "common and breached"},
		{"letmein123", "common and breached"},
		{"alicesmith", "email"},
		{"AliceSmith2024", "email"},
		{"example.com1", "email"},
		{"1234567", "shorter than 8"},
	} {
		r := s.do(t, "POST", "/auth/register", creds(email, tt.password), nil)
		requireError(t, r, http.StatusBadRequest, "weak_password")
		msg, _ := r.body["message"].(string)
		echoed := strings.Contains(msg, tt.password) && tt.password != "password" // a word of every such message
		if !strings.Contains(msg, tt.reason) || echoed {
			t.Errorf("%q: message %q, want the reason %q and not the password", tt.password, msg, tt.reason)
		}
	}
	token := s.register(t, email, "violet anchor drifting slowly")
	r := s.do(t, "POST", "/auth/password/change", map[string]string{"current_password": "violet anchor drifting slowly", "new_password": "Alice.Smith"}, bearer(token))
	requireError(t, r, http.StatusBadRequest, "weak_password")
}
