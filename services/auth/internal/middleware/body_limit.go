package middleware

import (
	"fmt"
	"net/http"
)

// DefaultMaxBody is the body limit of the REST API (services/auth/README.md, Endpoints).
const DefaultMaxBody = 64 << 10

// MaxBody answers 413 to a request whose declared length exceeds limit and
// caps the body of the others, so that a chunked body over the limit fails
// while decoding (RequestDecoder then reports request_too_large).
func MaxBody(limit int64) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.ContentLength > limit {
				w.Header().Set("Connection", "close")
				writeError(w, r, http.StatusRequestEntityTooLarge, NameTooLarge, fmt.Sprintf("the body exceeds %d bytes", limit))
				return
			}
			r.Body = http.MaxBytesReader(w, r.Body, limit)
			next.ServeHTTP(w, r)
		})
	}
}
