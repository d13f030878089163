package middleware_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/infrastructure/platform/services/auth/internal/middleware"
)

const (
	testHost      = "auth.example.com"
	allowedOrigin = "https://app.example.com"
	foreignOrigin = "https://evil.example"
)

var secureOptions = middleware.CookieOptions{Name: "__Host-session", Secure: true, AllowedOrigins: []string{allowedOrigin}}

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

func TestSessionCookieOrigin(t *testing.T) {
	t.Parallel()
	insecure := middleware.CookieOptions{Name: "session", Secure: false, AllowedOrigins: []string{allowedOrigin}}
	tests := []struct {
		name          string
		opts          middleware.CookieOptions
		method        string
		cookie        bool
		authorization string
		origin        string
		wantAllowed   bool
	}{
		{"method=POST case=foreign origin", secureOptions, http.MethodPost, true, "", foreignOrigin, false},
		{"method=DELETE case=foreign origin", secureOptions, http.MethodDelete, true, "", foreignOrigin, false},
		{"method=PUT case=foreign origin", secureOptions, http.MethodPut, true, "", foreignOrigin, false},
		{"method=PATCH case=foreign origin", secureOptions, http.MethodPatch, true, "", foreignOrigin, false},
		{"method=POST case=null origin", secureOptions, http.MethodPost, true, "", "null", false},
		{"method=POST case=own origin over http when secure", secureOptions, http.MethodPost, true, "", "http://" + testHost, false},
		{"method=POST case=own host other port", secureOptions, http.MethodPost, true, "", "https://" + testHost + ":8443", false},
		{"method=POST case=subdomain of own host", secureOptions, http.MethodPost, true, "", "https://evil." + testHost, false},
		{"method=POST case=own host as prefix", secureOptions, http.MethodPost, true, "", "https://" + testHost + ".evil.example", false},
		{"method=POST case=allowed origin over http", secureOptions, http.MethodPost, true, "", "http://app.example.com", false},
		{"method=POST case=own origin", secureOptions, http.MethodPost, true, "", "https://" + testHost, true},
		{"method=POST case=own origin upper case", secureOptions, http.MethodPost, true, "", "HTTPS://AUTH.EXAMPLE.COM", true},
		{"method=POST case=own origin over http when insecure", insecure, http.MethodPost, true, "", "http://" + testHost, true},
		{"method=POST case=own origin over https when insecure", insecure, http.MethodPost, true, "", "https://" + testHost, true},
		{"method=POST case=allowed origin", secureOptions, http.MethodPost, true, "", allowedOrigin, true},
		{"method=DELETE case=allowed origin", secureOptions, http.MethodDelete, true, "", allowedOrigin, true},
		{"method=POST case=no origin", secureOptions, http.MethodPost, true, "", "", true},
		{"method=GET case=foreign origin", secureOptions, http.MethodGet, true, "", foreignOrigin, true},
		{"method=HEAD case=foreign origin", secureOptions, http.MethodHead, true, "", foreignOrigin, true},
		{"method=OPTIONS case=foreign origin", secureOptions, http.MethodOptions, true, "", foreignOrigin, true},
		{"method=POST case=bearer with foreign origin", secureOptions, http.MethodPost, false, "Bearer tok", foreignOrigin, true},
		{"method=POST case=bearer and cookie with foreign origin", secureOptions, http.MethodPost, true, "Bearer tok", foreignOrigin, true},
		{"method=POST case=no credentials with foreign origin", secureOptions, http.MethodPost, false, "", foreignOrigin, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cookieName := ""
			if tt.cookie {
				cookieName = tt.opts.Name
			}
			rec, s := serveSession(t, tt.opts, request(tt.method, cookieName, "tok", tt.authorization, tt.origin))
			if tt.wantAllowed {
				if !s.called || rec.Code != http.StatusNoContent {
					t.Errorf("refused: next called = %v, status %d, body %q", s.called, rec.Code, rec.Body.String())
				}
				return
			}
			if s.called {
				t.Error("next called for a cross-origin cookie-authenticated write")
			}
			body := errorBody(t, rec, http.StatusForbidden)
			if body.Name != middleware.NameForbiddenOrigin {
				t.Errorf("name = %q, want %q", body.Name, middleware.NameForbiddenOrigin)
			}
			if !strings.Contains(body.Message, tt.origin) {
				t.Errorf("message = %q, want it to name origin %q", body.Message, tt.origin)
			}
		})
	}
}
