package main

import (
	"net/http"
	"strings"
	"testing"

	"github.com/infrastructure/platform/services/auth/internal/middleware"
	"github.com/infrastructure/platform/services/auth/internal/web"
)

// TestWebAppSetting: with WEB_APP (the default) the REST port serves the
// web app at / under the strict policy, beside the API; with
// WEB_APP=false, / is the JSON 404 of any unknown path again, and the link
// pages stay.
func TestWebAppSetting(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name  string
		env   map[string]string
		app   bool
		route string // the error name of GET / without the app
	}{
		{"case=default", nil, true, ""},
		{"case=WEB_APP=false", map[string]string{"WEB_APP": "false"}, false, middleware.NameNotFound},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := startStack(t, tt.env)
			for _, path := range []string{"/", "/assets/app/main.js", "/assets/app/app.css"} {
				r := s.do(t, "GET", path, nil, nil)
				switch {
				case tt.app && (r.status != http.StatusOK || r.header.Get("Content-Security-Policy") != web.CSP):
					t.Errorf("GET %s: %d, CSP %q", path, r.status, r.header.Get("Content-Security-Policy"))
				case !tt.app && (r.status != http.StatusNotFound || r.body["name"] != tt.route):
					t.Errorf("GET %s: %d %s, want the JSON 404", path, r.status, r.raw)
				}
			}
			if r := s.do(t, "GET", "/", nil, nil); tt.app && !strings.Contains(r.raw, `<script type="module" src="/assets/app/main.js">`) {
				t.Errorf("GET /: not the app: %.200s", r.raw)
			}
			if r := s.do(t, "POST", "/", nil, nil); tt.app && (r.status != http.StatusMethodNotAllowed || r.header.Get("Allow") != "GET") {
				t.Errorf("POST /: %d, Allow %q, want 405 with Allow: GET", r.status, r.header.Get("Allow"))
			}
			r := s.do(t, "GET", "/reset-password", nil, nil)
			if r.status != http.StatusOK || strings.Contains(r.raw, " data-app-link>") != tt.app {
				t.Errorf("GET /reset-password: %d, link to the app %v", r.status, strings.Contains(r.raw, " data-app-link>"))
			}
		})
	}
}
