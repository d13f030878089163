package web_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/infrastructure/platform/services/auth/internal/web"
)

// TestPages: every page and asset is served with its type and the strict
// policy, and no page holds inline script, inline style or an inline event
// handler (the policy would block them).
func TestPages(t *testing.T) {
	t.Parallel()
	inline := regexp.MustCompile(`(?i)<script(?:\s[^>]*)?>\s*[^<\s]|<style|\sstyle=|\son[a-z]+=`)
	all := map[string]string{}
	for p, f := range web.Pages {
		all[p] = f
	}
	for p, f := range web.Assets {
		all[p] = f
	}
	for path, file := range all {
		t.Run("path="+path, func(t *testing.T) {
			t.Parallel()
			rec := httptest.NewRecorder()
			web.Handler(file)(rec, httptest.NewRequest(http.MethodGet, path, nil))
			res := rec.Result()
			body, _ := io.ReadAll(res.Body)
			if res.StatusCode != http.StatusOK || len(body) == 0 {
				t.Fatalf("%d, %d bytes", res.StatusCode, len(body))
			}
			if got := res.Header.Get("Content-Security-Policy"); got != web.CSP || !strings.Contains(got, "script-src 'self'") {
				t.Errorf("CSP %q", got)
			}
			if res.Header.Get("Referrer-Policy") != "no-referrer" {
				t.Error("no Referrer-Policy")
			}
			ctype := res.Header.Get("Content-Type")
			switch {
			case strings.HasSuffix(path, ".js"):
				if !strings.HasPrefix(ctype, "text/javascript") {
					t.Errorf("type %q", ctype)
				}
			case strings.HasSuffix(path, ".css"):
				if !strings.HasPrefix(ctype, "text/css") {
					t.Errorf("type %q", ctype)
				}
			default:
				if !strings.HasPrefix(ctype, "text/html") {
					t.Errorf("type %q", ctype)
				}
				if m := inline.Find(body); m != nil {
					t.Errorf("inline script or style: %q", m)
				}
				if !strings.Contains(string(body), `aria-live="polite"`) {
					t.Error("no live region for the outcome")
				}
			}
		})
	}
}
