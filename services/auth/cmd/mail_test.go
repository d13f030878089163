package main

import (
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/infrastructure/platform/services/auth/internal/database/dbtest"
	"github.com/infrastructure/platform/services/auth/internal/mail/mailtest"
)

// mailWait bounds how long a notice may take to arrive: the outbox is
// polled by River within a second or two.
const mailWait = 20 * time.Second

// TestSecurityNotices: enabling TOTP, regenerating backup codes, a
// locked second factor and disabling TOTP each mail a notice to the
// account's address, with no secret in it.
func TestSecurityNotices(t *testing.T) {
	t.Parallel()
	smtp := mailtest.Start(t)
	clock := newFakeClock()
	s := newStack(t, stackOptions{now: clock.now, env: map[string]string{
		"SMTP_URL": "smtp://" + smtp.Addr, "MAIL_FROM": "Auth <no-reply@example.com>",
		"THROTTLE_LOCKOUT_FAILURES": "2", "THROTTLE_SECOND_FACTOR_FAILURES": "100",
	}})
	u := s.enroll(t, clock, "ada@example.com")
	if _, ok := smtp.Wait(u.email, mailWait, "Subject: Two-factor authentication turned on"); !ok {
		t.Fatalf("no notice of TOTP turned on: %v", smtp.Messages())
	}
	r := s.do(t, "POST", "/auth/backup/regenerate", map[string]string{"password": u.password}, bearer(u.token))
	if r.status != http.StatusOK {
		t.Fatalf("backup/regenerate: %d %s", r.status, r.raw)
	}
	if _, ok := smtp.Wait(u.email, mailWait, "Subject: New backup codes"); !ok {
		t.Errorf("no notice of new backup codes")
	}
	aal1, _ := s.login(t, u.email, u.password)
	for range 2 {
		s.do(t, "POST", "/auth/totp/verify", map[string]string{"code": "000000"}, bearer(aal1))
	}
	if _, ok := smtp.Wait(u.email, mailWait, "Subject: Your second factor is locked"); !ok {
		t.Errorf("no notice of the lock")
	}

	// Nothing secret in any message.
	var codes []any
	codes = append(codes, r.body["backup_codes"].([]any)...)
	for _, m := range smtp.Messages() {
		for _, secret := range append([]string{u.password, u.secret, u.token, aal1}, u.backupCodes...) {
			if strings.Contains(m.Data, secret) {
				t.Errorf("a message holds a secret: %s", m.Data)
			}
		}
		for _, c := range codes {
			if strings.Contains(m.Data, c.(string)) {
				t.Errorf("a message holds a backup code")
			}
		}
		if m.From != "no-reply@example.com" {
			t.Errorf("from %q", m.From)
		}
	}
}

// TestMailSurvivesAnSMTPOutage: a notice made while the SMTP server is
// down is delivered once it is up, with no restart.
func TestMailSurvivesAnSMTPOutage(t *testing.T) {
	t.Parallel()
	ln := listen(t)
	addr := ln.Addr().String()
	ln.Close() // nothing answers there for now
	clock := newFakeClock()
	s := newStack(t, stackOptions{now: clock.now, mailRetryScale: 0.01, env: map[string]string{"SMTP_URL": "smtp://" + addr}})
	u := s.enroll(t, clock, "ada@example.com")
	time.Sleep(300 * time.Millisecond) // a few failed attempts
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Skipf("the port was taken meanwhile: %v", err)
	}
	smtp := mailtest.Serve(t, ln)
	if _, ok := smtp.Wait(u.email, mailWait, "Subject: Two-factor authentication turned on"); !ok {
		t.Errorf("the notice made during the outage never arrived: %v", smtp.Messages())
	}
}

// TestTwoReplicasSendOnce: with a worker on each of two replicas, each
// notice is sent once.
func TestTwoReplicasSendOnce(t *testing.T) {
	t.Parallel()
	smtp := mailtest.Start(t)
	dbURL := dbtest.New(t)
	clock := newFakeClock()
	env := map[string]string{"SMTP_URL": "smtp://" + smtp.Addr}
	a := newStack(t, stackOptions{dbURL: dbURL, now: clock.now, env: env})
	_ = newStack(t, stackOptions{dbURL: dbURL, now: clock.now, env: env})
	var users []enrolled
	for _, email := range []string{"ada@example.com", "bob@example.com", "cy@example.com"} {
		users = append(users, a.enroll(t, clock, email))
	}
	for _, u := range users {
		if _, ok := smtp.Wait(u.email, mailWait, "Subject: Two-factor authentication turned on"); !ok {
			t.Fatalf("no notice for %s", u.email)
		}
	}
	time.Sleep(2 * time.Second) // a second sender would have sent by now
	per := map[string]int{}
	for _, m := range smtp.Messages() {
		per[m.To[0]]++
	}
	for _, u := range users {
		// The verification link of the registration, and the notice.
		if per[u.email] != 2 {
			t.Errorf("%s got %d messages, want 2", u.email, per[u.email])
		}
	}
}
