package middleware_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/infrastructure/platform/services/auth/internal/middleware"
)

func TestSecurityHeaders(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		next http.HandlerFunc
	}{
		{"case=handler writes nothing", func(http.ResponseWriter, *http.Request) {}},
		{"case=handler writes a body", func(w http.ResponseWriter, _ *http.Request) {
			_, _ = w.Write([]byte(`{"id":"1"}`))
		}},
		{"case=handler writes an error", func(w http.ResponseWriter, _ *http.Request) {
			http.Error(w, "nope", http.StatusUnauthorized)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			called := false
			next := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				called = true
				tt.next(w, r)
			})
			rec := httptest.NewRecorder()
			middleware.SecurityHeaders(next).ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/me", nil))

			if !called {
				t.Error("next not called")
			}
			h := rec.Result().Header
			if got := h.Get("Cache-Control"); got != "no-store" {
				t.Errorf("Cache-Control = %q, want no-store", got)
			}
			if got := h.Get("X-Content-Type-Options"); got != "nosniff" {
				t.Errorf("X-Content-Type-Options = %q, want nosniff", got)
			}
		})
	}
}

func TestStrictTransportSecurity(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name string
		next http.HandlerFunc
	}{
		{"case=handler writes nothing", func(http.ResponseWriter, *http.Request) {}},
		{"case=handler writes an error", func(w http.ResponseWriter, _ *http.Request) {
			http.Error(w, "nope", http.StatusUnauthorized)
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			rec := httptest.NewRecorder()
			middleware.StrictTransportSecurity(tt.next).ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/me", nil))
			if got := rec.Result().Header.Values("Strict-Transport-Security"); len(got) != 1 || got[0] != "max-age=63072000; includeSubDomains" {
				t.Errorf("Strict-Transport-Security = %q, want two years with subdomains", got)
			}
		})
	}
}
