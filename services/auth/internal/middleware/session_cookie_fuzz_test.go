package middleware_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/infrastructure/platform/services/auth/internal/middleware"
)

// FuzzSessionCookie sends requests with any method, Authorization, Cookie,
// Origin and Host through SessionCookie (secure cookies, one allowed
// origin) and checks that:
//   - it never panics;
//   - an Authorization header always wins: the handler sees it unchanged;
//   - otherwise the handler sees "Bearer <value>" of the configured cookie
//     when it has a value, and no Authorization at all when it has none: a
//     cookie of another name (a plain "session" set by a sibling domain)
//     never authenticates;
//   - it never refuses a request: cross-site requests are CrossOrigin's to
//     refuse, before this middleware.
func FuzzSessionCookie(f *testing.F) {
	const token = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8"
	for _, seed := range [][5]string{
		{"GET", "", "__Host-session=" + token, "", "auth.example.com"},
		{"POST", "", "__Host-session=" + token, "https://auth.example.com", "auth.example.com"},
		{"POST", "", "__Host-session=" + token, "HTTPS://APP.EXAMPLE.COM", "auth.example.com"},
		{"POST", "", "__Host-session=" + token, "http://auth.example.com", "auth.example.com"},
		{"DELETE", "", "__Host-session=" + token, "https://evil.example", "auth.example.com"},
		{"post", "", "session=" + token + "; __Host-session=", "null", "auth.example.com:8443"},
		{"POST", "Bearer " + token, "__Host-session=other", "https://evil.example", "auth.example.com"},
		{"PATCH", "", `__Host-session="` + token + `"; __Host-session=second`, "https://auth.example.com", "AUTH.example.com"},
		{"OPTIONS", "", "__Host-session=" + token, "https://evil.example", ""},
	} {
		f.Add(seed[0], seed[1], seed[2], seed[3], seed[4])
	}

	opts := middleware.CookieOptions{Name: "__Host-session", Secure: true}
	f.Fuzz(func(t *testing.T, method, authorization, cookie, origin, host string) {
		r := httptest.NewRequest(http.MethodGet, "/auth/profile", nil)
		r.Method, r.Host = method, host
		for name, value := range map[string]string{"Authorization": authorization, "Cookie": cookie, "Origin": origin} {
			if value != "" {
				r.Header.Set(name, value)
			}
		}
		var value string // the configured cookie's, as net/http reads it
		if c, err := r.Cookie(opts.Name); err == nil {
			value = c.Value
		}

		var seen []string
		called := false
		h := middleware.SessionCookie(opts)(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
			called, seen = true, r.Header.Values("Authorization")
		}))
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)

		switch {
		case !called:
			t.Fatalf("%s from %q (Authorization %q, Cookie %q) answered %d without calling the handler", method, origin, authorization, cookie, w.Code)
		case authorization != "":
			if len(seen) != 1 || seen[0] != authorization {
				t.Fatalf("Authorization %q reached the handler as %q", authorization, seen)
			}
		case value != "":
			if len(seen) != 1 || seen[0] != "Bearer "+value {
				t.Fatalf("cookie %q reached the handler as %q, want Bearer %q", cookie, seen, value)
			}
		case len(seen) != 0:
			t.Fatalf("cookie %q without %s authenticated as %q", cookie, opts.Name, seen)
		}
	})
}
