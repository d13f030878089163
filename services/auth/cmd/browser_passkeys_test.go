package main

import (
	"strings"
	"testing"

	"github.com/chromedp/cdproto/webauthn"
	"github.com/chromedp/chromedp"
)

// TestWebAppPasskeys walks a user through the passkeys of the reference
// web app in headless Chromium, with the browser's own virtual
// authenticator (the DevTools WebAuthn domain: a platform authenticator
// that holds discoverable credentials and verifies its user): register,
// add a passkey (MFA turns on, the backup codes show once), log in with
// the password and the passkey, sign in with the passkey alone, and
// delete it, which asks for the password (the last second factor). Any
// console error, uncaught exception or browser error fails it, as in
// TestWebApp.
func TestWebAppPasskeys(t *testing.T) {
	t.Parallel()
	// The page must be on an origin of the relying party: an IP address
	// cannot be an RP id, so the browser opens http://localhost:<port>,
	// with the port chosen before the service starts (its configuration
	// names the origin).
	port := freePort(t)
	origin := "http://localhost:" + port
	s, _ := lifecycleStack(t, nil, map[string]string{
		"HTTP_ADDR":     "127.0.0.1:" + port,
		"PUBLIC_URL":    origin,
		"RP_ID":         "localhost",
		"RP_ORIGINS":    origin,
		"COOKIE_SECURE": "false",
	})
	b := newTab(t, origin)
	b.authenticator()
	j := &journey{t: t, s: s, b: b, email: "grace@example.com"}

	b.do("register",
		chromedp.Navigate(origin+"/"), screen("login"),
		chromedp.Click(chromedp.ID("to-register")), screen("register"),
		fill("register-email", j.email, "register-password", testPassword, "register-confirm", testPassword),
		screen("profile"), says("profile-mfa", "Off"))
	b.do("no passkey yet", nav("two-factor"), chromedp.WaitVisible(chromedp.ID("passkeys-none")))
	b.do("add a passkey", fill("passkey-name", "Laptop"), screen("backup-codes"), says("status", "The passkey “Laptop” is added. Two-factor authentication is on."))
	if codes := j.backupCodes(); len(codes) != 10 {
		t.Fatalf("backup codes %q: want 10", codes)
	}
	item := chromedp.CSS("#passkeys-list li[data-passkey-id]")
	b.do("leave the codes",
		chromedp.Click(chromedp.ID("codes-done")), screen("two-factor"),
		chromedp.WaitVisible(chromedp.ID("twofactor-on")), chromedp.WaitVisible(item), says("passkeys-list", "Laptop"))
	if got := b.text("passkeys-list"); !strings.Contains(got, "never used yet") {
		t.Errorf("passkeys list %q: want it never used yet", got)
	}
	// MFA is on through the passkey alone: the authenticator app can still
	// be set up, and there is no TOTP to turn off.
	if off, setup := eval[bool](b, `document.getElementById("totp-disable").hidden`), eval[bool](b, `document.getElementById("twofactor-off").hidden`); !off || setup {
		t.Errorf("with a passkey only: TOTP turn-off hidden %v (want true), TOTP set-up hidden %v (want false)", off, setup)
	}
	b.screenshot("passkeys")

	b.do("log out", logout())
	b.do("second factor: passkey",
		j.login(testPassword), screen("second-factor"),
		chromedp.Click(chromedp.ID("passkey-second-factor")), screen("profile"), says("profile-mfa", "On"))
	b.do("log out", logout())
	b.do("passwordless",
		chromedp.Click(chromedp.ID("passkey-login")), screen("profile"),
		says("status", "You are signed in with your passkey"), says("profile-email", j.email))

	b.do("delete the passkey: the password is asked",
		nav("two-factor"), says("passkeys-list", "last used"),
		chromedp.Click(chromedp.CSS("#passkeys-list button[data-passkey-id]")),
		chromedp.WaitVisible(chromedp.ID("passkey-delete-form")), says("passkey-delete-hint", "your last second factor"))
	b.do("delete the passkey",
		fill("passkey-delete-password", testPassword),
		says("status", "The passkey “Laptop” is deleted. Two-factor authentication is off."),
		chromedp.WaitVisible(chromedp.ID("twofactor-off")), chromedp.WaitVisible(chromedp.ID("passkeys-none")))

	b.do("read the activity", nav("activity"), chromedp.WaitVisible(chromedp.CSS("#activity-list tr")))
	activity := b.text("activity-list")
	for _, want := range []string{"Passkey added", "Passkey deleted", "Passkey"} {
		if !strings.Contains(activity, want) {
			t.Errorf("activity lacks %q: %s", want, activity)
		}
	}
}

// authenticator gives the tab a virtual platform authenticator, as a
// laptop's fingerprint reader: CTAP2 over the internal transport, with
// discoverable credentials (passwordless sign-in) and user verification
// that succeeds, answering at once (no one touches it).
func (b *tab) authenticator() {
	b.t.Helper()
	if _, err := chromedp.Call(b.ctx, webauthn.Enable, webauthn.EnableParams{}); err != nil {
		b.t.Fatalf("WebAuthn.enable: %v", err)
	}
	_, err := chromedp.Call(b.ctx, webauthn.AddVirtualAuthenticator, webauthn.AddVirtualAuthenticatorParams{
		Options: &webauthn.VirtualAuthenticatorOptions{
			Protocol:                    webauthn.AuthenticatorProtocolCtap2,
			Transport:                   webauthn.AuthenticatorTransportInternal,
			HasResidentKey:              true,
			HasUserVerification:         true,
			IsUserVerified:              true,
			AutomaticPresenceSimulation: true,
		},
	})
	if err != nil {
		b.t.Fatalf("WebAuthn.addVirtualAuthenticator: %v", err)
	}
}
