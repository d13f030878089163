package mail_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/infrastructure/platform/services/auth/internal/mail"
	"github.com/infrastructure/platform/services/auth/internal/mail/mailtest"
)

func TestRender(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		notice, subject string
		noLink          bool // a disabled account has nothing to do at PUBLIC_URL
	}{
		{notice: mail.NoticeSecondFactorLocked, subject: "Your second factor is locked"},
		{notice: mail.NoticeTOTPEnabled, subject: "Two-factor authentication turned on"},
		{notice: mail.NoticeTOTPDisabled, subject: "Two-factor authentication turned off"},
		{notice: mail.NoticeBackupCodesRegenerated, subject: "New backup codes"},
		{notice: mail.NoticeAccountDisabled, subject: "Your account is disabled", noLink: true},
		{notice: mail.NoticeMFAReset, subject: "Your second factor was reset"},
		{notice: mail.NoticePasswordChanged, subject: "Your password was changed"},
		{notice: mail.NoticePasswordReset, subject: "Your password was reset"},
		{notice: mail.NoticePasskeyAdded, subject: "A passkey was added"},
		{notice: mail.NoticePasskeyRemoved, subject: "A passkey was removed"},
	} {
		t.Run("notice="+tt.notice, func(t *testing.T) {
			m, err := mail.Render(mail.NoticeArgs{Notice: tt.notice, To: "ada+<b>@example.com"}, "https://auth.example.com")
			if err != nil {
				t.Fatal(err)
			}
			if m.Subject != tt.subject || m.To != "ada+<b>@example.com" {
				t.Errorf("subject %q to %q", m.Subject, m.To)
			}
			if (!tt.noLink && !strings.Contains(m.Text, "https://auth.example.com")) || !strings.Contains(m.Text, "ada+<b>@example.com") {
				t.Errorf("text lacks the link or the address:\n%s", m.Text)
			}
			if strings.Contains(m.HTML, "<b>@") || !strings.Contains(m.HTML, "&lt;b&gt;") {
				t.Errorf("HTML does not escape the address:\n%s", m.HTML)
			}
		})
	}
	if _, err := mail.Render(mail.NoticeArgs{Notice: "nonsense"}, "https://auth.example.com"); err == nil {
		t.Error("an unknown notice rendered")
	}
}

// TestRenderLinks: the link is in the text on a line of its own, and a
// button in the HTML, escaped; its token is only in the fragment.
func TestRenderLinks(t *testing.T) {
	t.Parallel()
	token, hash := mail.NewLinkToken()
	if len(token) != 43 || len(hash) != 32 {
		t.Fatalf("token %d chars, hash %d bytes", len(token), len(hash))
	}
	for _, tt := range []struct{ purpose, subject, page string }{
		{mail.LinkVerifyEmail, "Verify your email address", "/verify-email"},
		{mail.LinkResetPassword, "Reset your password", "/reset-password"},
	} {
		t.Run("link="+tt.purpose, func(t *testing.T) {
			link := mail.LinkURL("https://auth.example.com/", tt.purpose, token)
			if link != "https://auth.example.com"+tt.page+"#token="+token {
				t.Fatalf("link %q", link)
			}
			m, err := mail.RenderTemplate(tt.purpose, mail.Data{To: "ada@example.com", PublicURL: "https://auth.example.com", Link: link})
			if err != nil {
				t.Fatal(err)
			}
			if m.Subject != tt.subject || !strings.Contains(m.Text, "\n"+link+"\n") {
				t.Errorf("subject %q, text:\n%s", m.Subject, m.Text)
			}
			if !strings.Contains(m.HTML, `href="`+link+`"`) {
				t.Errorf("HTML without the button:\n%s", m.HTML)
			}
		})
	}
}

func TestRetryDelay(t *testing.T) {
	t.Parallel()
	for attempt, want := range map[int]time.Duration{1: 10 * time.Second, 2: 20 * time.Second, 4: 80 * time.Second, 12: 2 * time.Hour, 20: 2 * time.Hour} {
		if got := mail.RetryDelay(attempt); got != want {
			t.Errorf("RetryDelay(%d) = %v, want %v", attempt, got, want)
		}
	}
	var total time.Duration
	for a := 1; a < mail.MaxAttempts; a++ {
		total += mail.RetryDelay(a)
	}
	if total < 12*time.Hour || total > 48*time.Hour {
		t.Errorf("the worker gives up after %v, want about a day", total)
	}
}

// TestSender sends a rendered notice to a real SMTP server on loopback.
func TestSender(t *testing.T) {
	t.Parallel()
	srv := mailtest.Start(t)
	s, err := mail.NewSender("smtp://"+srv.Addr, "Infrastructure <no-reply@example.com>")
	if err != nil {
		t.Fatal(err)
	}
	m, err := mail.Render(mail.NoticeArgs{Notice: mail.NoticeTOTPEnabled, To: "ada@example.com"}, "https://auth.example.com")
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Send(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	got, ok := srv.Wait("ada@example.com", 5*time.Second, "Subject: Two-factor authentication turned on", "text/plain", "text/html")
	if !ok || got.From != "no-reply@example.com" {
		t.Fatalf("message %+v, %v", got, ok)
	}
	for _, bad := range []string{"ftp://mail.example.com", "smtp://", "::"} {
		if _, err := mail.NewSender(bad, "x@example.com"); err == nil {
			t.Errorf("NewSender(%q) accepted", bad)
		}
	}
}
