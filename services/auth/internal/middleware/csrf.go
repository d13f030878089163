package middleware

import (
	"fmt"
	"mime"
	"net/http"
)

// NameUnsupportedMediaType is the error of a request body that is not
// JSON.
const NameUnsupportedMediaType = "unsupported_media_type"

// CrossOrigin refuses every unsafe request (POST, PUT, PATCH, DELETE)
// that a browser marks as cross-site, with or without a cookie, with 403
// forbidden_origin: Go's http.CrossOriginProtection reads Sec-Fetch-Site,
// else compares Origin with the request's host. The service's own origin
// and trusted (CORS_ALLOWED_ORIGINS) pass; requests with neither header
// (curl, servers) pass too, since no browser sent them. This stops login
// CSRF (a page signing its visitor in to the attacker's account) as well
// as cookie-authenticated writes.
func CrossOrigin(trusted []string) (func(http.Handler) http.Handler, error) {
	p := http.NewCrossOriginProtection()
	for _, o := range trusted {
		if err := p.AddTrustedOrigin(o); err != nil {
			return nil, fmt.Errorf("trusted origin %q: %w", o, err)
		}
	}
	p.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeError(w, r, http.StatusForbidden, NameForbiddenOrigin,
			"cross-origin request refused: the page that sent it is not this service's origin nor a trusted one")
	}))
	return p.Handler, nil
}

// RequireJSON answers 415 unsupported_media_type to a request that has a
// body whose Content-Type is not application/json (a charset parameter is
// fine). A browser can post text/plain or a form to any site without a
// preflight; insisting on JSON closes that door too, and tells a client
// that sent the wrong type what is wrong before the decoder does.
func RequireJSON(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.ContentLength != 0 && r.Body != nil && r.Body != http.NoBody {
			ct := r.Header.Get("Content-Type")
			mt, _, err := mime.ParseMediaType(ct)
			if err != nil || mt != "application/json" {
				writeError(w, r, http.StatusUnsupportedMediaType, NameUnsupportedMediaType,
					fmt.Sprintf("the request body must be JSON (Content-Type: application/json), not %q", ct))
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}
