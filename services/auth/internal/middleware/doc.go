// Package middleware holds the HTTP rules that the Goa design cannot express:
// the session cookie (its name and Secure flag depend on configuration, and
// it is also accepted as a bearer token), the Origin check for
// cookie-authenticated writes, the body limit, strict JSON decoding, the
// error bodies for errors Goa and the router raise themselves (404, 405),
// the request id (X-Request-Id, the access line, error ids), security
// headers (HSTS behind TLS), the attributes the HTTP metrics may keep, and
// the guard of operator endpoints on the public port. Each is small,
// configured once, and tested beside it.
package middleware
