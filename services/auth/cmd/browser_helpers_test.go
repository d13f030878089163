package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	cdplog "github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"
)

// stepTimeout bounds one step of a browser test (a click and what it
// should show), so that a page that never shows it fails the test instead
// of hanging it.
const stepTimeout = 30 * time.Second

// tab is one tab of headless Chromium on the web app of a test stack. It
// records every console error, uncaught exception and error of the
// browser's own log (a refused Content-Security-Policy directive, say),
// and fails the test with them when it ends.
type tab struct {
	t     *testing.T
	ctx   context.Context
	base  string
	shots string // where screenshots go

	mu       sync.Mutex
	problems []string
}

// chromium is the path of the browser, or the test fails: the browser
// tests must run wherever the other tests run.
func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "headless-shell"} {
		if path, err := exec.LookPath(name); err == nil {
			return path
		}
	}
	t.Fatal("no Chromium on this machine: install it with scripts/install-deps.sh chromium")
	return ""
}

// screenshotDir is where the tests write their screenshots: SCREENSHOT_DIR
// (scripts/screenshots.sh sets docs/screenshots), else a temporary one.
func screenshotDir(t *testing.T) string {
	if dir := os.Getenv("SCREENSHOT_DIR"); dir != "" {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		return dir
	}
	return t.TempDir()
}

// The size of the page in screenshots: a laptop's window, and a phone.
const (
	desktopWidth, desktopHeight = 1100, 800
	phoneWidth, phoneHeight     = 375, 812
)

// desktop sets the page's size to desktopWidth × desktopHeight.
func desktop() chromedp.Action[chromedp.Void] {
	return chromedp.EmulateViewport(desktopWidth, desktopHeight)
}

// phone sets the page's size to a phone's, with its touch screen.
func phone() chromedp.Action[chromedp.Void] {
	return chromedp.EmulateViewport(phoneWidth, phoneHeight, chromedp.EmulateMobile)
}

// newTab starts headless Chromium and opens a tab on base, sized as a
// laptop's window; the browser ends with the test.
func newTab(t *testing.T, base string) *tab {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromium(t)),
	)
	if os.Geteuid() == 0 {
		// Chromium's sandbox refuses to start as root (CI runs as root).
		opts = append(opts, chromedp.NoSandbox)
	}
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(allocCtx)
	t.Cleanup(func() {
		cancel()
		cancelAlloc()
	})
	if err := chromedp.Do(ctx, desktop()); err != nil { // starts the browser, without a timeout
		t.Fatalf("start Chromium: %v", err)
	}
	return watch(t, ctx, base, screenshotDir(t))
}

// device opens a tab in a browser context of its own: another device, with
// cookies of its own.
func (b *tab) device() *tab {
	b.t.Helper()
	ctx, cancel := chromedp.NewContext(b.ctx, chromedp.WithNewBrowserContext())
	b.t.Cleanup(cancel)
	if err := chromedp.Do(ctx, desktop()); err != nil {
		b.t.Fatalf("open a browser context: %v", err)
	}
	return watch(b.t, ctx, b.base, b.shots)
}

func watch(t *testing.T, ctx context.Context, base, shots string) *tab {
	t.Helper()
	b := &tab{t: t, ctx: ctx, base: base, shots: shots}
	err := chromedp.Listen(ctx, func(ev any) {
		switch ev := ev.(type) {
		case *runtime.EventConsoleAPICalled:
			if ev.Type == runtime.ConsoleAPICalledTypeError {
				var args []string
				for _, a := range ev.Args {
					args = append(args, string(a.Value)+a.Description)
				}
				b.problem("console.error: " + strings.Join(args, " "))
			}
		case *runtime.EventExceptionThrown:
			d := ev.ExceptionDetails
			text := d.Text
			if d.Exception != nil {
				text += " " + d.Exception.Description
			}
			b.problem(fmt.Sprintf("uncaught exception at %s:%d: %s", d.URL, d.LineNumber+1, text))
		case *cdplog.EventEntryAdded:
			// Failed requests are expected (a 401 is how the app learns
			// that it has no session); any other error is not.
			if ev.Entry.Level == cdplog.EntryLevelError && ev.Entry.Source != cdplog.EntrySourceNetwork {
				b.problem(fmt.Sprintf("browser log (%s): %s", ev.Entry.Source, ev.Entry.Text))
			}
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		b.mu.Lock()
		defer b.mu.Unlock()
		for _, p := range b.problems {
			t.Errorf("page: %s", p)
		}
	})
	return b
}

func (b *tab) problem(p string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.problems = append(b.problems, p)
}

// do runs the steps within stepTimeout, or fails the test with what the
// page's live regions say.
func (b *tab) do(what string, steps ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		b.t.Fatalf("%s: %v%s", what, err, b.notices())
	}
}

// notices is what the app's live regions (#error, #status) say.
func (b *tab) notices() string {
	ctx, cancel := context.WithTimeout(b.ctx, 5*time.Second)
	defer cancel()
	s, err := chromedp.Run(ctx, chromedp.Evaluate[string](
		`["error", "status"].map((id) => id + ": " + (document.getElementById(id)?.textContent ?? "")).join("; ")`))
	if err != nil {
		return ""
	}
	return " (page " + s + ")"
}

// eval evaluates a JavaScript expression in the page.
func eval[T any](b *tab, expression string) T {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expression, chromedp.EvalAwaitPromise))
	if err != nil {
		b.t.Fatalf("%s: %v", expression, err)
	}
	return v
}

// text is the text of the element with this id.
func (b *tab) text(id string) string {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	s, err := chromedp.Run(ctx, chromedp.TextContent(chromedp.ID(id)))
	if err != nil {
		b.t.Fatalf("text of #%s: %v", id, err)
	}
	return s
}

// fill types into the fields (id → text), each emptied first; the last one
// gets Enter, which submits its form as a keyboard user would.
func fill(fields ...string) chromedp.Action[chromedp.Void] {
	var steps []chromedp.Action[chromedp.Void]
	for i := 0; i+1 < len(fields); i += 2 {
		v := fields[i+1]
		if i+2 == len(fields) {
			v += kb.Enter
		}
		empty := fmt.Sprintf(`document.getElementById(%q).value = ""`, fields[i])
		steps = append(steps, chromedp.Evaluate[chromedp.Void](empty), chromedp.SendKeys(chromedp.ID(fields[i]), v))
	}
	return chromedp.Steps(steps...)
}

// screen waits until the screen (section #screen-name) shows.
func screen(name string) chromedp.Action[chromedp.Void] {
	return chromedp.WaitVisible(chromedp.ID("screen-" + name))
}

// says waits until the element with this id holds text.
func says(id, text string) chromedp.Action[chromedp.Void] {
	return chromedp.PollFunction[chromedp.Void](
		`(id, text) => (document.getElementById(id)?.textContent ?? "").includes(text)`,
		chromedp.WithPollingArgs(id, text), chromedp.WithPollingMutation(), chromedp.WithPollingTimeout(stepTimeout))
}

// answer runs submit and waits until the element with this id says text
// anew: for a message that may repeat what the element said before (the
// same error twice, with another reference).
func answer(id, text string, submit chromedp.Action[chromedp.Void]) chromedp.Action[chromedp.Void] {
	return func(ctx context.Context, t *chromedp.Target) (chromedp.Void, error) {
		before, err := chromedp.TextContent(chromedp.ID(id))(ctx, t)
		if err != nil {
			return chromedp.Void{}, err
		}
		if _, err := submit(ctx, t); err != nil {
			return chromedp.Void{}, err
		}
		return chromedp.PollFunction[chromedp.Void](
			`(id, before, text) => { const s = document.getElementById(id)?.textContent ?? ""; return s !== before && s.includes(text); }`,
			chromedp.WithPollingArgs(id, before, text), chromedp.WithPollingMutation(), chromedp.WithPollingTimeout(stepTimeout))(ctx, t)
	}
}

// until waits until a JavaScript expression is true.
func until(expression string) chromedp.Action[chromedp.Void] {
	return chromedp.Poll[chromedp.Void](expression, chromedp.WithPollingTimeout(stepTimeout))
}

// nav clicks the link of the navigation to a screen and waits for it.
func nav(name string) chromedp.Action[chromedp.Void] {
	return chromedp.Steps(
		chromedp.Click(chromedp.CSS(`#nav-in a[href="#/`+name+`"]`)),
		screen(name))
}

// screenshot saves a PNG of the whole page as <shots>/<name>.png.
func (b *tab) screenshot(name string) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		b.t.Fatalf("screenshot %s: %v", name, err)
	}
	if err := os.WriteFile(filepath.Join(b.shots, name+".png"), png, 0o644); err != nil {
		b.t.Fatal(err)
	}
}

// allow lets the page write to the clipboard and sends downloads to dir,
// announcing them.
func (b *tab) allow(dir string) {
	b.t.Helper()
	for _, name := range []string{"clipboard-read", "clipboard-write"} {
		_, err := chromedp.CallBrowser(b.ctx, browser.SetPermission, browser.SetPermissionParams{
			Permission: &browser.PermissionDescriptor{Name: name},
			Setting:    browser.PermissionSettingGranted,
			Origin:     b.base,
		})
		if err != nil {
			b.t.Fatalf("grant %s: %v", name, err)
		}
	}
	_, err := chromedp.CallBrowser(b.ctx, browser.SetDownloadBehavior, browser.SetDownloadBehaviorParams{
		Behavior:      browser.SetDownloadBehaviorBehaviorAllow,
		DownloadPath:  dir,
		EventsEnabled: new(true),
	})
	if err != nil {
		b.t.Fatalf("allow downloads: %v", err)
	}
}

// downloaded runs trigger and waits until the download it starts is
// complete.
func (b *tab) downloaded(trigger chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, stepTimeout)
	defer cancel()
	progress := chromedp.BrowserEvents(ctx, browser.DownloadProgress)
	if err := chromedp.Do(ctx, trigger); err != nil {
		b.t.Fatalf("start the download: %v", err)
	}
	for ev, err := range progress {
		if err != nil {
			b.t.Fatalf("download: %v", err)
		}
		switch ev.State {
		case browser.DownloadProgressStateCompleted:
			return
		case browser.DownloadProgressStateCanceled:
			b.t.Fatal("download canceled")
		}
	}
}

// totpAt is the TOTP code of secret at a time, as an authenticator app
// computes it (RFC 6238: SHA-1, 6 digits, 30-second steps).
func totpAt(t *testing.T, secret string, at time.Time) string {
	t.Helper()
	code, err := totp.GenerateCodeCustom(secret, at, totp.ValidateOpts{Period: 30, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
	if err != nil {
		t.Fatalf("TOTP code: %v", err)
	}
	return code
}
