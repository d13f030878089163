package middleware

import "net/http"

// SecurityHeaders marks every response as not to be cached (they carry
// personal data and session cookies) and not to be content-sniffed.
func SecurityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Cache-Control", "no-store")
		h.Set("X-Content-Type-Options", "nosniff")
		next.ServeHTTP(w, r)
	})
}

// StrictTransportSecurity tells browsers to reach this host and its
// subdomains only over HTTPS for two years (HSTS). It is for a service
// behind TLS (COOKIE_SECURE=true); browsers ignore the header on plain
// HTTP.
func StrictTransportSecurity(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Strict-Transport-Security", HSTS)
		next.ServeHTTP(w, r)
	})
}

// HSTS is the Strict-Transport-Security value: two years, subdomains
// included.
const HSTS = "max-age=63072000; includeSubDomains"
