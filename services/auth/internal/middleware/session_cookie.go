package middleware

import (
	"net/http"
	"slices"
	"strings"
)

// DesignCookieName is the cookie name in the Goa design. The middleware
// renames it to the configured name on the way out.
const DesignCookieName = "session"

// CookieOptions configures SessionCookie.
type CookieOptions struct {
	// Name is the session cookie name: "__Host-session" or "session".
	Name string
	// Secure sets the Secure flag (COOKIE_SECURE).
	Secure bool
	// AllowedOrigins may send cookie-authenticated writes besides the
	// service's own origin (CORS_ALLOWED_ORIGINS).
	AllowedOrigins []string
}

// SessionCookie carries the session between the browser's cookie and the
// Goa transport, which only knows "Authorization: Bearer":
//
//   - a request with the session cookie and no Authorization header is
//     authenticated by the cookie, as if it carried "Bearer <cookie>";
//   - such a cookie-authenticated request with an unsafe method (POST,
//     DELETE, ...) whose Origin header is present and is neither the
//     service's own origin nor an allowed one answers 403 (CONTRACT
//     section 2): a second defence against CSRF after SameSite=Lax;
//   - the session cookie that the design sets is renamed to the configured
//     name and given the configured Secure flag; an empty value clears it.
func SessionCookie(o CookieOptions) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Header.Get("Authorization") == "" {
				if c, err := r.Cookie(o.Name); err == nil && c.Value != "" {
					if unsafeMethod(r.Method) && !o.originAllowed(r) {
						writeError(w, r, http.StatusForbidden, NameForbiddenOrigin,
							"cookie-authenticated requests from origin "+r.Header.Get("Origin")+" are not allowed")
						return
					}
					r.Header.Set("Authorization", "Bearer "+c.Value)
				}
			}
			cw := &cookieWriter{ResponseWriter: w, opts: &o}
			next.ServeHTTP(cw, r)
			cw.rewrite() // for a handler that returned without writing
		})
	}
}

func unsafeMethod(m string) bool {
	switch m {
	case http.MethodGet, http.MethodHead, http.MethodOptions, http.MethodTrace:
		return false
	}
	return true
}

// originAllowed reports whether the request has no Origin header, or one
// that is the service's own origin or an allowed one.
func (o *CookieOptions) originAllowed(r *http.Request) bool {
	origin := strings.ToLower(r.Header.Get("Origin"))
	if origin == "" {
		return true
	}
	host := strings.ToLower(r.Host)
	if origin == "https://"+host || (!o.Secure && origin == "http://"+host) {
		return true
	}
	return slices.Contains(o.AllowedOrigins, origin)
}

// cookieWriter rewrites the session cookie before the headers go out.
type cookieWriter struct {
	http.ResponseWriter
	opts      *CookieOptions
	rewritten bool
}

func (w *cookieWriter) WriteHeader(status int) {
	w.rewrite()
	w.ResponseWriter.WriteHeader(status)
}

func (w *cookieWriter) Write(b []byte) (int, error) {
	w.rewrite()
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the underlying writer. Whoever
// does so may flush the headers past us, so they are rewritten first.
func (w *cookieWriter) Unwrap() http.ResponseWriter {
	w.rewrite()
	return w.ResponseWriter
}

// rewrite renames and flags the session cookie, once.
func (w *cookieWriter) rewrite() {
	if w.rewritten {
		return
	}
	w.rewritten = true
	h := w.Header()
	lines := h.Values("Set-Cookie")
	if len(lines) == 0 {
		return
	}
	out := make([]string, 0, len(lines))
	for _, line := range lines {
		c, err := http.ParseSetCookie(line)
		if err != nil || c.Name != DesignCookieName {
			out = append(out, line)
			continue
		}
		c.Name = w.opts.Name
		c.Secure = w.opts.Secure
		c.Domain = ""
		c.Path = "/"
		c.HttpOnly = true
		c.SameSite = http.SameSiteLaxMode
		if c.Value == "" {
			c.MaxAge = -1 // Max-Age=0: the browser deletes it
		}
		out = append(out, c.String())
	}
	h["Set-Cookie"] = out
}
