package middleware_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/infrastructure/platform/services/auth/internal/middleware"
)

const (
	testHost      = "auth.example.com"
	allowedOrigin = "https://app.example.com"
	foreignOrigin = "https://evil.example"
)

var secureOptions = middleware.CookieOptions{Name: "__Host-session", Secure: true}

// seen is what the handler after SessionCookie saw.
type seen struct {
	called        bool
	authorization string
}

// serveSession sends r through SessionCookie(o) to a handler that records
// what it sees and answers 204.
func serveSession(t *testing.T, o middleware.CookieOptions, r *http.Request) (*httptest.ResponseRecorder, *seen) {
	t.Helper()
	s := &seen{}
	next := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.called = true
		s.authorization = r.Header.Get("Authorization")
		w.WriteHeader(http.StatusNoContent)
	})
	rec := httptest.NewRecorder()
	middleware.SessionCookie(o)(next).ServeHTTP(rec, r)
	return rec, s
}

// request builds a request to testHost with optional cookie, Authorization
// and Origin ("" leaves each out).
func request(method, cookieName, cookieValue, authorization, origin string) *http.Request {
	r := httptest.NewRequest(method, "https://"+testHost+"/me", nil)
	if cookieName != "" {
		r.AddCookie(&http.Cookie{Name: cookieName, Value: cookieValue})
	}
	if authorization != "" {
		r.Header.Set("Authorization", authorization)
	}
	if origin != "" {
		r.Header.Set("Origin", origin)
	}
	return r
}

func TestSessionCookieAuthorization(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name          string
		opts          middleware.CookieOptions
		cookieName    string
		cookieValue   string
		authorization string
		want          string
	}{
		{"case=cookie becomes bearer", secureOptions, "__Host-session", "tok", "", "Bearer tok"},
		{"case=insecure name becomes bearer", middleware.CookieOptions{Name: "session"}, "session", "tok", "", "Bearer tok"},
		{"case=authorization header wins", secureOptions, "__Host-session", "tok", "Bearer other", "Bearer other"},
		{"case=non-bearer authorization left alone", secureOptions, "__Host-session", "tok", "Basic Zm9vOmJhcg==", "Basic Zm9vOmJhcg=="},
		{"case=cookie with another name ignored", secureOptions, "session", "tok", "", ""},
		{"case=unrelated cookie ignored", secureOptions, "theme", "dark", "", ""},
		{"case=empty cookie ignored", secureOptions, "__Host-session", "", "", ""},
		{"case=no cookie", secureOptions, "", "", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			rec, s := serveSession(t, tt.opts, request(http.MethodGet, tt.cookieName, tt.cookieValue, tt.authorization, ""))
			if !s.called {
				t.Fatalf("next not called (status %d, body %q)", rec.Code, rec.Body.String())
			}
			if s.authorization != tt.want {
				t.Errorf("Authorization = %q, want %q", s.authorization, tt.want)
			}
		})
	}
}
