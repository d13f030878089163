package web_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"path"
	"regexp"
	"strings"
	"testing"

	"github.com/infrastructure/platform/services/auth/internal/web"
)

// get serves path from the routes and returns the response and its body.
func get(t *testing.T, routes map[string]http.HandlerFunc, p string) (*http.Response, string) {
	t.Helper()
	h, ok := routes[p]
	if !ok {
		t.Fatalf("no route %s", p)
	}
	rec := httptest.NewRecorder()
	h(rec, httptest.NewRequest(http.MethodGet, p, nil))
	res := rec.Result()
	body, _ := io.ReadAll(res.Body)
	return res, string(body)
}

// TestPages: every page and asset, with the app and without, is served
// with its type and the strict policy, and no page holds inline script,
// inline style or an inline event handler (the policy would block them).
func TestPages(t *testing.T) {
	t.Parallel()
	inline := regexp.MustCompile(`(?i)<script(?:\s[^>]*)?>\s*[^<\s]|<style|\sstyle=|\son[a-z]+=|javascript:`)
	for _, app := range []bool{true, false} {
		routes := web.Routes(app)
		for p := range routes {
			t.Run("path="+p, func(t *testing.T) {
				t.Parallel()
				res, body := get(t, routes, p)
				if res.StatusCode != http.StatusOK || len(body) == 0 {
					t.Fatalf("%d, %d bytes", res.StatusCode, len(body))
				}
				csp := res.Header.Get("Content-Security-Policy")
				for _, want := range []string{"default-src 'none'", "script-src 'self';", "style-src 'self';", "img-src 'self' data:;", "frame-ancestors 'none'"} {
					if csp != web.CSP || !strings.Contains(csp, want) {
						t.Errorf("CSP %q: want %q", csp, want)
					}
				}
				if res.Header.Get("Referrer-Policy") != "no-referrer" {
					t.Error("no Referrer-Policy")
				}
				want := map[string]string{".js": "text/javascript", ".css": "text/css", ".svg": "image/svg+xml"}[path.Ext(p)]
				if want == "" {
					want = "text/html"
					if m := inline.FindString(body); m != "" {
						t.Errorf("inline script or style: %q", m)
					}
					if !strings.Contains(body, `aria-live="polite"`) {
						t.Error("no live region for the outcome")
					}
				}
				if ctype := res.Header.Get("Content-Type"); !strings.HasPrefix(ctype, want) {
					t.Errorf("type %q, want %s", ctype, want)
				}
			})
		}
	}
}

// TestRoutes: the app is at / with its assets only when asked for, the
// link pages always; they show their link to the app only with it.
func TestRoutes(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name string
		app  bool
	}{{"case=web app", true}, {"case=API only", false}} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			routes := web.Routes(tt.app)
			for p := range web.App {
				if _, ok := routes[p]; ok != tt.app {
					t.Errorf("%s served: %v", p, ok)
				}
			}
			for p := range web.Pages {
				_, body := get(t, routes, p)
				if shown := strings.Contains(body, " data-app-link>"); shown != tt.app {
					t.Errorf("%s: link to the app shown: %v", p, shown)
				}
				if !strings.Contains(body, " data-app-link") {
					t.Errorf("%s: no link to the app", p)
				}
			}
		})
	}
}

// TestAppReferences: every asset that the app's page and modules name
// (link, script, img, import) is served, and every module is imported, so
// that a renamed file fails here rather than in a browser.
func TestAppReferences(t *testing.T) {
	t.Parallel()
	routes := web.Routes(true)
	_, page := get(t, routes, "/")
	named := map[string]bool{}
	for _, m := range regexp.MustCompile(`(?:href|src)="(/assets/[^"]+)"`).FindAllStringSubmatch(page, -1) {
		named[m[1]] = true
	}
	imports := regexp.MustCompile(`(?m)^import\s+(?:[^"]*\sfrom\s+)?"(\.[^"]+)";`)
	for p := range web.App {
		if path.Ext(p) != ".js" {
			continue
		}
		_, module := get(t, routes, p)
		for _, m := range imports.FindAllStringSubmatch(module, -1) {
			named[path.Join(path.Dir(p), m[1])] = true
		}
	}
	for p := range named {
		if _, ok := routes[p]; !ok {
			t.Errorf("%s is named but not served", p)
		}
	}
	for p := range web.App {
		if p != "/" && !named[p] {
			t.Errorf("%s is served but never named", p)
		}
	}
}

// TestAppAccessible: in the app's page every field has its label, every
// screen a heading the router can focus, and each screen's section is
// labelled by it.
func TestAppAccessible(t *testing.T) {
	t.Parallel()
	_, page := get(t, web.Routes(true), "/")
	for _, m := range regexp.MustCompile(`<input id="([^"]+)"`).FindAllStringSubmatch(page, -1) {
		if !strings.Contains(page, `<label for="`+m[1]+`">`) {
			t.Errorf("input #%s has no label", m[1])
		}
	}
	if n := strings.Count(page, "<input"); n != strings.Count(page, `<input id="`) {
		t.Errorf("%d inputs, some without an id", n)
	}
	screens := regexp.MustCompile(`<section id="screen-([a-z-]+)" class="screen" aria-labelledby="([a-z-]+)" hidden>\s*<h1 id="([a-z-]+)" tabindex="-1">`).FindAllStringSubmatch(page, -1)
	if n := strings.Count(page, "<section "); len(screens) != n || n < 10 {
		t.Fatalf("%d sections, %d with a focusable heading that labels them", n, len(screens))
	}
	for _, m := range screens {
		if m[2] != m[3] {
			t.Errorf("screen %s is labelled by #%s, its heading is #%s", m[1], m[2], m[3])
		}
	}
	for _, region := range []string{`id="error" class="notice error" role="alert"`, `id="status" class="notice" role="status" aria-live="polite"`} {
		if !strings.Contains(page, region) {
			t.Errorf("no live region %s", region)
		}
	}
}
