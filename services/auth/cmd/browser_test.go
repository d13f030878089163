package main

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestWebApp walks a user through the reference web app in headless
// Chromium, against the real service: register, verify the address
// through the emailed link, enroll TOTP (codes computed at the service's
// fake clock from the secret the page shows) and keep the backup codes
// (copied and downloaded), log in with TOTP and with a backup code, revoke
// a second device's session, read the activity, change the password, make
// new backup codes, turn TOTP off, and reset a forgotten password through
// the emailed link. Any console error, uncaught exception or browser error
// (a Content-Security-Policy refusal) fails it. Screenshots of the main
// screens go to SCREENSHOT_DIR (scripts/screenshots.sh refreshes
// docs/screenshots).
func TestWebApp(t *testing.T) {
	t.Parallel()
	clock := newFakeClock()
	s, smtp := lifecycleStack(t, clock, map[string]string{
		"COOKIE_SECURE":           "false", // http://127.0.0.1: the cookie is "session", not Secure
		"THROTTLE_LOGIN_FAILURES": "2",     // a third wrong password is 429
	})
	b := newTab(t, s.baseURL)
	const email = "ada@example.com"
	code := func(secret string) string {
		clock.advance() // a new 30-second step: each code is accepted once
		return totpAt(t, secret, clock.now())
	}

	// A first visit has no session: the login screen, without a word.
	b.do("open the app", chromedp.Navigate(s.baseURL+"/"), screen("login"))
	if got := b.text("error"); got != "" {
		t.Errorf("first visit: error %q", got)
	}
	b.screenshot("login")

	// A wrong password says so; past the limit, how long to wait.
	wrong := fill("login-email", "nobody@example.com", "login-password", "not the password")
	b.do("wrong password", answer("error", "The email or the password is wrong. (reference ", wrong))
	b.do("wrong password again", answer("error", "The email or the password is wrong.", wrong))
	b.do("rate limited", answer("error", "Too many attempts. Try again in 15 minutes.", wrong))

	b.do("register",
		chromedp.Click(chromedp.ID("to-register")), screen("register"),
		fill("register-email", email, "register-password", testPassword, "register-confirm", testPassword),
		screen("profile"), says("profile-email", email), says("status", "Your account is ready"))
	if got := b.text("profile-verified"); !strings.HasPrefix(got, "Not yet") {
		t.Errorf("verified: %q", got)
	}
	b.screenshot("profile")

	// Verify the address with a link asked for again, on the link page.
	b.do("resend the link", chromedp.Click(chromedp.ID("resend-verification")), says("status", "A new link is on its way"))
	token := linkToken(t, smtp, email, "Verify your email address", "/verify-email", 2)
	b.do("verify the address",
		chromedp.Navigate(s.baseURL+"/verify-email#token="+token),
		chromedp.Click(chromedp.ID("submit")), says("status", "Your email address is verified"),
		chromedp.Click(chromedp.CSS("[data-app-link] a")), screen("profile"), says("profile-verified", "Yes"))

	// Enroll TOTP: the QR code (a data: URI the policy allows) and the key.
	b.do("start the enrollment",
		nav("two-factor"), chromedp.Click(chromedp.ID("enroll-start")),
		chromedp.WaitVisible(chromedp.ID("totp-secret")),
		until(`document.getElementById("totp-qr").complete && document.getElementById("totp-qr").naturalWidth > 0`))
	secret := strings.ReplaceAll(b.text("totp-secret"), " ", "")
	if len(secret) != 32 {
		t.Fatalf("secret %q: want 32 base32 characters", secret)
	}
	b.screenshot("enroll")
	b.do("confirm the enrollment", fill("enroll-code", code(secret)), screen("backup-codes"))
	codes := eval[[]string](b, `[...document.querySelectorAll("#backup-codes li")].map((li) => li.textContent)`)
	if len(codes) != 10 {
		t.Fatalf("backup codes %q: want 10", codes)
	}
	b.screenshot("backup-codes")

	// Copy (navigator.clipboard) and download (a Blob) the codes.
	downloads := t.TempDir()
	b.allow(downloads)
	b.do("copy the codes", chromedp.Click(chromedp.ID("codes-copy")), says("status", "copied"))
	if got := eval[string](b, `navigator.clipboard.readText()`); got != strings.Join(codes, "\n") {
		t.Errorf("clipboard %q, want the codes", got)
	}
	b.downloaded(chromedp.Click(chromedp.ID("codes-download")))
	file, err := os.ReadFile(filepath.Join(downloads, "backup-codes.txt"))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range codes {
		if !strings.Contains(string(file), c+"\n") {
			t.Errorf("the downloaded file lacks %s:\n%s", c, file)
		}
	}
	b.do("leave the codes",
		chromedp.Click(chromedp.ID("codes-done")), screen("two-factor"),
		chromedp.WaitVisible(chromedp.ID("twofactor-on")), says("backup-remaining", "10"))
	b.screenshot("two-factor")

	// Log out, then in with the password and a TOTP code.
	logout := chromedp.Steps(chromedp.Click(chromedp.ID("logout")), screen("login"), says("status", "You are signed out"))
	login := func(password string) chromedp.Action[chromedp.Void] {
		return fill("login-email", email, "login-password", password)
	}
	b.do("log out", logout)
	b.do("log in with a wrong password", answer("error", "The email or the password is wrong.", login("not the password")))
	b.do("log in", login(testPassword), screen("second-factor"))
	b.screenshot("second-factor")
	b.do("second factor: TOTP", fill("totp-code", code(secret)), screen("profile"), says("profile-mfa", "On"))

	// Log out, then in with a backup code.
	b.do("log out", logout)
	b.do("second factor: backup code",
		login(testPassword), screen("second-factor"),
		chromedp.Click(chromedp.ID("backup-summary")), fill("backup-code", codes[0]),
		screen("profile"), says("status", "9 left"), says("profile-backup", "9"))

	// A second device signs in; this one signs it out.
	other := b.device()
	other.do("second device: log in",
		chromedp.Navigate(s.baseURL+"/"), screen("login"),
		login(testPassword), screen("second-factor"), fill("totp-code", code(secret)), screen("profile"),
		nav("sessions"), chromedp.WaitVisible(chromedp.CSS("#sessions-list li[data-current]")))
	otherID := eval[string](other, `document.querySelector("#sessions-list li[data-current]").dataset.sessionId`)
	revoke := chromedp.CSS(`#sessions-list button[data-session-id="` + otherID + `"]`)
	b.do("list the sessions", nav("sessions"), chromedp.WaitVisible(revoke))
	if n := eval[int](b, `document.querySelectorAll("#sessions-list li").length`); n != 2 {
		t.Errorf("%d sessions listed, want 2", n)
	}
	b.screenshot("sessions")
	b.do("revoke the other session",
		chromedp.Click(revoke), says("status", "is signed out"), chromedp.WaitNotPresent(revoke))
	other.do("second device: signed out",
		chromedp.Click(chromedp.CSS(`#nav-in a[href="#/profile"]`)), screen("login"), says("error", "You are signed out"))

	b.do("read the activity", nav("activity"), chromedp.WaitVisible(chromedp.CSS("#activity-list tr")))
	activity := b.text("activity-list")
	for _, want := range []string{"Account created", "Sign-in with password", "Failed", "Authenticator code", "Backup code", "Email address verified"} {
		if !strings.Contains(activity, want) {
			t.Errorf("activity lacks %q: %s", want, activity)
		}
	}
	b.screenshot("activity")

	// At 375 px (a phone), every screen fits the width.
	b.do("phone width", phone())
	for _, name := range []string{"profile", "two-factor", "sessions", "activity", "password"} {
		b.do("phone: "+name, nav(name))
		if w := eval[[]int](b, `[document.documentElement.scrollWidth, window.innerWidth]`); w[0] > w[1] {
			t.Errorf("%s at 375 px: %d px wide, more than the screen's %d", name, w[0], w[1])
		}
		if name == "profile" {
			b.screenshot("mobile-profile")
		}
	}
	b.do("desktop width", desktop())

	b.do("change the password",
		nav("password"),
		fill("current-password", testPassword, "new-password", newPassword, "confirm-password", newPassword),
		says("status", "Your password is changed"),
		nav("profile"), says("profile-email", email)) // this browser's session lives on, under a new cookie

	b.do("make new backup codes", nav("two-factor"), fill("regenerate-password", newPassword), screen("backup-codes"))
	fresh := eval[[]string](b, `[...document.querySelectorAll("#backup-codes li")].map((li) => li.textContent)`)
	if len(fresh) != 10 || slices.ContainsFunc(fresh, func(c string) bool { return slices.Contains(codes, c) }) {
		t.Errorf("new backup codes %q: want 10 others than %q", fresh, codes)
	}
	b.do("leave the codes", chromedp.Click(chromedp.ID("codes-done")), screen("two-factor"), says("backup-remaining", "10"))

	b.do("turn TOTP off",
		fill("disable-code", code(secret)),
		says("status", "Two-factor authentication is off"), chromedp.WaitVisible(chromedp.ID("twofactor-off")))

	// A forgotten password: the mailed link opens the reset page, whose
	// link leads back to the app's login.
	const resetPassword = "amber meadow whistle 31"
	b.do("forgot the password",
		logout, chromedp.Click(chromedp.ID("to-forgot")), screen("forgot"),
		fill("forgot-email", email), screen("login"), says("status", "a link to choose a new password is on its way"))
	token = linkToken(t, smtp, email, "Reset your password", "/reset-password", 1)
	b.do("reset the password",
		chromedp.Navigate(s.baseURL+"/reset-password#token="+token),
		fill("password", resetPassword, "confirm", resetPassword), says("status", "Your password is set"),
		chromedp.Click(chromedp.CSS("[data-app-link] a")), screen("login"),
		login(resetPassword), screen("profile"), says("profile-mfa", "Off"))

	// The page's script never sees the session: the cookie is HttpOnly.
	if got := eval[string](b, `document.cookie`); got != "" {
		t.Errorf("document.cookie = %q, want nothing", got)
	}
}
