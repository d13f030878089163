package main

import (
	"net/http"
	"testing"

	"github.com/infrastructure/platform/services/auth/internal/middleware"
)

// TestRouteErrors: a path without a route is 404 not_found and a known path
// with another method 405 method_not_allowed with Allow, both as JSON error
// bodies; the endpoints outside the design still answer.
func TestRouteErrors(t *testing.T) {
	t.Parallel()
	s := startStack(t, nil)
	for _, tt := range []struct {
		name, method, path string
		status             int
		errName, allow     string
	}{
		{"case=unknown path", "GET", "/nope", http.StatusNotFound, middleware.NameNotFound, ""},
		{"case=unknown path under the API", "POST", "/auth/nope", http.StatusNotFound, middleware.NameNotFound, ""},
		{"case=trailing slash", "POST", "/auth/login/", http.StatusNotFound, middleware.NameNotFound, ""},
		{"case=made-up method on an unknown path", "BREW", "/nope", http.StatusNotFound, middleware.NameNotFound, ""},
		{"case=GET on a POST route", "GET", "/auth/login", http.StatusMethodNotAllowed, middleware.NameMethodNotAllowed, "POST"},
		{"case=POST on a path with a parameter", "POST", "/auth/sessions/5f0c3a52-3a4b-4c3e-9d6b-0a6f1f9b0c11", http.StatusMethodNotAllowed, middleware.NameMethodNotAllowed, "DELETE"},
		{"case=POST on a GET route", "POST", "/auth/sessions", http.StatusMethodNotAllowed, middleware.NameMethodNotAllowed, "GET"},
		{"case=POST on livez", "POST", "/livez", http.StatusMethodNotAllowed, middleware.NameMethodNotAllowed, "GET"},
		{"case=made-up method on a known path", "BREW", "/healthz", http.StatusMethodNotAllowed, middleware.NameMethodNotAllowed, "GET"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := s.do(t, tt.method, tt.path, nil, nil)
			if r.status != tt.status || r.body["name"] != tt.errName {
				t.Fatalf("%s %s: %d %s, want %d %s", tt.method, tt.path, r.status, r.raw, tt.status, tt.errName)
			}
			if ct := r.header.Get("Content-Type"); ct != "application/json" {
				t.Errorf("Content-Type = %q, want application/json", ct)
			}
			if msg, _ := r.body["message"].(string); msg == "" {
				t.Errorf("no message: %s", r.raw)
			}
			if got := r.header.Get("Allow"); got != tt.allow {
				t.Errorf("Allow = %q, want %q", got, tt.allow)
			}
		})
	}
	for _, path := range []string{"/livez", "/healthz", "/metrics"} {
		if r := s.do(t, "GET", path, nil, nil); r.status != http.StatusOK {
			t.Errorf("GET %s: %d %s", path, r.status, r.raw)
		}
	}
	// The sessions list really answers GET (the 405 above lists it).
	token := s.register(t, "ada@example.com", "password1")
	if r := s.do(t, "GET", "/auth/sessions", nil, bearer(token)); r.status != http.StatusOK {
		t.Errorf("GET /auth/sessions: %d %s", r.status, r.raw)
	}
}
