package main

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/infrastructure/platform/services/auth/internal/mail/mailtest"
)

// TestWebApp walks a user through the reference web app in headless
// Chromium, against the real service: a wrong password and the limit;
// register, verify the address through the emailed link, enroll TOTP
// (codes computed at the service's fake clock from the key the page
// shows) and keep the backup codes (copied and downloaded); log in with
// TOTP and with a backup code; revoke a second device's session; read the
// activity; every screen at a phone's width; change the password, make new
// backup codes, turn TOTP off; reset a forgotten password through the
// emailed link. Any console error, uncaught exception or browser error (a
// Content-Security-Policy refusal) fails it. Screenshots of the main
// screens go to SCREENSHOT_DIR (scripts/screenshots.sh refreshes
// docs/screenshots).
func TestWebApp(t *testing.T) {
	t.Parallel()
	clock := newFakeClock()
	s, smtp := lifecycleStack(t, clock, map[string]string{
		"COOKIE_SECURE":           "false", // http://127.0.0.1: the cookie is "session", not Secure
		"THROTTLE_LOGIN_FAILURES": "2",     // a third wrong password is 429
	})
	j := &journey{t: t, s: s, smtp: smtp, clock: clock, b: newTab(t, s.baseURL), email: "ada@example.com"}
	j.firstVisit()
	j.register()
	j.enroll()
	j.signIn()
	j.revokeOtherDevice()
	j.activity()
	j.phone()
	j.account()
	j.resetPassword()
}

// journey is the state of TestWebApp from one step to the next.
type journey struct {
	t     *testing.T
	s     *stack
	smtp  *mailtest.Server
	clock *fakeClock
	b     *tab
	email string

	secret string   // the TOTP key the enrollment showed
	codes  []string // the backup codes it showed
}

// code is the TOTP code of the next 30-second step (each is accepted once).
func (j *journey) code() string {
	j.clock.advance()
	return totpAt(j.t, j.secret, j.clock.now())
}

// login fills the login form with the journey's email.
func (j *journey) login(password string) chromedp.Action[chromedp.Void] {
	return fill("login-email", j.email, "login-password", password)
}

// logout signs out from the navigation.
func logout() chromedp.Action[chromedp.Void] {
	return chromedp.Steps(chromedp.Click(chromedp.ID("logout")), screen("login"), says("status", "You are signed out"))
}

// backupCodes are the codes on the backup codes screen.
func (j *journey) backupCodes() []string {
	return eval[[]string](j.b, `[...document.querySelectorAll("#backup-codes li")].map((li) => li.textContent)`)
}

// firstVisit: no session, the login screen without a word; a wrong
// password says so, and past the limit how long to wait.
func (j *journey) firstVisit() {
	b := j.b
	b.do("open the app", chromedp.Navigate(j.s.baseURL+"/"), screen("login"))
	if got := b.text("error"); got != "" {
		j.t.Errorf("first visit: error %q", got)
	}
	b.screenshot("login")
	wrong := fill("login-email", "nobody@example.com", "login-password", "not the password")
	b.do("wrong password", answer("error", "The email or the password is wrong. (reference ", wrong))
	b.do("wrong password again", answer("error", "The email or the password is wrong.", wrong))
	b.do("rate limited", answer("error", "Too many attempts. Try again in 15 minutes.", wrong))
}

// register, then verify the address with a link asked for again, on the
// link page, whose link leads back to the app.
func (j *journey) register() {
	b := j.b
	b.do("register",
		chromedp.Click(chromedp.ID("to-register")), screen("register"),
		fill("register-email", j.email, "register-password", testPassword, "register-confirm", testPassword),
		screen("profile"), says("profile-email", j.email), says("status", "Your account is ready"))
	if got := b.text("profile-verified"); !strings.HasPrefix(got, "Not yet") {
		j.t.Errorf("verified: %q", got)
	}
	b.screenshot("profile")
	b.do("resend the link", chromedp.Click(chromedp.ID("resend-verification")), says("status", "A new link is on its way"))
	token := linkToken(j.t, j.smtp, j.email, "Verify your email address", "/verify-email", 2)
	b.do("verify the address",
		chromedp.Navigate(j.s.baseURL+"/verify-email#token="+token),
		chromedp.Click(chromedp.ID("submit")), says("status", "Your email address is verified"),
		chromedp.Click(chromedp.CSS("[data-app-link] a")), screen("profile"), says("profile-verified", "Yes"))
}

// enroll TOTP: the QR code (a data: URI the policy allows) and the key,
// a code, then the backup codes, copied and downloaded.
func (j *journey) enroll() {
	b := j.b
	b.do("start the enrollment",
		nav("two-factor"), chromedp.Click(chromedp.ID("enroll-start")),
		chromedp.WaitVisible(chromedp.ID("totp-secret")),
		until(`document.getElementById("totp-qr").complete && document.getElementById("totp-qr").naturalWidth > 0`))
	j.secret = strings.ReplaceAll(b.text("totp-secret"), " ", "")
	if len(j.secret) != 32 {
		j.t.Fatalf("secret %q: want 32 base32 characters", j.secret)
	}
	b.screenshot("enroll")
	b.do("confirm the enrollment", fill("enroll-code", j.code()), screen("backup-codes"))
	if j.codes = j.backupCodes(); len(j.codes) != 10 {
		j.t.Fatalf("backup codes %q: want 10", j.codes)
	}
	b.screenshot("backup-codes")

	downloads := j.t.TempDir()
	b.allow(downloads)
	b.do("copy the codes", chromedp.Click(chromedp.ID("codes-copy")), says("status", "copied"))
	if got := eval[string](b, `navigator.clipboard.readText()`); got != strings.Join(j.codes, "\n") {
		j.t.Errorf("clipboard %q, want the codes", got)
	}
	b.downloaded(chromedp.Click(chromedp.ID("codes-download")))
	file, err := os.ReadFile(filepath.Join(downloads, "backup-codes.txt"))
	if err != nil {
		j.t.Fatal(err)
	}
	for _, c := range j.codes {
		if !strings.Contains(string(file), c+"\n") {
			j.t.Errorf("the downloaded file lacks %s:\n%s", c, file)
		}
	}
	b.do("leave the codes",
		chromedp.Click(chromedp.ID("codes-done")), screen("two-factor"),
		chromedp.WaitVisible(chromedp.ID("twofactor-on")), says("backup-remaining", "10"))
	b.screenshot("two-factor")
}

// signIn: log out, then in with the password and a TOTP code (after a
// wrong password), and again with a backup code.
func (j *journey) signIn() {
	b := j.b
	b.do("log out", logout())
	b.do("log in with a wrong password", answer("error", "The email or the password is wrong.", j.login("not the password")))
	b.do("log in", j.login(testPassword), screen("second-factor"))
	b.screenshot("second-factor")
	b.do("second factor: TOTP", fill("totp-code", j.code()), screen("profile"), says("profile-mfa", "On"))
	b.do("log out", logout())
	b.do("second factor: backup code",
		j.login(testPassword), screen("second-factor"),
		chromedp.Click(chromedp.ID("backup-summary")), fill("backup-code", j.codes[0]),
		screen("profile"), says("status", "9 left"), says("profile-backup", "9"))
}

// revokeOtherDevice: a second device signs in; this one signs it out, and
// the other device's next screen is the login screen, saying why.
func (j *journey) revokeOtherDevice() {
	b, other := j.b, j.b.device()
	other.do("second device: log in",
		chromedp.Navigate(j.s.baseURL+"/"), screen("login"),
		j.login(testPassword), screen("second-factor"), fill("totp-code", j.code()), screen("profile"),
		nav("sessions"), chromedp.WaitVisible(chromedp.CSS("#sessions-list li[data-current]")))
	otherID := eval[string](other, `document.querySelector("#sessions-list li[data-current]").dataset.sessionId`)
	revoke := chromedp.CSS(`#sessions-list button[data-session-id="` + otherID + `"]`)
	b.do("list the sessions", nav("sessions"), chromedp.WaitVisible(revoke))
	if n := eval[int](b, `document.querySelectorAll("#sessions-list li").length`); n != 2 {
		j.t.Errorf("%d sessions listed, want 2", n)
	}
	b.screenshot("sessions")
	b.do("revoke the other session", chromedp.Click(revoke), says("status", "is signed out"), chromedp.WaitNotPresent(revoke))
	other.do("second device: signed out",
		chromedp.Click(chromedp.CSS(`#nav-in a[href="#/profile"]`)), screen("login"), says("error", "You are signed out"))
}

// activity lists what the journey did, the wrong password among it.
func (j *journey) activity() {
	b := j.b
	b.do("read the activity", nav("activity"), chromedp.WaitVisible(chromedp.CSS("#activity-list tr")))
	activity := b.text("activity-list")
	for _, want := range []string{"Account created", "Sign-in with password", "Failed", "Authenticator code", "Backup code", "Email address verified"} {
		if !strings.Contains(activity, want) {
			j.t.Errorf("activity lacks %q: %s", want, activity)
		}
	}
	b.screenshot("activity")
}

// phone: at 375 px every screen fits the width.
func (j *journey) phone() {
	b := j.b
	b.do("phone width", phone())
	for _, name := range []string{"profile", "two-factor", "sessions", "activity", "password"} {
		b.do("phone: "+name, nav(name))
		if w := eval[[]int](b, `[document.documentElement.scrollWidth, window.innerWidth]`); w[0] > w[1] {
			j.t.Errorf("%s at %d px: %d px wide, more than the screen's %d", name, phoneWidth, w[0], w[1])
		}
		if name == "profile" {
			b.screenshot("mobile-profile")
		}
	}
	b.do("desktop width", desktop())
}

// account: change the password (this browser's session lives on, under a
// new cookie), make new backup codes, turn TOTP off.
func (j *journey) account() {
	b := j.b
	b.do("change the password",
		nav("password"),
		fill("current-password", testPassword, "new-password", newPassword, "confirm-password", newPassword),
		says("status", "Your password is changed"),
		nav("profile"), says("profile-email", j.email))
	b.do("make new backup codes", nav("two-factor"), fill("regenerate-password", newPassword), screen("backup-codes"))
	fresh := j.backupCodes()
	if len(fresh) != 10 || slices.ContainsFunc(fresh, func(c string) bool { return slices.Contains(j.codes, c) }) {
		j.t.Errorf("new backup codes %q: want 10 others than %q", fresh, j.codes)
	}
	b.do("leave the codes", chromedp.Click(chromedp.ID("codes-done")), screen("two-factor"), says("backup-remaining", "10"))
	b.do("turn TOTP off",
		fill("disable-code", j.code()),
		says("status", "Two-factor authentication is off"), chromedp.WaitVisible(chromedp.ID("twofactor-off")))
}

// resetPassword: a forgotten password; the mailed link opens the reset
// page, whose link leads back to the app's login, and the new password
// signs in. The script never saw the session: the cookie is HttpOnly.
func (j *journey) resetPassword() {
	b := j.b
	const password = "amber meadow whistle 31"
	b.do("forgot the password",
		logout(), chromedp.Click(chromedp.ID("to-forgot")), screen("forgot"),
		fill("forgot-email", j.email), screen("login"), says("status", "a link to choose a new password is on its way"))
	token := linkToken(j.t, j.smtp, j.email, "Reset your password", "/reset-password", 1)
	b.do("reset the password",
		chromedp.Navigate(j.s.baseURL+"/reset-password#token="+token),
		fill("password", password, "confirm", password), says("status", "Your password is set"),
		chromedp.Click(chromedp.CSS("[data-app-link] a")), screen("login"),
		j.login(password), screen("profile"), says("profile-mfa", "Off"))
	if got := eval[string](b, `document.cookie`); got != "" {
		j.t.Errorf("document.cookie = %q, want nothing", got)
	}
}
